"""Moderators hear when a partner's claim or outcome report arrives for them to review, by
their email preference: straight away, in the daily digest, or only in the site's list."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.models import Claim, Notification, utcnow
from citizenideas.notify.outbox import send_digests, send_pending
from citizenideas.services import claims, outcomes
from tests.conftest import csrf_token
from tests.test_email_outbox import smtp as smtp_server

smtp = smtp_server  # the fixture: a real SMTP server on loopback

PLAN = "We will run the repair cafe every Saturday with our volunteers."


@pytest.fixture
def council(make):
    class Council:
        straight_away = make.user(role="moderator", email="now@example.org",
                                  notify_pref="immediate")
        daily = make.user(role="moderator", email="daily@example.org", notify_pref="daily")
        never = make.user(role="admin", email="never@example.org", notify_pref="off")
        gone = make.user(role="moderator", deactivated_at=utcnow())
        resident = make.user()
        partner = make.user(display_name="Pat")
    Council.org = make.organisation(name="Repair Friends",
                                    members=[(Council.partner, "manager")])
    Council.idea = make.idea(status="accepted", title="Repair cafe")
    return Council


def review_notes(kind):
    return {n.user_id: n for n in db.session.query(Notification).filter_by(kind=kind)}


def test_a_new_claim_tells_every_active_moderator_by_their_preference(council):
    claim = claims.claim_idea(council.partner, council.idea, council.org, plan=PLAN)
    db.session.commit()

    told = review_notes("claim_submitted")
    assert set(told) == {council.straight_away.id, council.daily.id, council.never.id}
    assert told[council.straight_away.id].email_state == "pending"
    assert told[council.daily.id].email_state == "digest"
    assert told[council.never.id].email_state == "skipped"
    note = told[council.straight_away.id]
    assert "Repair Friends" in note.subject and "Repair cafe" in note.subject
    assert note.link.endswith(f"/council/claims/{claim.id}") and note.in_app


def test_a_submitted_outcome_report_tells_the_moderators_and_a_draft_does_not(council):
    council.idea.status = "in_delivery"
    db.session.add(Claim(idea_id=council.idea.id, organisation_id=council.org.id,
                         created_by_id=council.partner.id, plan=PLAN, status="approved",
                         decided_at=utcnow()))
    db.session.commit()
    outcomes.save_outcome_report(council.partner, council.idea, result="delivered",
                                 summary="Forty repairs in the first month.")
    db.session.commit()
    assert review_notes("outcome_submitted") == {}

    report = outcomes.save_outcome_report(council.partner, council.idea, result="delivered",
                                          summary="Forty repairs in the first month.",
                                          submit=True)
    db.session.commit()
    told = review_notes("outcome_submitted")
    assert set(told) == {council.straight_away.id, council.daily.id, council.never.id}
    assert told[council.daily.id].email_state == "digest"
    assert told[council.straight_away.id].link.endswith(f"/council/outcomes/{report.id}")


def test_a_moderator_submitting_a_report_is_not_told_of_their_own(council):
    council.idea.status = "in_delivery"
    db.session.commit()
    outcomes.save_outcome_report(council.straight_away, council.idea, result="delivered",
                                 summary="Forty repairs in the first month.", submit=True)
    db.session.commit()
    assert set(review_notes("outcome_submitted")) == {council.daily.id, council.never.id}


def test_immediate_moderators_get_an_email_and_daily_ones_get_it_in_the_digest(council, smtp):
    claims.claim_idea(council.partner, council.idea, council.org, plan=PLAN)
    db.session.commit()

    send_pending()
    assert [to for to, _m in smtp.messages] == [["now@example.org"]]
    assert send_digests() == 1
    to, digest = smtp.messages[-1]
    assert to == ["daily@example.org"]
    assert "Repair Friends" in digest.get_body(("plain",)).get_content()


def test_a_claim_sent_from_the_partner_page_reaches_the_moderators(council, client, auth):
    auth.sign_in(council.partner.email)
    path = f"/partners/ideas/{council.idea.id}/claim"
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "organisation_id": str(council.org.id), "plan": PLAN})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert council.straight_away.id in review_notes("claim_submitted")
