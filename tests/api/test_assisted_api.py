"""POST /api/v1/ideas with on_behalf_of: staff record an idea for a resident who is not
online; a resident gets 403; the resident's details reach staff only; supports carry the
online, paper and total counts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Idea, IdeaRepresentation
from citizenideas.services import paper_supports

from .support import assert_problem

NAME = "Zephyrine Quillfeather"
RESIDENT = {"name": NAME, "channel": "phone", "email": "zeph.q@example.org",
            "phone": "01632 960 123"}


@pytest.fixture
def place(make):
    return {"ward": make.ward("Millbrook"), "category": make.category("Streets")}


def proposal(place, **kw):
    return {"title": "A bench at the Mill Lane bus stop",
            "description": "A bench by the bus stop so older neighbours can rest while waiting.",
            "category_id": place["category"].id, "ward_id": place["ward"].id} | kw


def test_a_moderator_records_an_idea_for_a_resident(api, people, place):
    response = api.post("/ideas", people.moderator, json=proposal(place, on_behalf_of=RESIDENT))
    assert response.status_code == 201, response.get_json()
    idea = response.get_json()
    assert idea["author"] == "Recorded by the council on behalf of a resident"
    assert idea["recorded_on_behalf"] is True and idea["following"] is False
    assert idea["on_behalf_of"]["name"] == NAME and idea["on_behalf_of"]["channel"] == "phone"
    assert idea["on_behalf_of"]["claimed"] is False
    assert idea["supports"] == {"online": 0, "paper": 0, "total": 0}
    representation = db.session.scalar(select(IdeaRepresentation))
    assert representation.idea_id == idea["id"] and representation.phone == "01632 960 123"


def test_an_admin_may_record_one_too(api, people, place):
    response = api.post("/ideas", people.admin, json=proposal(
        place, on_behalf_of={"name": "Ann", "channel": "in_person"}))
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["resident", "partner"])
def test_a_resident_or_partner_gets_403_problem_json(api, people, place, who):
    response = api.post("/ideas", getattr(people, who),
                        json=proposal(place, on_behalf_of=RESIDENT))
    assert_problem(response, 403)
    assert db.session.scalar(select(Idea.id)) is None


def test_the_resident_s_details_are_checked_with_errors_by_field(api, people, place):
    response = api.post("/ideas", people.moderator, json=proposal(
        place, on_behalf_of={"name": "Ann", "channel": "letter", "phone": "12345"}))
    assert_problem(response, 422, "on_behalf_of.phone")
    response = api.post("/ideas", people.moderator, json=proposal(
        place, on_behalf_of={"name": "  ", "channel": "letter"}))
    assert response.status_code == 422


def test_only_staff_see_the_resident_through_the_api(api, people, place):
    created = api.post("/ideas", people.moderator,
                       json=proposal(place, on_behalf_of=RESIDENT)).get_json()
    for who in (None, people.resident, people.partner):
        for path in (f"/ideas/{created['id']}", "/ideas", "/ideas?sort=newest"):
            text = json.dumps(api.get(path, who).get_json())
            for secret in (NAME, RESIDENT["email"], RESIDENT["phone"]):
                assert secret not in text, (who, path, secret)
    staff_view = api.get(f"/ideas/{created['id']}", people.admin).get_json()
    assert staff_view["on_behalf_of"]["email"] == RESIDENT["email"]
    listed = api.get("/ideas", people.moderator).get_json()["items"]
    assert listed[0]["on_behalf_of"]["name"] == NAME


def test_supports_carry_online_paper_and_total_in_lists_too(api, people, make):
    idea = make.idea(support_count=2)
    paper_supports.record_paper_supports(people.moderator, idea, count=5, evidence="Sheet")
    db.session.commit()
    [item] = api.get("/ideas").get_json()["items"]
    assert item["support_count"] == 2
    assert item["supports"] == {"online": 2, "paper": 5, "total": 7}
    assert item["recorded_on_behalf"] is False and item["on_behalf_of"] is None


def test_the_openapi_document_describes_on_behalf_of_and_supports(api):
    document = api.get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    idea_in = next(s for k, s in schemas.items() if k.startswith("IdeaIn"))
    assert "on_behalf_of" in idea_in["properties"]
    on_behalf = next(s for k, s in schemas.items() if k.startswith("OnBehalfIn"))
    assert on_behalf["properties"]["channel"]["enum"] == ["phone", "letter", "in_person",
                                                          "email"]
    assert on_behalf["then"]["required"] == ["email"]
    supports = next(s for k, s in schemas.items() if k.startswith("SupportsOut"))
    assert set(supports["properties"]) == {"online", "paper", "total"}
