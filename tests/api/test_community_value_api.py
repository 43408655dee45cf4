"""The community value API: the two published lists, and intent to bid answering 201 inside
the interim window and 409 after it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citizenideas.extensions import db
from citizenideas.services import community_value as acv

from .support import assert_problem

REASONS = "The pub is the only place in the village where clubs and groups can meet."


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    member = make.user()
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other")
    return staff, member, org, asset


def listed(world, received_days_ago):
    staff, member, org, asset = world
    n = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, n, "listed", "It is the heart of village life.")
    acv.record_notice_of_sale(staff, n, acv.today() - timedelta(days=received_days_ago))
    db.session.commit()
    return n


def test_intent_to_bid_inside_the_window_is_201_and_shows_in_the_list(api, world, make):
    staff, member, org, asset = world
    listed(world, received_days_ago=5)
    answer = api.post(f"/assets/{asset.id}/intent-to-bid", member,
                      json={"organisation_id": org.id})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    received = acv.today() - timedelta(days=5)
    assert body["full_moratorium_ends"] == acv.add_months(received, 6).isoformat()
    again = api.post(f"/assets/{asset.id}/intent-to-bid", member,
                     json={"organisation_id": org.id})
    assert_problem(again, 409)
    [item] = api.get("/assets/community-value").get_json()["items"]
    assert item["asset"] == "The Red Lion" and item["intents_to_bid"] == 1
    assert item["full_moratorium_ends"] == body["full_moratorium_ends"]
    resident = make.user()
    assert_problem(api.post(f"/assets/{asset.id}/intent-to-bid", resident,
                            json={"organisation_id": org.id}), 403)
    assert_problem(api.post(f"/assets/{asset.id}/intent-to-bid", None,
                            json={"organisation_id": org.id}), 401)


def test_intent_to_bid_after_the_window_is_409(api, world):
    staff, member, org, asset = world
    listed(world, received_days_ago=43)
    answer = api.post(f"/assets/{asset.id}/intent-to-bid", member,
                      json={"organisation_id": org.id})
    body = assert_problem(answer, 409)
    assert "no longer taken" in body["detail"]


def test_the_unsuccessful_list(api, world):
    staff, member, org, asset = world
    n = acv.nominate_asset(staff, asset, group_name="Neighbours", reasons=REASONS)
    acv.decide_nomination(staff, n, "not_listed", "Its main use is not social.")
    db.session.commit()
    [item] = api.get("/assets/community-value/unsuccessful").get_json()["items"]
    assert item["nominated_by"] == "Neighbours"
    assert item["decision_reason"] == "Its main use is not social."
    assert api.get("/assets/community-value").get_json()["items"] == []
