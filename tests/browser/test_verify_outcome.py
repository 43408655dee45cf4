"""At phone size (390 px), JavaScript on and off: a supporter answers "Was it done?" under
the published outcome, sees their answer and the tally, then changes it. axe finds nothing
and the page fits the phone at every step."""

from __future__ import annotations

from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import OutcomeVerification
from tests.factories import PASSWORD, Factory
from tests.verification_world import World

from .conftest import assert_accessible, sign_in


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_a_supporter_answers_and_changes_their_answer(page, live_server):
    world = World(Factory())
    world.publish()
    sign_in(page, live_server.url, world.supporter.email, PASSWORD)
    page.goto(f"{live_server.url}/ideas/{world.idea.id}")
    region = page.locator("#verification")
    expect(region).to_contain_text("No residents have said yet whether it was done.")
    assert_accessible(page)
    fits_the_phone(page)

    region.get_by_label("Partly").check()
    region.get_by_label("Comment (optional)").fill("Half of the trees are in.")
    region.get_by_role("button", name="Send my answer").click()
    # With JS the region is swapped and the live region announces; without, the banner.
    expect(page.locator("main")).to_contain_text("Thank you. Your answer has been saved.")
    region = page.locator("#verification")
    expect(region).to_contain_text("You said: Partly.")
    expect(region).to_contain_text("0 residents say it was done, 1 partly, 0 not")
    expect(region).to_contain_text("Half of the trees are in.")
    assert_accessible(page)
    fits_the_phone(page)

    region.get_by_label("Yes").check()
    region.get_by_role("button", name="Change my answer").click()
    expect(page.locator("main")).to_contain_text("Your answer has been changed.")
    expect(page.locator("#verification")).to_contain_text("You said: Yes.")
    expect(page.locator("#verification")).to_contain_text(
        "1 resident says it was done, 0 partly, 0 not")
    assert_accessible(page)
    fits_the_phone(page)
    db.session.expire_all()
    assert db.session.query(OutcomeVerification).count() == 1


def test_a_mistake_is_shown_on_the_form(page, live_server):
    world = World(Factory())
    world.publish()
    sign_in(page, live_server.url, world.author.email, PASSWORD)
    page.goto(f"{live_server.url}/ideas/{world.idea.id}")
    page.locator("#verification").get_by_role("button", name="Send my answer").click()
    expect(page.locator("#verification .govuk-error-summary")).to_contain_text(
        "Choose yes, partly or no.")
    assert_accessible(page)
    fits_the_phone(page)
