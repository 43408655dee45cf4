"""The API docs page works offline: Swagger UI from vendored files with JavaScript, and a
plain list of endpoints without it."""

from .conftest import assert_accessible


def test_api_docs_page_shows_every_endpoint_with_or_without_javascript(page, live_server):
    requests_elsewhere = []
    page.on("request", lambda r: r.url.startswith(live_server.url)
            or requests_elsewhere.append(r.url))
    page.goto(live_server.url + "/api/docs")
    assert page.get_by_role("heading", name="API documentation", level=1).is_visible()
    assert page.get_by_role("cell", name="POST /api/v1/ideas", exact=True).is_visible()
    if page.js_enabled:
        page.locator(".swagger-ui .opblock-tag").first.wait_for()
        assert page.locator(".swagger-ui .opblock-tag").count() >= 7  # one per area
    assert requests_elsewhere == []
    assert_accessible(page, context={"exclude": [["#swagger-ui"]]})
