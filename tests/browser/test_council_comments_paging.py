"""A long discussion on the council's triage page on a phone, JavaScript on and off: the
newest 50 comments, "Show older comments" brings the run before them (in place with JS, as a
page without), and hiding then showing again an older comment comes back to that comment."""

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
    make.user(email="moderator@example.org", role="moderator")
    start = utcnow() - timedelta(days=1)
    db.session.add_all([Comment(idea_id=idea.id, author_id=author.id,
                                body=f"Comment number {n}.",
                                created_at=start + timedelta(minutes=n)) for n in range(1, 76)])
    idea.comment_count = 75
    db.session.commit()
    return idea


def test_moderator_pages_back_through_comments_and_hides_an_older_one(page, live_server,
                                                                      long_discussion):
    base = live_server.url
    sign_in(page, base, "moderator@example.org", PASSWORD)
    comments = page.locator("#panel-comments li.ci-card")
    page.goto(f"{base}/council/ideas/{long_discussion.id}")
    expect(page.get_by_role("heading", name="75 comments")).to_be_visible()
    expect(comments).to_have_count(50)
    expect(comments.first).to_contain_text("Comment number 26.")

    page.get_by_role("link", name="Show older comments").click()
    if page.js_enabled:
        expect(comments).to_have_count(75)
        expect(comments.first).to_contain_text("Comment number 1.")
        assert "comments_before" not in page.url
        expect(page.locator("#triage-announce")).to_have_text("25 older comments shown.")
        expect(comments.first).to_be_focused()
    else:
        expect(comments).to_have_count(25)
        expect(comments.last).to_contain_text("Comment number 25.")
        assert "comments_before=" in page.url
    expect(page.get_by_role("link", name="Show older comments")).to_have_count(0)
    assert_accessible(page)

    older = comments.filter(has_text="Comment number 10.")
    comment_id = db.session.query(Comment.id).filter_by(body="Comment number 10.").scalar()
    older.get_by_label(f"Reason for hiding comment {comment_id}").fill("Off topic")
    older.get_by_role("button", name=f"Hide comment {comment_id}").click()
    expect(page.get_by_text("The comment is hidden.").first).to_be_visible()
    again = page.get_by_role("button", name=f"Show comment {comment_id} again")
    expect(again).to_be_visible()
    expect(page.locator(f"#comment-{comment_id}")).to_contain_text("Off topic")
    again.click()
    expect(page.get_by_text("The comment is visible again.").first).to_be_visible()
    expect(page.get_by_role("button", name=f"Hide comment {comment_id}")).to_be_visible()
    assert_accessible(page)
