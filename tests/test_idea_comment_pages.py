"""A long discussion on the idea page: the newest 50 comments, and older ones a page at a time
through "Show older comments" (a plain link without JavaScript, an HTMX fetch with it)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from citizenideas.extensions import db
from citizenideas.models import Comment, utcnow
from citizenideas.services import triage
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


def html(response) -> str:
    return response.get_data(as_text=True)


def shown(page: str) -> list[str]:
    """The comment bodies on a page, in the order shown."""
    return re.findall(r"Comment number (\d+)\b", page)


def older_link(page: str) -> str | None:
    match = re.search(r'<a [^>]*href="([^"]*comments_before=\d+[^"]*)"[^>]*>\s*Show older '
                      r'comments', page)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def discussion(make):
    """An idea with 120 comments, one a minute; number 117 is hidden by a moderator."""
    idea = make.idea()
    author = make.user(display_name="Chatty")
    start = utcnow() - timedelta(days=1)
    db.session.add_all([
        Comment(idea_id=idea.id, author_id=author.id, body=f"Comment number {n}",
                created_at=start + timedelta(minutes=n), hidden=n == 117,
                hidden_reason="Off topic" if n == 117 else None)
        for n in range(1, 121)])
    idea.comment_count = 120
    db.session.commit()
    return idea


def test_idea_page_shows_the_newest_50_comments_oldest_first_and_a_link_to_older_ones(
        client, discussion):
    page = html(client.get(f"/ideas/{discussion.id}"))
    assert "120 comments" in page
    expected = [str(n) for n in range(71, 121) if n != 117]
    assert shown(page) == expected
    assert "This comment has been hidden: Off topic" in page
    link = older_link(page)
    assert link is not None and link.endswith("#comments")


def test_show_older_without_javascript_pages_back_to_the_first_comment(client, discussion):
    first = html(client.get(f"/ideas/{discussion.id}"))
    second = html(client.get(older_link(first)))
    assert shown(second) == [str(n) for n in range(21, 71)]
    assert "120 comments" in second
    assert f'href="/ideas/{discussion.id}#comments"' in second  # back to the newest
    third = html(client.get(older_link(second)))
    assert shown(third) == [str(n) for n in range(1, 21)]
    assert older_link(third) is None


def test_show_older_with_htmx_answers_only_the_older_comments_and_the_next_control(
        client, discussion):
    link = older_link(html(client.get(f"/ideas/{discussion.id}")))
    response = client.get(link.split("#")[0], headers={**HX, "HX-Target": "older-comments"})
    body = html(response)
    assert response.status_code == 200 and "<html" not in body
    assert "comments-heading" not in body and "Sign in to comment" not in body
    assert shown(body) == [str(n) for n in range(21, 71)]
    assert body.lstrip().startswith('<li id="older-comments"')
    assert 'data-hx-target="#older-comments"' in body and older_link(body)
    assert "50 older comments shown" in body and 'hx-swap-oob' in body
    last = html(client.get(older_link(body).split("#")[0],
                           headers={**HX, "HX-Target": "older-comments"}))
    assert shown(last) == [str(n) for n in range(1, 21)] and older_link(last) is None


def test_the_older_control_is_an_htmx_link_that_swaps_itself(client, discussion):
    page = html(client.get(f"/ideas/{discussion.id}"))
    control = re.search(r'<li id="older-comments".*?</li>', page, re.S).group(0)
    assert 'data-hx-get="' in control and 'data-hx-target="#older-comments"' in control
    assert 'data-hx-swap="outerHTML"' in control


def test_a_comment_on_a_long_discussion_shows_at_the_end_with_and_without_javascript(
        client, make, auth, discussion):
    make.user(email="talker@example.org")
    auth.sign_in("talker@example.org")
    token = csrf_token(client, f"/ideas/{discussion.id}")
    response = client.post(f"/ideas/{discussion.id}/comments",
                           data={"body": "Newest words from me", "csrf_token": token},
                           headers=HX)
    region = html(response)
    assert response.status_code == 200 and "121 comments" in region
    assert region.index("Comment number 120") < region.index("Newest words from me")
    assert "Comment number 71" not in region and older_link(region)
    response = client.post(f"/ideas/{discussion.id}/comments",
                           data={"body": "And again without script", "csrf_token": token})
    assert response.status_code == 303
    page = html(client.get(response.headers["Location"]))
    assert "122 comments" in page and "And again without script" in page
    assert "Comment number 72" not in page


def test_an_official_reply_on_a_long_discussion_is_shown_among_the_newest(
        client, make, discussion):
    moderator = make.user(role="moderator")
    triage.post_official_reply(moderator, discussion, "The council will look at this.")
    db.session.commit()
    page = html(client.get(f"/ideas/{discussion.id}"))
    assert "The council will look at this." in page and "Council reply" in page
    assert "121 comments" in page


def test_reporting_an_older_comment_without_a_reason_keeps_it_on_the_page_with_the_error(
        client, make, auth, discussion):
    make.user(email="reporter@example.org")
    auth.sign_in("reporter@example.org")
    target = db.session.query(Comment).filter_by(body="Comment number 30").one()
    token = csrf_token(client, f"/ideas/{discussion.id}")
    response = client.post(f"/ideas/{discussion.id}/flag",
                           data={"comment_id": target.id, "reason": "", "csrf_token": token})
    page = html(response)
    assert response.status_code == 422
    assert f'id="comment-{target.id}"' in page and f'id="reason-{target.id}"' in page


def test_a_bad_or_foreign_older_than_cursor_shows_the_newest_comments(client, make, discussion):
    other = make.idea()
    db.session.add(Comment(idea_id=other.id, author_id=other.author_id, body="Elsewhere"))
    db.session.commit()
    foreign = db.session.query(Comment).filter_by(body="Elsewhere").one()
    for value in ("abc", "0", "99999999999", str(foreign.id)):
        response = client.get(f"/ideas/{discussion.id}?comments_before={value}")
        assert response.status_code == 200, value
        assert shown(html(response))[-1] == "120", value
