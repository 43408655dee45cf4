"""Under the Content-Security-Policy the pages still work: GOV.UK's inline script runs (by
nonce, and by hash after hx-boost swaps a page in), htmx navigates, Swagger UI renders, and
nothing is blocked (the page fixtures fail a test on any CSP console error)."""

from __future__ import annotations

from playwright.sync_api import expect


def test_inline_script_htmx_boost_and_swagger_ui_work_under_the_policy(js_page, live_server):
    page = js_page
    page.goto(f"{live_server.url}/")
    expect(page.locator("body")).to_have_class(
        __import__("re").compile(r"\bjs-enabled\b"))
    # hx-boost: the footer links swap the next page in, running its scripts again.
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(f"{live_server.url}/accessibility")
    page.get_by_role("link", name="API", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/api/docs")
    # Swagger UI is a 1.5 MB script: give a loaded machine time to parse it.
    expect(page.locator("#swagger-ui .opblock-tag").first).to_be_visible(timeout=30_000)
    assert page.csp_violations == []
