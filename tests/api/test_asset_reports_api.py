"""The after-transfer API: reports (public read; the operator's members publish, once per
year) and access comments (public read; residents with a confirmed email post), with
problem+json errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import AccessComment, AssetReport

from ..after_transfer_support import days_ago, report, transferred
from .support import assert_problem

REPORT = {"year_number": 1, "opening_hours": "7am to 8pm daily", "people_served": 1200,
          "prices": "Adults 4 pounds", "access_changes": "A ramp at the door.",
          "story": "The swimming club came back.", "commitments": "kept"}


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    manager = make.user()
    resident = make.user()
    trust = make.organisation(name="Elmstead Lido Trust", members=[(manager, "manager")])
    asset = make.asset(name="Elmstead Lido", kind="pool")
    return staff, manager, resident, trust, asset


def test_reports_read_shows_the_transfer_and_every_year(api, world):
    staff, manager, resident, trust, asset = world
    request = transferred(asset, trust, date(2021, 3, 1))
    report(request, 1, date(2022, 2, 20))
    answer = api.get(f"/assets/{asset.id}/reports")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["transfer"]["organisation"] == "Elmstead Lido Trust"
    assert body["transfer"]["transferred_on"] == "2021-03-01"
    assert body["years"][0]["state"] == "on_time"
    assert body["years"][0]["report"]["people_served"] == 1000
    assert body["years"][1] == {"year_number": 2, "due_on": "2023-03-01", "state": "overdue",
                                "report": None}


def test_a_place_not_transferred_has_no_reports_and_takes_no_comments(api, world):
    staff, manager, resident, trust, asset = world
    assert api.get(f"/assets/{asset.id}/reports").get_json() == {
        "asset_id": asset.id, "transfer": None, "years": []}
    assert api.get(f"/assets/{asset.id}/access-comments").get_json()["items"] == []
    assert_problem(api.post(f"/assets/{asset.id}/reports", manager, json=REPORT), 409)
    assert_problem(api.post(f"/assets/{asset.id}/access-comments", resident,
                            json={"change": "same", "body": "Same."}), 409)
    assert_problem(api.get("/assets/999999/reports"), 404)


def test_the_operator_publishes_once_and_others_are_refused(api, world):
    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(370))
    path = f"/assets/{asset.id}/reports"
    assert_problem(api.post(path, None, json=REPORT), 401)
    assert_problem(api.post(path, resident, json=REPORT), 403)
    assert_problem(api.post(path, staff, json=REPORT), 403)
    wrong = api.post(path, manager, json={**REPORT, "prices": " ", "commitments": "no"})
    assert_problem(wrong, 422)
    assert set(wrong.get_json()["errors"]) == {"prices", "commitments"}
    assert_problem(api.post(path, manager, json={**REPORT, "people_served": "lots"}), 422)
    done = api.post(path, manager, json=REPORT)
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["year_number"] == 1 and done.get_json()["commitments"] == "kept"
    assert_problem(api.post(path, manager, json=REPORT), 409)
    assert_problem(api.post(path, manager, json={**REPORT, "year_number": 2}), 409)
    assert db.session.scalar(select(func.count(AssetReport.id))) == 1


def test_residents_post_and_read_access_comments(api, world, make):
    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(30))
    path = f"/assets/{asset.id}/access-comments"
    unconfirmed = make.user(verified=False)
    assert_problem(api.post(path, None, json={"change": "same", "body": "Same."}), 401)
    assert_problem(api.post(path, unconfirmed, json={"change": "same", "body": "Same."}), 403)
    wrong = api.post(path, resident, json={"change": "odd", "body": "x" * 501})
    assert_problem(wrong, 422)
    assert set(wrong.get_json()["errors"]) == {"change", "body"}
    done = api.post(path, resident, json={"change": "worse", "body": "Dearer swims."})
    assert done.status_code == 201
    assert done.get_json()["change"] == "worse"
    comment = db.session.scalar(select(AccessComment))
    comment.hidden_at, comment.hidden_reason = comment.created_at, "Off topic."
    db.session.commit()
    api.post(path, resident, json={"change": "better", "body": "Ramp is great."})
    listed = api.get(path).get_json()
    assert listed["tally"] == {"better": 1, "same": 0, "worse": 0}
    assert listed["items"][0]["body"] == "Ramp is great."
    assert listed["items"][1] == {"id": comment.id, "change": None, "body": None,
                                  "author": None, "created_at": listed["items"][1]["created_at"],
                                  "hidden": True, "hidden_reason": "Off topic."}


def test_the_document_lists_the_four_operations(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/assets/{asset_id}/reports"]) == {"get", "post"}
    assert set(paths["/api/v1/assets/{asset_id}/access-comments"]) == {"get", "post"}
