"""A long discussion on the council's triage page: the newest 50 comments, older ones a run at
a time through "Show older comments" (a plain link without JavaScript, an HTMX fetch with it),
and hiding or showing again an older comment returns to that comment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from citizenideas.extensions import db
from citizenideas.models import Comment, utcnow

from .conftest import csrf_token

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


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``, as a browser would send them."""
    form = re.search(rf'<form [^>]*action="{re.escape(action)}(?:#[\w-]+)?".*?</form>', page, re.S)
    assert form is not None, action
    return {name: value for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0))
        if name != "csrf_token"}


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="moderator@example.org")
    auth.sign_in(user.email)
    return user


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


def comment(number: int) -> Comment:
    return db.session.query(Comment).filter_by(body=f"Comment number {number}").one()


def test_triage_page_shows_the_newest_50_comments_with_hidden_ones_and_a_link_to_older(
        client, moderator, discussion):
    page = html(client.get(f"/council/ideas/{discussion.id}"))
    assert "120 comments" in page
    assert shown(page) == [str(n) for n in range(71, 121)]
    hidden = comment(117)
    assert "Off topic" in page and f"Show comment {hidden.id} again" in page
    assert f"Hide comment {comment(118).id}" in page
    link = older_link(page)
    assert link is not None and link.startswith(f"/council/ideas/{discussion.id}?")
    assert "Show the newest comments" not in page


def test_show_older_on_the_triage_page_without_javascript_pages_back_to_the_first_comment(
        client, moderator, discussion):
    first = html(client.get(f"/council/ideas/{discussion.id}"))
    second = html(client.get(older_link(first)))
    assert shown(second) == [str(n) for n in range(21, 71)]
    assert "Show the newest comments" in second
    third = html(client.get(older_link(second)))
    assert shown(third) == [str(n) for n in range(1, 21)]
    assert older_link(third) is None


def test_show_older_on_the_triage_page_with_htmx_answers_only_the_older_run(
        client, moderator, discussion):
    link = older_link(html(client.get(f"/council/ideas/{discussion.id}")))
    response = client.get(link.split("#")[0], headers={**HX, "HX-Target": "older-comments"})
    body = html(response)
    assert response.status_code == 200
    assert shown(body) == [str(n) for n in range(21, 71)]
    assert "<h1" not in body and "Status and public answer" not in body
    assert body.lstrip().startswith('<li id="older-comments"')
    assert 'data-hx-target="#older-comments"' in body and older_link(body)
    assert "50 older comments shown" in body and 'id="triage-announce"' in body


def test_hiding_an_older_comment_without_javascript_returns_to_that_comment(
        client, moderator, discussion):
    older = html(client.get(older_link(html(client.get(f"/council/ideas/{discussion.id}")))))
    target = comment(30)
    action = f"/council/comments/{target.id}/hide"
    response = client.post(action, data={**form_fields(older, action), "reason": "Rude",
                                         "csrf_token": csrf_token(client, "/council")})
    assert response.status_code == 303
    assert response.location.endswith(f"#comment-{target.id}")
    page = html(client.get(response.location))
    assert "The comment is hidden." in page
    assert f'id="comment-{target.id}"' in page and "Comment number 30" in page
    assert f"Show comment {target.id} again" in page
    db.session.refresh(target)
    assert target.hidden and target.hidden_reason == "Rude"

    action = f"/council/comments/{target.id}/unhide"
    response = client.post(action, data={**form_fields(page, action),
                                         "csrf_token": csrf_token(client, "/council")})
    assert response.status_code == 303
    page = html(client.get(response.location))
    assert "The comment is visible again." in page
    assert f"Hide comment {target.id}" in page
    db.session.refresh(target)
    assert not target.hidden


def test_hiding_an_older_comment_with_htmx_keeps_it_in_the_swapped_panel(
        client, moderator, discussion):
    older = html(client.get(older_link(html(client.get(f"/council/ideas/{discussion.id}")))))
    target = comment(30)
    action = f"/council/comments/{target.id}/hide"
    response = client.post(action, headers=HX,
                           data={**form_fields(older, action), "reason": "Rude",
                                 "csrf_token": csrf_token(client, "/council")})
    body = html(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="panel-comments"')
    assert "The comment is hidden." in body and f"Show comment {target.id} again" in body


def test_hiding_an_older_comment_without_a_reason_shows_the_error_next_to_it(
        client, moderator, discussion):
    older = html(client.get(older_link(html(client.get(f"/council/ideas/{discussion.id}")))))
    target = comment(30)
    action = f"/council/comments/{target.id}/hide"
    response = client.post(action, data={**form_fields(older, action), "reason": "",
                                         "csrf_token": csrf_token(client, "/council")})
    page = html(response)
    assert response.status_code == 422
    assert f'id="comment-{target.id}"' in page
    assert f'id="comment-{target.id}-reason-error"' in page
    db.session.refresh(target)
    assert not target.hidden


def test_triage_page_costs_the_same_queries_for_5_or_120_comments(client, make, moderator,
                                                                  discussion):
    from .test_council_pages import count_queries

    few = make.idea()
    db.session.add_all([Comment(idea_id=few.id, author_id=make.user().id, body=f"Short {n}")
                        for n in range(5)])
    db.session.commit()
    paths = [f"/council/ideas/{few.id}", f"/council/ideas/{discussion.id}"]
    assert count_queries(client, paths[0]) == count_queries(client, paths[1])
