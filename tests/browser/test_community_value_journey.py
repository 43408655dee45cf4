"""At phone size, JavaScript on and off: a verified organisation's member nominates a pub as an
asset of community value, the council lists it with a reason, and the public list shows it
with its listing and end dates. Every page passes axe and fits the phone's width."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories import PASSWORD, Factory

from .conftest import assert_accessible, sign_in

REASONS = "The only place in the village where the clubs and the darts league can meet."


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def check(page) -> None:
    assert_accessible(page)
    fits_the_phone(page)


def test_nominate_then_list_then_see_the_listing(page, live_server):
    make = Factory()
    member = make.user(email="nora@example.org", display_name="Nora")
    staff = make.user(role="moderator", email="mod@example.org")
    make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other", address="1 High Street")
    base = live_server.url

    sign_in(page, base, member.email, PASSWORD)
    page.goto(f"{base}/assets/{asset.id}")
    check(page)
    page.get_by_role("link", name="Nominate as an asset of community value").click()
    page.get_by_role("button", name="Send the nomination").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page)
    page.get_by_label("Why does this place matter to the community?").fill(REASONS)
    page.get_by_role("button", name="Send the nomination").click()
    expect(page.locator("main")).to_contain_text("Council deciding")
    check(page)

    page.context.clear_cookies()
    sign_in(page, base, staff.email, PASSWORD)
    page.goto(f"{base}/council/community-value")
    check(page)
    page.get_by_role("link", name="The Red Lion").click()
    page.get_by_label("List it as an asset of community value for 5 years").check()
    page.get_by_label("Reason").fill("It is the heart of village life.")
    check(page)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main")).to_contain_text("Listing ends")
    check(page)

    page.goto(f"{base}/assets/community-value")
    expect(page.locator("main")).to_contain_text("The Red Lion")
    expect(page.locator("main")).to_contain_text("Friends of the Red Lion")
    check(page)
    page.goto(f"{base}/assets/community-value/unsuccessful")
    check(page)
