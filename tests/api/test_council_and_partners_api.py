"""Moderators and partners through the API, and the whole accountability loop."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.models import Claim, Idea, OutcomeReport

from .support import assert_problem


def test_the_whole_loop_from_token_to_published_outcome(api, make, people):
    ward, category = make.ward(), make.category()
    token = api.post("/tokens", json={"email": people.resident.email,
                                      "password": "correct-horse-battery", "name": "App"})
    resident = {"Authorization": f"Bearer {token.get_json()['token']}"}
    idea = api.client.post("/api/v1/ideas", headers=resident, json={
        "title": "Community fridge at the library",
        "description": "A fridge where neighbours share surplus food instead of wasting it.",
        "category_id": category.id, "ward_id": ward.id}).get_json()
    path = f"/ideas/{idea['id']}"
    assert api.client.post(f"/api/v1{path}/support", headers=resident).get_json()[
        "support_count"] == 1

    accepted = api.post(f"{path}/status", people.moderator,
                        json={"status": "accepted", "message": "We will find a partner."})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"

    claim = api.post(f"{path}/claims", people.partner, json={
        "organisation_id": people.org.id, "plan": "We will run the fridge with volunteers "
                                                  "every weekday.",
        "expected_start": "2027-01-10", "expected_end": "2027-06-30"})
    assert claim.status_code == 201, claim.get_json()
    claim = claim.get_json()
    assert claim["status"] == "pending" and claim["expected_start"] == "2027-01-10"

    decided = api.post(f"/claims/{claim['id']}/decision", people.moderator,
                       json={"decision": "approve", "message": ""})
    assert decided.get_json()["status"] == "approved"
    assert api.get(path).get_json()["status"] == "in_delivery"

    update = api.post(f"{path}/updates", people.partner,
                      json={"body": "The fridge arrived and is plugged in."})
    assert update.status_code == 201
    assert update.get_json()["organisation"]["name"] == "Friends of the Park"

    report = api.post(f"{path}/outcome", people.partner, json={
        "result": "delivered", "summary": "The fridge runs five days a week.",
        "people_reached": 300, "volunteer_hours": 120.5, "spend_pounds": 450.0,
        "funding_source": "Ward grant", "story": "Neighbours love it.", "lessons": "",
        "submit": True})
    assert report.status_code == 200, report.get_json()
    report = report.get_json()
    assert report["state"] == "submitted" and report["id"]
    assert api.get(path).get_json()["outcome"] is None  # not public until published

    published = api.post(f"/outcomes/{report['id']}/publish", people.moderator)
    assert published.get_json()["state"] == "published"
    final = api.get(path).get_json()
    assert final["status"] == "delivered"
    assert final["outcome"]["people_reached"] == 300
    assert final["outcome"]["spend_pounds"] == 450.0
    assert [c["organisation"]["name"] for c in final["claims"]] == ["Friends of the Park"]
    assert [e["to_status"] for e in final["timeline"] if e["event"] == "status"] == [
        "accepted", "in_delivery", "delivered"]


def test_only_staff_change_status_and_refused_moves_are_409(api, make, people):
    idea = make.idea()
    for who in (people.resident, people.partner):
        assert_problem(api.post(f"/ideas/{idea.id}/status", who,
                                json={"status": "accepted"}), 403)
    assert_problem(api.post(f"/ideas/{idea.id}/status", json={"status": "accepted"}), 401)
    assert_problem(api.post(f"/ideas/{idea.id}/status", people.moderator,
                            json={"status": "delivered"}), 409)
    assert_problem(api.post(f"/ideas/{idea.id}/status", people.moderator,
                            json={"status": "declined"}), 422, "message")
    assert_problem(api.post(f"/ideas/{idea.id}/status", people.moderator,
                            json={"status": "gone"}), 422, "status")
    done = make.idea(status="delivered")
    assert_problem(api.post(f"/ideas/{done.id}/status", people.admin,
                            json={"status": "under_review"}), 409)


def test_merge_moves_an_idea_into_another(api, make, people):
    idea, target = make.idea(), make.idea()
    response = api.post(f"/ideas/{idea.id}/merge", people.moderator,
                        json={"into_id": target.id, "message": "Same as the other one."})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "duplicate" and body["merged_into_id"] == target.id
    assert_problem(api.post(f"/ideas/{target.id}/merge", people.moderator,
                            json={"into_id": target.id, "message": "x"}), 422, "into_id")
    assert_problem(api.post(f"/ideas/{target.id}/merge", people.moderator,
                            json={"into_id": 424242, "message": "x"}), 422, "into_id")
    assert_problem(api.post(f"/ideas/{target.id}/merge", people.moderator,
                            json={"into_id": idea.id, "message": "x"}), 409)
    assert_problem(api.post(f"/ideas/{target.id}/merge", people.resident,
                            json={"into_id": idea.id, "message": "x"}), 403)


def test_moderator_links_and_unlinks_places(api, make, people):
    idea, pool = make.idea(), make.asset(name="Leisure pool", kind="pool")
    linked = api.put(f"/ideas/{idea.id}/assets/{pool.id}", people.moderator)
    assert [a["name"] for a in linked.get_json()["assets"]] == ["Leisure pool"]
    assert api.put(f"/ideas/{idea.id}/assets/{pool.id}", people.moderator).status_code == 200
    assert_problem(api.put(f"/ideas/{idea.id}/assets/{pool.id}", people.resident), 403)
    assert_problem(api.put(f"/ideas/{idea.id}/assets/987654", people.moderator), 404)
    unlinked = api.delete(f"/ideas/{idea.id}/assets/{pool.id}", people.moderator)
    assert unlinked.get_json()["assets"] == []
    assert_problem(api.delete(f"/ideas/{idea.id}/assets/{pool.id}", people.moderator), 404)


def test_moderator_hides_an_idea_and_the_public_then_gets_404(api, make, people):
    idea = make.idea()
    assert_problem(api.post(f"/ideas/{idea.id}/hide", people.resident, json={"reason": "x"}),
                   403)
    assert_problem(api.post(f"/ideas/{idea.id}/hide", people.moderator, json={"reason": ""}),
                   422, "reason")
    response = api.post(f"/ideas/{idea.id}/hide", people.moderator, json={"reason": "Abuse"})
    assert response.get_json()["hidden"] is True
    assert_problem(api.get(f"/ideas/{idea.id}"), 404)


@pytest.fixture
def accepted(make):
    return make.idea(status="accepted")


def _claim(api, who, org, idea, **kw):
    return api.post(f"/ideas/{idea.id}/claims", who, json={
        "organisation_id": org.id, "plan": "A plan long enough to explain what we will do."} | kw)


def test_claims_need_a_verified_organisation_you_belong_to(api, make, people, accepted):
    assert_problem(_claim(api, people.resident, people.org, accepted), 403)
    assert_problem(_claim(api, people.other_partner, people.org, accepted), 403)
    unverified = make.organisation(verified=False, members=[(people.resident, "manager")])
    assert_problem(_claim(api, people.resident, unverified, accepted), 403)
    assert_problem(_claim(api, people.partner, people.org, make.idea()), 409)
    assert_problem(_claim(api, people.partner, people.org, accepted, plan=""), 422, "plan")
    assert_problem(_claim(api, people.partner, people.org, accepted, expected_start="soon"),
                   422, "expected_start")
    assert _claim(api, people.partner, people.org, accepted).status_code == 201
    assert_problem(_claim(api, people.partner, people.org, accepted), 409)


def test_claim_decisions_are_for_moderators_and_happen_once(api, people, accepted):
    claim_id = _claim(api, people.partner, people.org, accepted).get_json()["id"]
    for who in (people.resident, people.partner):
        assert_problem(api.post(f"/claims/{claim_id}/decision", who,
                                json={"decision": "approve"}), 403)
    assert_problem(api.post(f"/claims/{claim_id}/decision", people.moderator,
                            json={"decision": "maybe"}), 422, "decision")
    assert_problem(api.post(f"/claims/{claim_id}/decision", people.moderator,
                            json={"decision": "reject", "message": ""}), 422, "message")
    rejected = api.post(f"/claims/{claim_id}/decision", people.moderator,
                        json={"decision": "reject", "message": "Not the right fit."})
    assert rejected.get_json()["status"] == "rejected"
    assert_problem(api.post(f"/claims/{claim_id}/decision", people.moderator,
                            json={"decision": "approve"}), 409)
    assert_problem(api.post("/claims/424242/decision", people.moderator,
                            json={"decision": "approve"}), 404)


def test_partner_withdraws_a_claim_once(api, people, accepted):
    claim_id = _claim(api, people.partner, people.org, accepted).get_json()["id"]
    assert_problem(api.post(f"/claims/{claim_id}/withdraw", people.other_partner, json={}), 403)
    withdrawn = api.post(f"/claims/{claim_id}/withdraw", people.partner,
                         json={"reason": "We ran out of volunteers."})
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert_problem(api.post(f"/claims/{claim_id}/withdraw", people.partner, json={}), 409)


def test_withdrawing_the_last_approved_claim_puts_the_idea_back_to_accepted(
        api, people, accepted):
    claim_id = _claim(api, people.partner, people.org, accepted).get_json()["id"]
    api.post(f"/claims/{claim_id}/decision", people.moderator, json={"decision": "approve"})
    assert api.get(f"/ideas/{accepted.id}").get_json()["status"] == "in_delivery"
    withdrawn = api.post(f"/claims/{claim_id}/withdraw", people.partner,
                         json={"reason": "We ran out of volunteers."})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    idea = api.get(f"/ideas/{accepted.id}").get_json()
    assert idea["status"] == "accepted"
    last = [e for e in idea["timeline"] if e["event"] == "status"][-1]
    assert (last["from_status"], last["to_status"]) == ("in_delivery", "accepted")
    assert "open for another partner to claim" in last["message"]


def test_a_partner_cannot_withdraw_after_the_outcome_is_published(api, people, accepted):
    claim_id = _claim(api, people.partner, people.org, accepted).get_json()["id"]
    api.post(f"/claims/{claim_id}/decision", people.moderator, json={"decision": "approve"})
    report = api.post(f"/ideas/{accepted.id}/outcome", people.partner, json={
        "result": "delivered", "summary": "The fridge runs five days a week.", "submit": True})
    api.post(f"/outcomes/{report.get_json()['id']}/publish", people.moderator)
    refused = assert_problem(api.post(f"/claims/{claim_id}/withdraw", people.partner,
                                      json={"reason": "Changed our minds."}), 409)
    assert "record is closed" in refused["detail"]
    idea = api.get(f"/ideas/{accepted.id}").get_json()
    assert idea["status"] == "delivered"
    assert idea["timeline"][-1]["to_status"] == "delivered"
    assert db.session.get(Claim, claim_id).status == "approved"


def _deliverer(api, people, idea):
    claim_id = _claim(api, people.partner, people.org, idea).get_json()["id"]
    api.post(f"/claims/{claim_id}/decision", people.moderator, json={"decision": "approve"})
    assert db.session.get(Claim, claim_id).status == "approved"


def test_pledges_are_listed_only_for_delivering_partners_and_staff(api, make, people, accepted):
    api.post(f"/ideas/{accepted.id}/pledges", people.resident,
             json={"kind": "skills", "message": "I can fix bikes"})
    _deliverer(api, people, accepted)
    for who in (people.partner, people.moderator):
        items = api.get(f"/ideas/{accepted.id}/pledges", who).get_json()["items"]
        assert [(p["kind"], p["volunteer"]) for p in items] == [("skills", "Rita Resident")]
    for who in (people.resident, people.other_partner):
        assert_problem(api.get(f"/ideas/{accepted.id}/pledges", who), 403)
    assert_problem(api.get(f"/ideas/{accepted.id}/pledges"), 401)


def test_progress_updates_are_for_deliverers_and_staff(api, people, accepted):
    assert_problem(api.post(f"/ideas/{accepted.id}/updates", people.partner,
                            json={"body": "We have started the work."}), 403)
    _deliverer(api, people, accepted)
    assert_problem(api.post(f"/ideas/{accepted.id}/updates", people.other_partner,
                            json={"body": "We have started the work."}), 403)
    assert_problem(api.post(f"/ideas/{accepted.id}/updates", people.partner,
                            json={"body": "Short"}), 422, "body")
    assert api.post(f"/ideas/{accepted.id}/updates", people.moderator,
                    json={"body": "The council checked in."}).status_code == 201
    assert api.post(f"/ideas/{accepted.id}/updates", people.partner,
                    json={"body": "We have started the work."}).status_code == 201
    assert len(api.get(f"/ideas/{accepted.id}").get_json()["updates"]) == 2


def test_outcome_drafts_submissions_and_publication_rules(api, make, people, accepted):
    _deliverer(api, people, accepted)
    path = f"/ideas/{accepted.id}/outcome"
    assert_problem(api.post(path, people.other_partner, json={"summary": "x"}), 403)
    assert_problem(api.post(path, people.partner, json={"submit": True}), 422, "result")
    assert_problem(api.post(path, people.partner, json={"people_reached": -3}), 422,
                   "people_reached")
    draft = api.post(path, people.partner, json={"summary": "Going well so far."}).get_json()
    assert draft["state"] == "draft"
    assert_problem(api.post(f"/outcomes/{draft['id']}/publish", people.moderator), 409)
    report = api.post(path, people.partner, json={
        "result": "not_delivered", "summary": "The site was not available.", "submit": True})
    assert report.get_json()["state"] == "submitted"
    assert_problem(api.post(path, people.partner, json={"summary": "Changed my mind"}), 409)
    assert_problem(api.post(f"/outcomes/{draft['id']}/publish", people.partner), 403)
    assert api.post(f"/outcomes/{draft['id']}/publish", people.moderator).status_code == 200
    assert db.session.get(Idea, accepted.id).status == "not_delivered"
    assert db.session.get(OutcomeReport, draft["id"]).state == "published"
    assert_problem(api.post(f"/outcomes/{draft['id']}/publish", people.moderator), 409)
    assert_problem(api.post("/outcomes/424242/publish", people.moderator), 404)


STAFF_ONLY = [
    ("POST", "/ideas/{fresh}/status", {"status": "accepted", "message": "Yes"}),
    ("POST", "/ideas/{fresh}/merge", {"into_id": 0, "message": "Same"}),
    ("PUT", "/ideas/{idea}/assets/{asset}", None),
    ("DELETE", "/ideas/{idea}/assets/{asset}", None),
    ("POST", "/ideas/{idea}/hide", {"reason": "Abuse"}),
    ("POST", "/claims/{claim}/decision", {"decision": "approve", "message": ""}),
    ("POST", "/outcomes/{report}/publish", None),
    ("POST", "/assets", {"name": "Hall", "kind": "hall"}),
    ("PATCH", "/assets/{asset}", {"name": "Renamed"}),
    ("GET", "/ideas/{idea}/pledges", None),
]


@pytest.mark.parametrize("method, template, body", STAFF_ONLY,
                         ids=[f"{m} {t}" for m, t, _ in STAFF_ONLY])
def test_council_actions_are_refused_to_everyone_but_staff(api, make, people, method,
                                                           template, body):
    idea, fresh, other = make.idea(status="accepted"), make.idea(), make.idea()
    asset = make.asset()
    idea.assets.append(asset)
    claim = Claim(idea_id=idea.id, organisation_id=people.org.id, created_by_id=people.partner.id,
                  plan="A plan for the idea.", status="pending")
    report = OutcomeReport(idea_id=idea.id, author_id=people.partner.id, state="submitted",
                           result="delivered", summary="Done and dusted.")
    db.session.add_all([claim, report])
    db.session.commit()
    path = template.format(idea=idea.id, fresh=fresh.id, asset=asset.id, claim=claim.id,
                           report=report.id)
    if body and "into_id" in body:
        body = body | {"into_id": other.id}
    assert_problem(api.call(method, path, json=body), 401)
    for who in (people.resident, people.unverified, people.partner, people.other_partner):
        assert_problem(api.call(method, path, who, json=body), 403)
    assert api.call(method, path, people.moderator, json=body).status_code in (200, 201)


def test_moderator_unhides_an_idea(api, make, people):
    idea = make.idea(hidden=True, hidden_reason="Checking")
    assert_problem(api.post(f"/ideas/{idea.id}/unhide", people.resident), 404)
    assert api.post(f"/ideas/{idea.id}/unhide", people.moderator).get_json()["hidden"] is False
    assert api.get(f"/ideas/{idea.id}").status_code == 200
    assert_problem(api.post(f"/ideas/{idea.id}/unhide", people.resident), 403)


def test_official_replies_come_from_staff_and_count_as_the_first_response(api, make, people):
    idea = make.idea()
    assert_problem(api.post(f"/ideas/{idea.id}/replies", people.resident,
                            json={"body": "Me too"}), 403)
    assert_problem(api.post(f"/ideas/{idea.id}/replies", people.moderator, json={"body": ""}),
                   422, "body")
    reply = api.post(f"/ideas/{idea.id}/replies", people.moderator,
                     json={"body": "Thank you: we are looking into this."})
    assert reply.status_code == 201 and reply.get_json()["official"] is True
    assert api.get(f"/ideas/{idea.id}").get_json()["first_response_at"] is not None


def test_moderator_returns_a_submitted_outcome_with_a_note(api, people, accepted):
    _deliverer(api, people, accepted)
    report = api.post(f"/ideas/{accepted.id}/outcome", people.partner, json={
        "result": "delivered", "summary": "All done and working.", "submit": True}).get_json()
    path = f"/outcomes/{report['id']}/return"
    assert_problem(api.post(path, people.partner, json={"note": "Looks good"}), 403)
    assert_problem(api.post(path, people.moderator, json={"note": ""}), 422, "note")
    returned = api.post(path, people.moderator, json={"note": "Add the number of people."})
    assert returned.get_json()["state"] == "returned"
    assert returned.get_json()["review_note"] == "Add the number of people."
    assert_problem(api.post(path, people.moderator, json={"note": "Again"}), 409)
    assert api.post(f"/ideas/{accepted.id}/outcome", people.partner, json={
        "result": "delivered", "summary": "All done; 40 people came.", "people_reached": 40,
        "submit": True}).get_json()["state"] == "submitted"
