"""Assets of community value on the pages: nominate, decide, intent to bid, the two
published lists and their CSV and JSON open data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import AcvBidIntent, AcvNomination
from citizenideas.services import community_value as acv

from .conftest import csrf_token

REASONS = "The pub is the only place in the village where clubs and groups can meet."


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    member = make.user()
    resident = make.user()
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other", address="1 High Street")
    return staff, member, resident, org, asset


def test_a_member_nominates_from_the_asset_page_and_staff_decide(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(member.email)
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Nominate as an asset of community value" in page
    token = csrf_token(client, f"/assets/{asset.id}/nominate")
    short = client.post(f"/assets/{asset.id}/nominate",
                        data={"csrf_token": token, "organisation_id": org.id, "reasons": ""})
    assert short.status_code == 422
    sent = client.post(f"/assets/{asset.id}/nominate",
                       data={"csrf_token": token, "organisation_id": org.id,
                             "reasons": REASONS})
    assert sent.status_code == 303
    nomination = db.session.scalar(select(AcvNomination))
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Council deciding" in page and "Nominate as an asset" not in page
    auth.sign_out()

    auth.sign_in(staff.email)
    queue = client.get("/council/community-value").get_data(as_text=True)
    assert "The Red Lion" in queue
    dashboard = client.get("/council").get_data(as_text=True)
    assert "Nominations to decide (assets of community value): <strong>1</strong>" in dashboard
    token = csrf_token(client, f"/council/community-value/{nomination.id}")
    missing = client.post(f"/council/community-value/{nomination.id}",
                          data={"csrf_token": token, "decision": "listed", "reason": ""})
    assert missing.status_code == 422
    done = client.post(f"/council/community-value/{nomination.id}",
                       data={"csrf_token": token, "decision": "listed",
                             "reason": "It is the heart of village life."})
    assert done.status_code == 303
    db.session.expire_all()
    assert nomination.state == "listed" and nomination.asset.community_status == "acv_listed"
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Listing ends" in page and "It is the heart of village life." in page


def test_a_resident_may_not_nominate_or_decide(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(resident.email)
    assert "Nominate as an asset" not in client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert client.get(f"/assets/{asset.id}/nominate").status_code == 403
    token = csrf_token(client, "/me")
    answer = client.post(f"/assets/{asset.id}/nominate",
                         data={"csrf_token": token, "organisation_id": org.id,
                               "reasons": REASONS})
    assert answer.status_code == 403
    assert client.get("/council/community-value").status_code == 403


def listed(world, received_days_ago=None):
    staff, member, resident, org, asset = world
    n = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, n, "listed", "It is the heart of village life.")
    if received_days_ago is not None:
        acv.record_notice_of_sale(staff, n, acv.today() - timedelta(days=received_days_ago))
    db.session.commit()
    return n


def test_the_intent_to_bid_button_shows_in_the_interim_window_and_triggers_the_full_moratorium(
        client, auth, world):
    staff, member, resident, org, asset = world
    n = listed(world, received_days_ago=2)
    auth.sign_in(member.email)
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Interim moratorium ends" in page and "Full moratorium ends" not in page
    assert "Register Friends of the Red Lion" in page
    token = csrf_token(client, f"/assets/{asset.id}")
    answer = client.post(f"/assets/{asset.id}/intent-to-bid",
                         data={"csrf_token": token, "organisation_id": org.id})
    assert answer.status_code == 303
    assert db.session.scalar(select(AcvBidIntent.nomination_id)) == n.id
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Full moratorium ends" in page and "Protected period ends" in page
    assert "Register Friends of the Red Lion" not in page


def test_after_the_interim_window_the_button_is_gone_and_a_post_is_refused(client, auth, world):
    staff, member, resident, org, asset = world
    listed(world, received_days_ago=42)
    auth.sign_in(member.email)
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Interim moratorium ends" in page and "Register Friends" not in page
    token = csrf_token(client, "/me")
    answer = client.post(f"/assets/{asset.id}/intent-to-bid",
                         data={"csrf_token": token, "organisation_id": org.id},
                         follow_redirects=True)
    assert "intents to bid are no longer taken" in answer.get_data(as_text=True)
    assert db.session.scalar(select(AcvBidIntent)) is None


def test_staff_record_the_owner_told_and_a_notice_of_sale_on_the_asset_page(client, auth, world):
    staff, member, resident, org, asset = world
    n = listed(world)
    auth.sign_in(staff.email)
    token = csrf_token(client, f"/assets/{asset.id}")
    assert client.post(f"/council/community-value/{n.id}/owner-told",
                       data={"csrf_token": token}).status_code == 303
    day = acv.today() - timedelta(days=1)
    assert client.post(f"/council/community-value/{n.id}/notice-of-sale",
                       data={"csrf_token": token, "received_on": day.isoformat()}
                       ).status_code == 303
    db.session.expire_all()
    assert n.owner_told_at is not None and n.notice_received_on == day


def test_the_two_public_lists_and_their_open_data(client, make, world):
    staff, member, resident, org, asset = world
    n = listed(world)
    shop = make.asset(name="Corner Shop")
    refused = acv.nominate_asset(staff, shop, group_name="Corner neighbours", reasons=REASONS)
    acv.decide_nomination(staff, refused, "not_listed", "A shop's main use is not social.")
    db.session.commit()
    page = client.get("/assets/community-value").get_data(as_text=True)
    assert "The Red Lion" in page and "Corner Shop" not in page
    page = client.get("/assets/community-value/unsuccessful").get_data(as_text=True)
    assert "Corner Shop" in page and "not social" in page and "The Red Lion" not in page
    rows = list(csv.DictReader(io.StringIO(
        client.get("/assets/community-value.csv").get_data(as_text=True))))
    assert [r["asset"] for r in rows] == ["The Red Lion"]
    assert rows[0]["listed_until"] == n.listed_until.isoformat()
    body = client.get("/assets/community-value.json").get_json()
    assert body["licence"] and [i["asset"] for i in body["items"]] == ["The Red Lion"]
    rows = list(csv.DictReader(io.StringIO(
        client.get("/assets/community-value/unsuccessful.csv").get_data(as_text=True))))
    assert [(r["asset"], r["nominated_by"]) for r in rows] == [("Corner Shop",
                                                                "Corner neighbours")]
    body = client.get("/assets/community-value/unsuccessful.json").get_json()
    assert body["items"][0]["decision_reason"] == "A shop's main use is not social."
    everything = "".join(client.get(p).get_data(as_text=True) for p in (
        "/assets/community-value.csv", "/assets/community-value.json",
        "/assets/community-value/unsuccessful.csv", "/assets/community-value/unsuccessful.json"))
    for person in (staff, member):
        assert person.email not in everything and person.display_name not in everything
    accountability = client.get("/accountability").get_data(as_text=True)
    assert "/assets/community-value.csv" in accountability


def test_staff_record_a_group_nomination_from_the_form(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(staff.email)
    token = csrf_token(client, f"/assets/{asset.id}/nominate")
    empty = client.post(f"/assets/{asset.id}/nominate",
                        data={"csrf_token": token, "reasons": REASONS})
    assert empty.status_code == 422
    assert 'href="#group_name"' in empty.get_data(as_text=True)
    sent = client.post(f"/assets/{asset.id}/nominate",
                       data={"csrf_token": token, "group_name": "Villagers",
                             "reasons": REASONS})
    assert sent.status_code == 303
    assert db.session.scalar(select(AcvNomination.group_name)) == "Villagers"
