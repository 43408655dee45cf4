"""On a phone, JavaScript on and off: a form's mistake is on screen at once (the error summary
in the viewport, the title starting "Error:"), even far down a long idea page; and proposing
an idea like one already answered never offers to support the answered one, nor loses the
draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import Comment, StatusChange, utcnow
from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

DESCRIPTION = "Neighbours plant and look after a garden together, with tools from the council."


def assert_on_screen(page, locator) -> None:
    """The element is wholly inside the window."""
    expect(locator).to_be_visible()
    box = locator.evaluate("el => { const r = el.getBoundingClientRect();"
                           " return {top: r.top, bottom: r.bottom, height: innerHeight}; }")
    assert 0 <= box["top"] and box["bottom"] <= box["height"], box


@pytest.fixture
def long_idea(make):
    """An idea with a long discussion: its comment form is thousands of pixels down."""
    idea = make.idea(title="Repair cafe in the library", status="accepted")
    author = make.user(display_name="Chatty")
    make.user(email="reader@example.org")
    start = utcnow() - timedelta(days=1)
    db.session.add_all([Comment(idea_id=idea.id, author_id=author.id,
                                body=f"Comment number {n}, with a few more words to fill a line.",
                                created_at=start + timedelta(minutes=n)) for n in range(1, 31)])
    idea.comment_count = 30
    db.session.commit()
    return idea


def test_an_empty_comment_shows_its_error_on_screen(page, live_server, long_idea):
    base = live_server.url
    sign_in(page, base, "reader@example.org", PASSWORD)
    page.goto(f"{base}/ideas/{long_idea.id}")
    page.get_by_role("button", name="Post comment").click()
    summary = page.locator("#comments .govuk-error-summary")
    expect(summary).to_contain_text("Enter a comment")
    expect(page).to_have_title("Error: Repair cafe in the library – Ideas – Demo Borough Council")
    if page.js_enabled:
        expect(summary).to_be_focused()  # GOV.UK Frontend's error summary focuses itself
    else:
        assert page.url.endswith("#comment-form")
    assert_on_screen(page, summary)
    assert_accessible(page)

    # Put right, the title loses its "Error:".
    page.get_by_label("Add a comment").fill("Count me in.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", name="31 comments")).to_be_visible()
    expect(page).to_have_title("Repair cafe in the library – Ideas – Demo Borough Council")


@pytest.fixture
def answered_garden(make):
    idea = make.idea(title="Community garden on Elm Street", status="declined")
    db.session.add(StatusChange(idea_id=idea.id, event="status", from_status="under_review",
                                to_status="declined",
                                message="The land is being sold for housing."))
    db.session.commit()
    make.user(email="proposer@example.org")
    make.category(name="Green spaces")
    make.ward(name="Elmfield")
    return idea


def _fill_draft(page) -> None:
    page.get_by_label("Title").fill("Garden in Elm Street")
    page.get_by_label("Category").select_option(label="Green spaces")
    page.get_by_label("Ward").select_option(label="Elmfield")
    page.get_by_label("Place (optional)").fill("Elm Street")


def test_proposing_like_an_answered_idea_offers_no_support_and_keeps_the_draft(
        page, live_server, answered_garden):
    base = live_server.url
    sign_in(page, base, "proposer@example.org", PASSWORD)
    page.goto(f"{base}/ideas/new")
    _fill_draft(page)
    similar = page.locator("#similar-ideas")
    if page.js_enabled:
        # The list comes while the title is typed.
        page.get_by_label("Title").press("End")
    else:
        page.get_by_role("button", name="Check for similar ideas").click()
        expect(page.get_by_label("Title")).to_have_value("Garden in Elm Street")
    expect(similar).to_contain_text("Already answered")
    expect(similar).to_contain_text("Declined: The land is being sold for housing.")
    expect(similar.get_by_text("Support this")).to_have_count(0)
    expect(similar.get_by_role("button")).to_have_count(0)
    link = similar.get_by_role("link", name="Community garden on Elm Street")
    expect(link).to_have_attribute("target", "_blank")
    assert_accessible(page)

    # Reading the answered idea opens a new tab: the draft stays where it was.
    with page.context.expect_page() as opened:
        link.click()
    other = opened.value
    other.wait_for_load_state()
    assert f"/ideas/{answered_garden.id}" in other.url
    other.close()
    expect(page.get_by_label("Title")).to_have_value("Garden in Elm Street")
    expect(page.get_by_label("Place (optional)")).to_have_value("Elm Street")

    # A mistake (no description) is on screen, with the title saying so.
    page.get_by_role("button", name="Send your idea").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Describe your idea")
    expect(page).to_have_title("Error: Propose an idea – Ideas – Demo Borough Council")
    assert_on_screen(page, summary)
    if page.js_enabled:
        expect(summary).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value("Garden in Elm Street")
    assert_accessible(page)

    page.get_by_label("Describe your idea").fill(DESCRIPTION)
    page.get_by_role("button", name="Send your idea").click()
    expect(page.get_by_role("heading", name="Garden in Elm Street")).to_be_visible()


def test_the_confirm_step_without_javascript_offers_no_support_and_goes_back_to_the_draft(
        nojs_page, live_server, answered_garden):
    page, base = nojs_page, live_server.url
    sign_in(page, base, "proposer@example.org", PASSWORD)
    page.goto(f"{base}/ideas/new")
    _fill_draft(page)
    page.get_by_label("Describe your idea").fill(DESCRIPTION)
    page.get_by_role("button", name="Send your idea").click()
    expect(page.get_by_role("heading", name="Similar ideas already exist")).to_be_visible()
    expect(page.get_by_text("Declined: The land is being sold for housing.")).to_be_visible()
    expect(page.get_by_text("Support this instead")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Change your idea").click()
    expect(page.get_by_label("Title")).to_have_value("Garden in Elm Street")
    expect(page.get_by_label("Describe your idea")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Place (optional)")).to_have_value("Elm Street")
    expect(page.locator("#similar-ideas")).to_contain_text("Already answered")
