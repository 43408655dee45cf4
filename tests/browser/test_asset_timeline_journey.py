"""At phone size, JavaScript on and off: a visitor sees a place's timeline and signs in from
its follow link, comes back to the place, follows it (in place with JavaScript, by a reload
without), finds it on /me and stops following; the council's decision page and the two
published lists pass axe too."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.services import community_value as acv
from tests.factories import PASSWORD, Factory

from .conftest import assert_accessible, sign_in

REASONS = "The only place in the village where the clubs and the darts league can meet."


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def check(page) -> None:
    assert_accessible(page)
    fits_the_phone(page)


def test_follow_a_place_from_its_timeline_and_find_it_on_me(page, live_server):
    make = Factory()
    resident = make.user(email="rhian@example.org", display_name="Rhian")
    member = make.user(email="nora@example.org", display_name="Nora Nominator")
    staff = make.user(role="moderator", email="mod@example.org")
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other", address="1 High Street")
    refused_place = make.asset(name="Corner Yard", kind="other", address="2 High Street")
    n = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, n, "listed", "It is the heart of village life.")
    acv.record_notice_of_sale(staff, n, acv.today() - timedelta(days=3))
    r = acv.nominate_asset(staff, refused_place, group_name="Yard neighbours", reasons=REASONS)
    acv.decide_nomination(staff, r, "not_listed", "Its main use is storage, not social.")
    waiting = acv.nominate_asset(member, make.asset(name="Old Chapel"), organisation=org,
                                 reasons=REASONS)
    db.session.commit()
    base = live_server.url

    page.goto(f"{base}/assets/{asset.id}")
    timeline = page.locator("#timeline ~ ol.ci-asset-timeline")
    expect(timeline).to_contain_text("Friends of the Red Lion nominated this place")
    expect(timeline).to_contain_text("The owner gave notice of intent to sell.")
    expect(page.locator("main")).not_to_contain_text("Nora Nominator")
    check(page)
    page.get_by_role("link", name="Sign in to follow this place").click()
    page.get_by_label("Email address").fill(resident.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/assets/{asset.id}#timeline")

    page.get_by_role("button", name="Follow this place").click()
    expect(page.locator("#asset-follow")).to_contain_text("You are following this place.")
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    if page.js_enabled:  # swapped in place: the page was not reloaded
        expect(page.locator("#asset-follow-announce")).to_contain_text(
            "You are following The Red Lion.")
    check(page)

    page.goto(f"{base}/me")
    places = page.locator("#my-places + ul")
    expect(places).to_contain_text("The Red Lion")
    check(page)
    places.get_by_role("link", name="The Red Lion").click()
    page.get_by_role("button", name="Stop following").click()
    expect(page.get_by_role("button", name="Follow this place")).to_be_visible()
    check(page)

    page.context.clear_cookies()
    sign_in(page, base, staff.email, PASSWORD)
    page.goto(f"{base}/council/community-value/{waiting.id}")
    check(page)
    for path in ("/assets/community-value", "/assets/community-value/unsuccessful"):
        page.goto(f"{base}{path}")
        check(page)
    expect(page.locator("main")).to_contain_text("Corner Yard")
