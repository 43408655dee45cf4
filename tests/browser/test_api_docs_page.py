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
    assert_accessible(page)  # Swagger UI included: its contrast and labels are fixed in our CSS/JS


def test_person_creates_and_revokes_an_api_token_on_their_account(page, live_server, make):
    from tests.factories import PASSWORD

    from .conftest import sign_in

    user = make.user(email="tokens@example.org")
    sign_in(page, live_server.url, user.email, PASSWORD)
    page.goto(live_server.url + "/me/tokens")
    page.get_by_label("Name").fill("Ward dashboard")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Your new token")
    token.wait_for()
    assert token.input_value().startswith("ci_")
    assert_accessible(page)
    page.get_by_role("button", name="Revoke Ward dashboard").click()
    page.get_by_text("You have no API tokens.").wait_for()
