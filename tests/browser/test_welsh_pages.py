"""In Welsh on a phone (390 px), with JavaScript on and off: the language switch changes the
whole page (<html lang> too, also under hx-boost), the choice sticks as the visitor moves on,
pages pass axe, and nothing is wider than the phone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from citizenideas.extensions import db
from citizenideas.models import OutcomeReport, utcnow

from .conftest import PHONE, assert_accessible


@pytest.fixture
def council(make):
    """A ward with a Welsh name, a category without one (shown in English, marked), an idea
    with a published outcome."""
    ward = make.ward("Riverside")
    ward.name_cy = "Glan yr Afon"
    category = make.category("Green spaces")
    org = make.organisation(name="River Friends")
    idea = make.idea(title="Wildflowers along the river path", ward=ward, category=category,
                     status="delivered", created_at=utcnow() - timedelta(days=40),
                     delivered_at=utcnow())
    db.session.add(OutcomeReport(
        idea_id=idea.id, organisation_id=org.id, author_id=idea.author_id, state="published",
        result="delivered", summary="We sowed the verges.", people_reached=1200,
        volunteer_hours=Decimal("45"), spend_pence=25000, story="Neighbours sowed seed.",
        published_at=utcnow()))
    db.session.commit()
    return idea


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def follow_menu_link(page, href: str) -> None:
    """Click a link of the header's menu (folded behind its button when JavaScript is on)."""
    if page.js_enabled:
        page.locator(".govuk-service-navigation__toggle").click()
    page.locator(f"header a[href='{href}']").first.click()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_welsh_pages_switch_stick_and_pass_axe_on_a_phone(page, live_server, council):
    base = live_server.url
    page.goto(f"{base}/?lang=cy")
    assert html_lang(page) == "cy"
    switch = page.locator("header nav.ci-language-select")
    assert switch.locator("a[aria-current]").get_attribute("hreflang") == "cy"
    assert fits_the_phone(page)
    assert_accessible(page)

    # On to the ideas (a boosted link with JavaScript on): still Welsh, by the cookie.
    follow_menu_link(page, "/ideas")
    page.wait_for_url(f"{base}/ideas")
    assert html_lang(page) == "cy"
    assert page.locator("main p", has_text="Glan yr Afon").first.is_visible()
    assert page.locator("main [lang='en']", has_text="Green spaces").first.is_visible()
    assert fits_the_phone(page)
    assert_accessible(page)

    page.goto(f"{base}/ideas/{council.id}")
    assert html_lang(page) == "cy"
    assert fits_the_phone(page)
    assert_accessible(page)

    # English from the switch: the whole page, <html lang> included, and it sticks.
    switch.locator("a[hreflang='en']").click()
    page.wait_for_url(f"{base}/ideas/{council.id}?lang=en")
    assert html_lang(page) == "en"
    assert switch.locator("a[aria-current]").get_attribute("hreflang") == "en"
    follow_menu_link(page, "/outcomes")
    page.wait_for_url(f"{base}/outcomes")
    assert html_lang(page) == "en"

    # And back to Welsh, keeping the page's own query.
    page.goto(f"{base}/ideas?sort=newest")
    switch.locator("a[hreflang='cy']").click()
    page.wait_for_url(f"{base}/ideas?sort=newest&lang=cy")
    assert html_lang(page) == "cy"
    page.goto(f"{base}/accountability")
    assert html_lang(page) == "cy"
    assert fits_the_phone(page)
    assert_accessible(page)


def test_signing_in_to_a_welsh_account_turns_the_page_welsh(page, live_server, make):
    """The account's language wins once signed in, with JavaScript on (the boosted form)
    and off: <html lang> and the switch say Welsh."""
    from tests.factories import PASSWORD

    from .conftest import sign_in

    user = make.user(email="gwen@example.org")
    user.locale = "cy"
    db.session.commit()
    page.goto(f"{live_server.url}/ideas")
    assert html_lang(page) == "en"
    sign_in(page, live_server.url, "gwen@example.org", PASSWORD)
    assert html_lang(page) == "cy"
    current = page.locator("header nav.ci-language-select a[aria-current]")
    assert current.get_attribute("hreflang") == "cy"
    assert_accessible(page)
