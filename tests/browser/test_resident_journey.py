"""A resident on a phone, with JavaScript on and off: search, propose after seeing similar
ideas, support another idea, comment, offer help, follow, and read a notification. Every page
visited passes axe (WCAG 2.2 AA), signed out and signed in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.services.lifecycle import change_status
from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def neighbourhood(make):
    """A resident with one idea the council has answered, and a popular idea nearby."""
    ward, category = make.ward(name="Riverside"), make.category(name="Green spaces")
    resident = make.user(email="resident@example.org", display_name="Rita")
    moderator = make.user(role="moderator")
    garden = make.idea(title="Community garden on Elm Street", ward=ward, category=category,
                       description="Turn the empty corner plot on Elm Street into a garden "
                                   "that neighbours plant and look after together.")
    own = make.idea(author=resident, title="Benches along the river path", ward=ward,
                    category=category)
    change_status(moderator, own, "accepted", "We will fund two benches.")
    db.session.commit()
    return {"garden": garden, "ward": ward, "category": category}


def test_resident_journey_on_a_phone(page, live_server, neighbourhood):
    base = live_server.url
    garden = neighbourhood["garden"]
    js = page.js_enabled

    # Signed out: the home page and an idea are readable and accessible.
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/ideas/{garden.id}")
    expect(page.get_by_text("Sign in to support this idea")).to_be_visible()
    assert_accessible(page)

    sign_in(page, base, "resident@example.org", PASSWORD)

    # Search.
    page.goto(base + "/ideas")
    page.get_by_label("Search ideas").fill("garden")
    if js:
        page.get_by_label("Search ideas").press("Space")
        expect(page.locator("#results-count")).to_have_text("1 idea found")
        assert "q=garden" in page.url
    else:
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("#results-count")).to_have_text("1 idea found")
    expect(page.get_by_role("link", name="Community garden on Elm Street")).to_be_visible()
    assert_accessible(page)

    # Propose, after seeing the similar idea.
    page.goto(base + "/ideas/new")
    title = page.get_by_label("Title", exact=True)
    title.press_sequentially("A garden for Elm Street")
    page.get_by_label("Describe your idea").fill(
        "Raised beds and a water butt so children from the flats can grow vegetables.")
    page.get_by_label("Category").select_option(label="Green spaces")
    page.get_by_label("Ward").select_option(label="Riverside")
    if js:
        expect(page.locator("#similar-ideas")).to_contain_text("Community garden on Elm Street")
        assert_accessible(page)
        page.get_by_role("button", name="Send your idea").click()
    else:
        assert_accessible(page)
        page.get_by_role("button", name="Send your idea").click()
        expect(page.get_by_role("heading", name="Similar ideas already exist")).to_be_visible()
        expect(page.get_by_role("link", name="Support this instead")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="My idea is different: submit it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A garden for Elm Street")
    expect(page.get_by_text("Your idea has been sent")).to_be_visible()
    assert_accessible(page)

    # Support another idea, comment, offer help, follow.
    page.goto(f"{base}/ideas/{garden.id}")
    page.get_by_role("button", name="Support this idea").click()
    expect(page.locator("#support")).to_contain_text("You support this idea.")
    expect(page.locator("#support-heading")).to_have_text("1 supporter")

    page.get_by_label("Add a comment").fill("I have spare seedlings to give away.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments")).to_contain_text("I have spare seedlings to give away.")

    page.get_by_role("radio", name="Time").check()
    page.get_by_label("Tell them more").fill("I can dig on Saturday mornings.")
    page.get_by_label("Hours you could give (optional)").fill("3")
    page.get_by_role("button", name="Offer help").click()
    expect(page.get_by_text("Your offer of help has been sent").first).to_be_visible()

    # Supporting followed the idea already: stop, then follow again.
    page.get_by_role("button", name="Stop following").click()
    page.get_by_role("button", name="Follow this idea").click()
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    assert_accessible(page)

    # Read the council's answer to my own idea.
    page.goto(base + "/me/notifications")
    assert_accessible(page)
    page.get_by_role("link", name="Benches along the river path: now Accepted").click()
    expect(page.get_by_text("We will fund two benches.")).to_be_visible()
    assert_accessible(page)
    # Reading it marked nothing; the resident marks it read with a button (a POST).
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("Marked 1 notification as read.")).to_be_visible()
    expect(page.get_by_text("We will fund two benches.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)

    page.goto(base + "/me")
    expect(page.get_by_role("link", name="A garden for Elm Street").first).to_be_visible()
    assert_accessible(page)
