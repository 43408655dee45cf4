"""The community asset transfer API: ask (verified organisations' members, for their own
organisation), stages (staff only, reasons and terms required, 409 for a stage that cannot
follow, withdrawal by the organisation), questions and answers, reads that keep capacity and
questions for the two sides, and every endpoint in the OpenAPI document."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.models import CommunityAsset, utcnow

from ..test_asset_transfer import FIELDS
from .support import assert_problem


@pytest.fixture
def world(make):
    class World:
        staff = make.user(role="moderator")
        member = make.user()
        resident = make.user()
        outsider = make.user()
    World.org = make.organisation(name="St Anne's Trust", members=[(World.member, "manager")])
    World.other = make.organisation(name="Other Trust", members=[(World.outsider, "member")])
    World.asset = make.asset(name="St Anne's Hall", kind="hall")
    World.idea = make.idea(title="A community hub")
    return World


def ask(api, world, user=None, **extra):
    return api.post(f"/assets/{world.asset.id}/transfer-requests", user or world.member,
                    json={"organisation_id": world.org.id, **FIELDS, **extra})


def test_a_member_asks_and_everyone_reads_the_public_parts(api, world):
    made = ask(api, world, ideas=[world.idea.reference])
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["stage"] == "received" and body["ideas"][0]["id"] == world.idea.id
    assert body["capacity"]["money"] == FIELDS["capacity_money"] and body["questions"] == []
    public = api.get(f"/transfer-requests/{body['id']}").get_json()
    assert public["capacity"] is None and public["questions"] is None
    assert public["commitment_prices"] == FIELDS["commitment_prices"]
    [listed] = api.get(f"/assets/{world.asset.id}/transfer-requests").get_json()["items"]
    assert listed["id"] == body["id"]
    assert api.get(f"/assets/{world.asset.id}").get_json()["community_status"] == \
        "transfer_proposed"


def test_asking_is_for_members_of_a_verified_organisation_for_itself(api, world):
    assert_problem(ask(api, world, user=world.resident), 403)
    assert_problem(ask(api, world, user=world.outsider), 403)
    assert_problem(ask(api, world, user=world.staff), 403)
    assert_problem(api.post(f"/assets/{world.asset.id}/transfer-requests", None,
                            json={"organisation_id": world.org.id, **FIELDS}), 401)
    problem = assert_problem(ask(api, world, proposed_use="short", ideas=["NOPE-1"]), 422)
    assert set(problem["errors"]) == {"proposed_use", "ideas"}
    assert_problem(api.post("/assets/999999/transfer-requests", world.member,
                            json={"organisation_id": world.org.id, **FIELDS}), 404)


def test_staff_move_stages_with_reasons_and_a_transfer_changes_the_place(api, world):
    rid = ask(api, world).get_json()["id"]
    path = f"/transfer-requests/{rid}/stage"
    assert_problem(api.post(path, world.member, json={"stage": "approved", "message": "Y"}),
                   403)
    assert_problem(api.post(path, world.resident, json={"stage": "under_assessment"}), 403)
    assert_problem(api.post(path, world.staff, json={"stage": "sold"}), 422, "stage")
    assert_problem(api.post(path, world.staff, json={"stage": "approved", "message": "Yes"}),
                   409)
    assert api.post(path, world.staff, json={"stage": "under_assessment"}).status_code == 200
    assert_problem(api.post(path, world.staff, json={"stage": "approved"}), 422, "message")
    approved = api.post(path, world.staff, json={"stage": "approved",
                                                 "message": "It meets the policy."})
    assert approved.get_json()["decision_reason"] == "It meets the policy."
    assert_problem(api.post(path, world.staff, json={"stage": "transferred"}), 422, "terms")
    done = api.post(path, world.staff, json={
        "stage": "transferred", "terms": "A 25-year lease at a peppercorn rent.",
        "transferred_on": utcnow().date().isoformat()})
    assert done.status_code == 200, done.get_json()
    assert [s["to_stage"] for s in done.get_json()["stages"]] == [
        "received", "under_assessment", "approved", "transferred"]
    place = api.get(f"/assets/{world.asset.id}").get_json()
    assert place["community_status"] == "transferred"
    assert place["operator_organisation_id"] == world.org.id
    # The status follows from the records: it cannot be typed over.
    assert_problem(api.patch(f"/assets/{world.asset.id}", world.staff,
                             json={"community_status": "council_run"}), 422, "community_status")
    assert_problem(api.post("/assets", world.staff, json={
        "name": "Hut", "kind": "hall", "community_status": "transferred"}), 422)


def test_the_organisation_withdraws_through_the_stage_endpoint(api, world):
    rid = ask(api, world).get_json()["id"]
    path = f"/transfer-requests/{rid}/stage"
    assert_problem(api.post(path, world.staff, json={"stage": "withdrawn"}), 403)
    assert_problem(api.post(path, world.outsider, json={"stage": "withdrawn"}), 403)
    done = api.post(path, world.member, json={"stage": "withdrawn", "message": "Not now."})
    assert done.get_json()["stage"] == "withdrawn"
    db.session.expire_all()
    assert db.session.get(CommunityAsset, world.asset.id).community_status == "council_run"


def test_questions_are_asked_by_staff_and_answered_by_the_organisation_once(api, world):
    rid = ask(api, world).get_json()["id"]
    path = f"/transfer-requests/{rid}/questions"
    assert_problem(api.post(path, world.member, json={"question": "Why?"}), 403)
    asked = api.post(path, world.staff, json={"question": "Send your budget."})
    assert asked.status_code == 201
    qid = asked.get_json()["id"]
    answer = f"{path}/{qid}/answer"
    assert_problem(api.post(answer, world.outsider, json={"answer": "Mine."}), 403)
    assert_problem(api.post(answer, world.staff, json={"answer": "Mine."}), 403)
    done = api.post(answer, world.member, json={"answer": "Balanced every year."})
    assert done.status_code == 200 and done.get_json()["answered_at"]
    assert_problem(api.post(answer, world.member, json={"answer": "Again."}), 409)
    assert_problem(api.post(f"{path}/999999/answer", world.member, json={"answer": "x"}), 404)
    seen = api.get(f"/transfer-requests/{rid}", world.staff).get_json()
    assert seen["questions"][0]["answer"] == "Balanced every year."


def test_every_endpoint_is_in_the_openapi_document(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/assets/{asset_id}/transfer-requests"])
    for path in ("/api/v1/transfer-requests/{request_id}",
                 "/api/v1/transfer-requests/{request_id}/stage",
                 "/api/v1/transfer-requests/{request_id}/questions",
                 "/api/v1/transfer-requests/{request_id}/questions/{question_id}/answer"):
        assert path in paths, sorted(paths)
    stage = paths["/api/v1/transfer-requests/{request_id}/stage"]["post"]
    assert "application/problem+json" in stage["responses"]["409"]["content"]
