"""The community value steps in the API: nominate, decide (staff: 403 for residents, 422 with
no reason), the owner's disposal notice and the dates it gives the asset, intent to bid 409
after the interim window, and the reads (nominations, one nomination, the timeline), all in
the OpenAPI document and with no personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import AcvNomination, AssetEvent
from citizenideas.services import community_value as acv

from .support import assert_problem

REASONS = "The pub is the only place in the village where clubs and groups can meet."


@pytest.fixture
def world(make):
    staff = make.user(role="moderator", display_name="Morag Moderator")
    member = make.user(display_name="Mina Member")
    resident = make.user(display_name="Rhys Resident")
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other")
    db.session.commit()
    return staff, member, resident, org, asset


def test_the_steps_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/assets/{asset_id}/nominations", "post"),
                         ("/api/v1/assets/{asset_id}/nominations", "get"),
                         ("/api/v1/nominations/{nomination_id}", "get"),
                         ("/api/v1/nominations/{nomination_id}/decision", "post"),
                         ("/api/v1/assets/{asset_id}/disposal-notice", "post"),
                         ("/api/v1/assets/{asset_id}/intent-to-bid", "post"),
                         ("/api/v1/assets/{asset_id}/timeline", "get")):
        found = {p.replace("<int:", "{").replace(">", "}") for p in paths}
        assert path in found or path.replace("/api/v1", "") in found, path
        operation = (paths.get(path) or paths.get(path.replace("/api/v1", "")))[method]
        assert operation["tags"] == ["Assets of community value"]


def test_a_member_nominates_staff_list_and_the_reads_follow(api, world):
    staff, member, resident, org, asset = world
    sent = api.post(f"/assets/{asset.id}/nominations", member,
                    json={"organisation_id": org.id, "reasons": REASONS})
    assert sent.status_code == 201, sent.get_json()
    body = sent.get_json()
    assert body["state"] == "nominated" and body["nominated_by"] == "Friends of the Red Lion"
    assert body["decision_due_on"] == (acv.today() + timedelta(weeks=8)).isoformat()
    again = api.post(f"/assets/{asset.id}/nominations", member,
                     json={"organisation_id": org.id, "reasons": REASONS})
    assert_problem(again, 409)
    nid = body["id"]
    assert_problem(api.post(f"/nominations/{nid}/decision", resident,
                            json={"decision": "list", "reason": "Because."}), 403)
    assert_problem(api.post(f"/nominations/{nid}/decision", member,
                            json={"decision": "list", "reason": "Because."}), 403)
    assert_problem(api.post(f"/nominations/{nid}/decision", staff,
                            json={"decision": "list", "reason": "  "}), 422, "reason")
    assert_problem(api.post(f"/nominations/{nid}/decision", staff,
                            json={"decision": "list"}), 422, "reason")
    assert_problem(api.post(f"/nominations/{nid}/decision", staff,
                            json={"decision": "maybe", "reason": "Because."}), 422)
    decided = api.post(f"/nominations/{nid}/decision", staff,
                       json={"decision": "list", "reason": "The heart of village life."})
    assert decided.status_code == 200, decided.get_json()
    listed = decided.get_json()
    assert listed["state"] == "listed"
    assert listed["listed_until"] == acv.add_years(acv.today(), 5).isoformat()
    assert_problem(api.post(f"/nominations/{nid}/decision", staff,
                            json={"decision": "refuse", "reason": "Changed."}), 409)
    one = api.get(f"/nominations/{nid}").get_json()
    assert one == listed
    [item] = api.get(f"/assets/{asset.id}/nominations").get_json()["items"]
    assert item["id"] == nid
    timeline = api.get(f"/assets/{asset.id}/timeline").get_json()["items"]
    assert [e["event"] for e in timeline] == ["nominated", "listed"]
    assert timeline[1]["message"] == "The heart of village life."
    assert timeline[1]["organisation"] == {"id": org.id, "name": "Friends of the Red Lion"}
    text = repr(one) + repr(timeline)
    for person in (staff, member):
        assert person.display_name not in text and person.email not in text


def test_staff_record_a_group_nomination_and_residents_cannot(api, world):
    staff, member, resident, org, asset = world
    assert_problem(api.post(f"/assets/{asset.id}/nominations", resident,
                            json={"group_name": "Villagers", "reasons": REASONS}), 403)
    assert_problem(api.post(f"/assets/{asset.id}/nominations", resident,
                            json={"organisation_id": org.id, "reasons": REASONS}), 403)
    assert_problem(api.post(f"/assets/{asset.id}/nominations", None,
                            json={"organisation_id": org.id, "reasons": REASONS}), 401)
    assert_problem(api.post(f"/assets/{asset.id}/nominations", staff,
                            json={"group_name": "Villagers", "reasons": "short"}), 422,
                   "reasons")
    assert_problem(api.post(f"/assets/{asset.id}/nominations", member,
                            json={"organisation_id": 999999, "reasons": REASONS}), 404)
    sent = api.post(f"/assets/{asset.id}/nominations", staff,
                    json={"group_name": "Twenty-one villagers", "reasons": REASONS})
    assert sent.status_code == 201
    assert sent.get_json()["nominated_by"] == "Twenty-one villagers"
    refused = api.post(f"/nominations/{sent.get_json()['id']}/decision", staff,
                       json={"decision": "refuse", "reason": "Not social."})
    assert refused.get_json()["state"] == "not_listed"
    [row] = api.get("/assets/community-value/unsuccessful").get_json()["items"]
    assert row["nominated_by"] == "Twenty-one villagers"


def test_a_disposal_notice_gives_the_asset_its_three_dates(api, world, make):
    staff, member, resident, org, asset = world
    body = {"received_on": (acv.today() - timedelta(days=2)).isoformat()}
    assert_problem(api.post(f"/assets/{asset.id}/disposal-notice", staff, json=body), 409)
    n = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, n, "listed", "The heart of village life.")
    db.session.commit()
    assert api.get(f"/assets/{asset.id}").get_json()["interim_moratorium_ends"] is None
    assert_problem(api.post(f"/assets/{asset.id}/disposal-notice", resident, json=body), 403)
    assert_problem(api.post(f"/assets/{asset.id}/disposal-notice", member, json=body), 403)
    future = {"received_on": (acv.today() + timedelta(days=1)).isoformat()}
    assert_problem(api.post(f"/assets/{asset.id}/disposal-notice", staff, json=future), 422,
                   "received_on")
    assert_problem(api.post(f"/assets/{asset.id}/disposal-notice", staff,
                            json={"received_on": "2026-02-30"}), 422)
    answer = api.post(f"/assets/{asset.id}/disposal-notice", staff, json=body)
    assert answer.status_code == 201, answer.get_json()
    received = acv.today() - timedelta(days=2)
    dates = answer.get_json()
    assert dates["interim_moratorium_ends"] == (received + timedelta(weeks=6)).isoformat()
    assert dates["full_moratorium_ends"] == acv.add_months(received, 6).isoformat()
    assert dates["protected_period_ends"] == acv.add_months(received, 18).isoformat()
    read = api.get(f"/assets/{asset.id}").get_json()
    for key in ("interim_moratorium_ends", "full_moratorium_ends", "protected_period_ends"):
        assert read[key] == dates[key]
    [listed] = [a for a in api.get("/assets").get_json()["items"] if a["id"] == asset.id]
    assert listed["protected_period_ends"] == dates["protected_period_ends"]
    assert [e["event"] for e in api.get(f"/assets/{asset.id}/timeline").get_json()["items"]] \
        == ["nominated", "listed", "notice_of_sale"]
    # Intent to bid inside the window: 201, and the nomination shows the full moratorium.
    bid = api.post(f"/assets/{asset.id}/intent-to-bid", member,
                   json={"organisation_id": org.id})
    assert bid.status_code == 201
    nomination = api.get(f"/nominations/{n.id}").get_json()
    assert nomination["full_moratorium_triggered"] is True
    assert nomination["intents_to_bid"][0]["organisation"]["name"] == org.name


def test_intent_to_bid_after_the_interim_window_is_409_and_writes_nothing(api, world):
    staff, member, resident, org, asset = world
    n = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, n, "listed", "The heart of village life.")
    acv.record_notice_of_sale(staff, n, acv.today() - timedelta(weeks=6))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(AssetEvent))
    answer = api.post(f"/assets/{asset.id}/intent-to-bid", member,
                      json={"organisation_id": org.id})
    body = assert_problem(answer, 409)
    assert "interim moratorium ended" in body["detail"]
    assert db.session.scalar(select(func.count()).select_from(AssetEvent)) == before


def test_reads_of_unknown_or_retired_things_are_404(api, world):
    staff, member, resident, org, asset = world
    assert_problem(api.get("/nominations/999999"), 404)
    assert_problem(api.get("/assets/999999/timeline"), 404)
    assert_problem(api.get("/assets/999999/nominations"), 404)
    n = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    asset.retired_at = acv.utcnow()
    db.session.commit()
    assert_problem(api.get(f"/nominations/{n.id}"), 404)
    assert api.get(f"/nominations/{n.id}", staff).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AcvNomination)) == 1
