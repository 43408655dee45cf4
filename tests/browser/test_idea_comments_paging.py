"""A long discussion on a phone, JavaScript on and off: the newest comments first, "Show older
comments" brings the run before them (in place with JS, as a page without), a comment posted
still lands at the end, and the page stays accessible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import Comment, utcnow
from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def long_discussion(make):
    idea = make.idea(title="Repair cafe in the library")
    author = make.user(display_name="Chatty")
    make.user(email="reader@example.org")
    start = utcnow() - timedelta(days=1)
    db.session.add_all([Comment(idea_id=idea.id, author_id=author.id,
                                body=f"Comment number {n}.",
                                created_at=start + timedelta(minutes=n)) for n in range(1, 76)])
    idea.comment_count = 75
    db.session.commit()
    return idea


def test_show_older_comments_with_and_without_javascript(page, live_server, long_discussion):
    base = live_server.url
    comments = page.locator("#comments li.ci-card")
    page.goto(f"{base}/ideas/{long_discussion.id}")
    expect(page.get_by_role("heading", name="75 comments")).to_be_visible()
    expect(comments).to_have_count(50)
    expect(comments.first).to_contain_text("Comment number 26.")
    expect(page.get_by_text("Comment number 25.", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Show older comments").click()
    if page.js_enabled:
        # The older run is put above the comments already shown; the page stays where it was.
        expect(comments).to_have_count(75)
        expect(comments.first).to_contain_text("Comment number 1.")
        expect(comments.last).to_contain_text("Comment number 75.")
        assert "comments_before" not in page.url
        expect(page.locator("#ci-announce")).to_have_text("25 older comments shown.")
        expect(comments.first).to_be_focused()
    else:
        expect(comments).to_have_count(25)
        expect(comments.first).to_contain_text("Comment number 1.")
        expect(comments.last).to_contain_text("Comment number 25.")
        assert "comments_before=" in page.url
    expect(page.get_by_role("link", name="Show older comments")).to_have_count(0)
    assert_accessible(page)

    sign_in(page, base, "reader@example.org", PASSWORD)
    page.goto(f"{base}/ideas/{long_discussion.id}")
    page.get_by_label("Add a comment").fill("My newest thought.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", name="76 comments")).to_be_visible()
    expect(comments.last).to_contain_text("My newest thought.")
    expect(comments).to_have_count(50)
