"""Several residents reporting one item make one entry in the council's reports queue: how
many reported it, each reporter's reason, and one decision that resolves them all (the
internal note stays with staff, the message reaches the author once)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import Conflict
from citizenideas.extensions import db
from citizenideas.models import Comment, Flag, Notification, utcnow
from citizenideas.services import reports

from .conftest import csrf_token


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="moderator@example.org", display_name="Mo Derator")
    auth.sign_in(user.email)
    return user


def report(make, idea, reason, *, comment=None, name=None, minutes_ago=0):
    reporter = make.user(display_name=name) if name else make.user()
    item = Flag(reporter_id=reporter.id, idea_id=idea.id,
                target_type="comment" if comment else "idea",
                target_id=comment.id if comment else idea.id, reason=reason,
                created_at=utcnow() - timedelta(minutes=minutes_ago))
    db.session.add(item)
    db.session.commit()
    return item


def comment_on(make, idea, body="Something nasty about the neighbours"):
    comment = Comment(idea_id=idea.id, author_id=make.user().id, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="ci-card".*?</form>', html, re.S)


def test_three_reports_of_one_idea_are_one_entry_with_every_reason(client, make, moderator):
    idea = make.idea(title="Street party on Elm Road")
    report(make, idea, "It names my neighbour", name="Ann Reporter", minutes_ago=30)
    report(make, idea, "Personal details <b>here</b>", name="Bob Reporter", minutes_ago=20)
    report(make, idea, "Spam", name="Cat Reporter", minutes_ago=10)
    comment = comment_on(make, idea)
    report(make, idea, "Rude about people", comment=comment, minutes_ago=5)
    html = client.get("/council/flags").get_data(as_text=True)
    entries = cards(html)
    assert len(entries) == 2
    first = entries[0]
    assert "Street party on Elm Road" in first and "3 reports" in first
    for reason in ("It names my neighbour", "Personal details &lt;b&gt;here&lt;/b&gt;", "Spam"):
        assert reason in first
    for name in ("Ann Reporter", "Bob Reporter", "Cat Reporter"):
        assert name in first
    assert "Rude about people" not in first
    assert "1 report" in entries[1] and "Rude about people" in entries[1]
    assert "2 reported items, 4 open reports" in html
    assert html.count('name="resolution" type="radio" value="upheld"') == 2


def test_upholding_the_entry_resolves_every_report_and_tells_the_author_once(client, make,
                                                                             moderator):
    idea = make.idea()
    flags = [report(make, idea, f"Reason {n}", minutes_ago=10 - n) for n in range(3)]
    other = make.idea()
    elsewhere = report(make, other, "Not this one")
    response = client.post(f"/council/flags/{flags[0].id}/resolve", data={
        "resolution": "upheld", "note": "Known troll, staff only",
        "message": "Your idea named a private person.", "next": "flags",
        "csrf_token": csrf_token(client, "/council/flags")})
    assert response.status_code == 303
    db.session.expire_all()
    for item in flags:
        item = db.session.get(Flag, item.id)
        assert item.resolution == "upheld" and item.resolved_by_id == moderator.id
        assert item.resolution_note == "Known troll, staff only"
    assert db.session.get(Flag, elsewhere.id).resolved_at is None
    told = list(db.session.scalars(select(Notification).where(
        Notification.user_id == idea.author_id)))
    assert len(told) == 1
    assert "Your idea named a private person." in told[0].body
    assert "Known troll" not in told[0].body
    html = client.get("/council/flags").get_data(as_text=True)
    assert "Reports resolved." in html or "3 reports resolved." in html
    assert len(cards(html)) == 1


def test_dismissing_the_entry_shows_an_item_hidden_by_reports_again(make):
    moderator = make.user(role="moderator")
    idea = make.idea()
    comment = comment_on(make, idea)
    flags = [report(make, idea, "Rude", comment=comment) for _n in range(3)]
    comment.hidden, comment.hidden_reason = True, "Hidden pending review after reports"
    db.session.commit()
    resolved = reports.resolve_reports_about(moderator, flags[1], "dismissed",
                                             note="Fair comment")
    assert sorted(f.id for f in resolved) == sorted(f.id for f in flags)
    assert not comment.hidden
    assert db.session.scalar(select(func.count(Flag.id)).where(Flag.resolved_at.is_(None))) == 0


def test_an_entry_already_resolved_by_someone_else_is_refused(make):
    moderator = make.user(role="moderator")
    idea = make.idea()
    first, second = report(make, idea, "One"), report(make, idea, "Two")
    reports.resolve_reports_about(moderator, first, "dismissed")
    with pytest.raises(Conflict):
        reports.resolve_reports_about(moderator, second, "upheld")


def test_the_queue_costs_the_same_queries_for_many_reported_items(client, make, moderator):
    from sqlalchemy import event

    def queries() -> int:
        from flask import g

        db.session.commit()
        db.session.expunge_all()
        g.__dict__.clear()
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/council/flags").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    idea = make.idea()
    report(make, idea, "One")
    report(make, idea, "About a comment", comment=comment_on(make, idea))
    few = queries()
    for _n in range(6):
        other = make.idea()
        comment = comment_on(make, other)
        report(make, other, "Two")
        report(make, other, "Three", comment=comment)
    assert queries() == few


def test_the_triage_page_groups_reports_and_resolves_them_together(client, make, moderator):
    idea = make.idea()
    first = report(make, idea, "Names a neighbour", name="Ann Reporter", minutes_ago=9)
    report(make, idea, "Also rude", name="Bob Reporter", minutes_ago=5)
    page = f"/council/ideas/{idea.id}"
    html = client.get(page).get_data(as_text=True)
    assert "2 open reports" in html and "Resolve all 2 reports" in html
    assert html.count('name="resolution" type="radio" value="dismissed"') == 1
    assert "Ann Reporter" in html and "Bob Reporter" in html
    response = client.post(f"/council/flags/{first.id}/resolve", data={
        "resolution": "dismissed", "csrf_token": csrf_token(client, page)},
        headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "2 reports dismissed." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Flag.id)).where(Flag.resolved_at.is_(None))) == 0
