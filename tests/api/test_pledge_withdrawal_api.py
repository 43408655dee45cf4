"""DELETE /ideas/{id}/pledges/{pledge_id}: a resident withdraws their offer of help."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import Claim, Notification, Pledge, utcnow

from .support import assert_problem


def test_a_resident_withdraws_their_offer_through_the_api(api, make, people):
    idea = make.idea(status="in_delivery")
    db.session.add(Claim(idea_id=idea.id, organisation_id=people.org.id,
                         created_by_id=people.partner.id, plan="We will run it weekly.",
                         status="approved", decided_at=utcnow()))
    db.session.commit()
    made = api.post(f"/ideas/{idea.id}/pledges", people.resident,
                    json={"kind": "skills", "message": "I can fix bikes"}).get_json()
    path = f"/ideas/{idea.id}/pledges/{made['id']}"

    assert_problem(api.delete(path), 401)
    assert_problem(api.delete(path, people.other_partner), 403)
    assert_problem(api.delete(f"/ideas/{idea.id}/pledges/999999", people.resident), 404)

    assert api.delete(path, people.resident).status_code == 204
    assert db.session.get(Pledge, made["id"]).withdrawn_at is not None
    assert api.get(f"/ideas/{idea.id}/pledges", people.partner).get_json()["items"] == []
    assert db.session.query(Notification).filter_by(
        kind="pledge_withdrawn", user_id=people.partner.id).count() == 1
    assert api.delete(path, people.resident).status_code == 204  # again: nothing changes


def test_an_offer_on_a_delivered_idea_cannot_be_withdrawn(api, make, people):
    idea = make.idea(status="accepted")
    made = api.post(f"/ideas/{idea.id}/pledges", people.resident,
                    json={"kind": "time", "message": "Saturday mornings"}).get_json()
    idea.status = "delivered"
    db.session.commit()
    assert_problem(api.delete(f"/ideas/{idea.id}/pledges/{made['id']}", people.resident), 409)
    assert db.session.get(Pledge, made["id"]).withdrawn_at is None
