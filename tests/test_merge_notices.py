"""Merging duplicates tells people where things went: the merged idea's author and audience
hear which idea their supporters now count on, and the surviving idea's audience hears that
another idea was merged in."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import Notification
from citizenideas.notify.outbox import send_pending
from citizenideas.services import engagement, merging
from tests.conftest import csrf_token
from tests.test_email_outbox import smtp as smtp_server

smtp = smtp_server  # the fixture: a real SMTP server on loopback


def notes(user, kind=None):
    query = db.session.query(Notification).filter_by(user_id=user.id)
    if kind:
        query = query.filter_by(kind=kind)
    return query.all()


def test_merging_tells_the_author_where_their_supporters_went_and_the_survivors_audience(make):
    moderator = make.user(role="moderator")
    author = make.user(display_name="Ann")
    survivor_author = make.user(display_name="Sue")
    fan = make.user()          # supports the merged idea
    survivor_fan = make.user()  # supports the surviving idea
    both = make.user()         # supports both
    idea = make.idea(author=author, title="Benches on the green")
    into = make.idea(author=survivor_author, title="Seating for Market Green",
                     status="under_review")
    for person, target in ((fan, idea), (both, idea), (survivor_fan, into), (both, into)):
        engagement.support_idea(person, target)
    db.session.commit()

    merging.merge_idea(moderator, idea, into, f"The same idea as {into.reference}.")
    db.session.commit()

    told = notes(author, "merged")
    assert len(told) == 1
    assert into.reference in told[0].body and "Seating for Market Green" in told[0].body
    assert "2 supporters" in told[0].body
    assert told[0].link.endswith(f"/ideas/{into.id}")
    assert f"The same idea as {into.reference}." in told[0].body
    # The merged idea's supporters hear where the idea went, once each.
    for person in (fan, both):
        mine = notes(person)
        assert [n.kind for n in mine if n.idea_id == idea.id] == ["merged"]
        assert mine[0].link.endswith(f"/ideas/{into.id}")
    # The surviving idea's audience hears that another idea was merged in (not twice for
    # someone already told by the merged idea, not the moderator).
    for person in (survivor_author, survivor_fan):
        merged_in = notes(person, "merged_in")
        assert len(merged_in) == 1 and "Benches on the green" in merged_in[0].body
        assert idea.reference in merged_in[0].body
        assert merged_in[0].link.endswith(f"/ideas/{into.id}")
    assert notes(both, "merged_in") == []
    assert notes(moderator) == []


def test_the_merge_notices_are_emailed(make, smtp):
    moderator = make.user(role="moderator")
    author = make.user(email="ann@example.org")
    survivor_author = make.user(email="sue@example.org")
    idea = make.idea(author=author, title="Benches on the green")
    into = make.idea(author=survivor_author, title="Seating for Market Green",
                     status="under_review")
    db.session.commit()
    merging.merge_idea(moderator, idea, into, "The same idea.")
    db.session.commit()

    send_pending()
    sent = {to[0]: m.get_body(("plain",)).get_content() for to, m in smtp.messages}
    assert "Seating for Market Green" in sent["ann@example.org"]
    assert "Benches on the green" in sent["sue@example.org"]


def test_the_merge_page_tells_both_audiences(client, make, auth):
    moderator = make.user(role="moderator", email="mod@example.org")
    author = make.user()
    survivor_author = make.user()
    idea = make.idea(author=author, title="Benches on the green")
    into = make.idea(author=survivor_author, title="Seating for Market Green",
                     status="under_review")
    auth.sign_in(moderator.email)
    token = csrf_token(client, f"/council/ideas/{idea.id}")
    response = client.post(f"/council/ideas/{idea.id}/merge",
                           data={"csrf_token": token, "into": str(into.id),
                                 "merge_message": "The same idea."})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert len(notes(author, "merged")) == 1
    assert len(notes(survivor_author, "merged_in")) == 1
