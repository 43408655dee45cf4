"""The harness itself works: pages load in Chromium at phone size and pass axe."""

from .conftest import assert_accessible


def test_home_page_is_accessible_on_a_phone(page, live_server):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)
