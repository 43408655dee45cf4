"""Open data downloads: CSV and JSON that parse, carry the licence, follow the filters, leave
hidden ideas out and contain no personal data."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from citizenideas.extensions import db
from citizenideas.models import Comment, OutcomeReport, Pledge, StatusChange, utcnow

SECRET_EMAIL = "zebedee.quartermain-secret@example.org"
SECRET_NAME = "Zebedee Quartermain"
STAFF_EMAIL = "moderator.ophelia-private@example.org"
STAFF_NAME = "Ophelia Moderatrix"

DOWNLOADS = ["/ideas.csv", "/ideas.json", "/outcomes.csv", "/outcomes.json",
             "/accountability.csv", "/accountability.json",
             "/accountability.csv?table=decisions_by_status", "/accountability.csv?table=by_month",
             "/accountability.csv?table=by_ward", "/accountability.csv?table=by_category"]
FEEDS = ["/feeds/ideas.atom", "/feeds/status-changes.atom", "/feeds/outcomes.atom"]


@pytest.fixture
def published(make):
    """A resident with a distinctive name and email who proposed, commented and pledged; a
    moderator with one who answered; an organisation that delivered; and a hidden idea."""
    resident = make.user(email=SECRET_EMAIL, display_name=SECRET_NAME)
    moderator = make.user(role="moderator", email=STAFF_EMAIL, display_name=STAFF_NAME)
    ward, category = make.ward("Castle"), make.category("Play")
    org = make.organisation(name="Castle Friends Trust", members=[(resident, "manager")])
    idea = make.idea(author=resident, ward=ward, category=category, status="delivered",
                     title="Paint the castle playground", first_response_at=utcnow(),
                     delivered_at=utcnow())
    other = make.idea(author=resident, title="A bench by the “river”, café & more")
    hidden = make.idea(author=resident, ward=ward, category=category, hidden=True,
                       title="Secret hidden idea title")
    db.session.add_all([
        Comment(idea_id=idea.id, author_id=resident.id, body="Great idea"),
        Pledge(idea_id=idea.id, user_id=resident.id, kind="time", message="I can help",
               hours=Decimal("4")),
        StatusChange(idea_id=idea.id, from_status="submitted", to_status="accepted",
                     actor_id=moderator.id, message="We love this."),
        OutcomeReport(idea_id=idea.id, organisation_id=org.id, author_id=resident.id,
                      state="published", result="delivered", summary="Painted it.",
                      people_reached=120, volunteer_hours=Decimal("30.5"), spend_pence=12550,
                      story="Neighbours came together.", published_at=utcnow(),
                      published_by_id=moderator.id),
        OutcomeReport(idea_id=hidden.id, author_id=resident.id, state="published",
                      result="delivered", summary="Hidden outcome summary",
                      published_at=utcnow()),
    ])
    db.session.commit()
    return {"idea": idea, "other": other, "hidden": hidden, "ward": ward, "category": category,
            "resident": resident, "moderator": moderator}


def _csv_rows(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"))))


def _json(response):
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = json.loads(response.get_data())
    assert document["licence"] == "Open Government Licence v3.0"
    assert document["generated_at"]
    return document


def test_ideas_csv_has_a_header_and_one_row_per_public_idea(client, published):
    rows = _csv_rows(client.get("/ideas.csv"))
    assert [r["title"] for r in rows] == ["Paint the castle playground",
                                          "A bench by the “river”, café & more"]
    first = rows[0]
    assert first["ward"] == "Castle" and first["category"] == "Play"
    assert first["status"] == "delivered" and first["status_label"] == "Delivered"
    assert first["url"].endswith(f"/ideas/{published['idea'].id}")
    assert first["first_response_at"]


def test_ideas_json_lists_the_same_ideas(client, published):
    document = _json(client.get("/ideas.json"))
    assert [i["title"] for i in document["items"]] == ["Paint the castle playground",
                                                       "A bench by the “river”, café & more"]


def test_ideas_downloads_follow_the_ward_filter(client, published):
    ward_id = published["ward"].id
    rows = _csv_rows(client.get(f"/ideas.csv?ward_id={ward_id}"))
    assert [r["title"] for r in rows] == ["Paint the castle playground"]
    items = _json(client.get(f"/ideas.json?ward_id={ward_id}"))["items"]
    assert len(items) == 1


def test_outcomes_csv_and_json_give_figures_in_plain_units(client, published):
    rows = _csv_rows(client.get("/outcomes.csv"))
    assert len(rows) == 1
    row = rows[0]
    assert row["organisation"] == "Castle Friends Trust"
    assert (row["people_reached"], row["volunteer_hours"], row["spend_pounds"]) == (
        "120", "30.5", "125.5")
    item = _json(client.get("/outcomes.json"))["items"][0]
    assert item["spend_pounds"] == 125.5 and item["people_reached"] == 120
    assert item["idea_title"] == "Paint the castle playground"


def test_accountability_csv_gives_each_table(client, published):
    summary = _csv_rows(client.get("/accountability.csv"))
    assert len(summary) == 1
    assert summary[0]["ideas_received"] == "2"
    assert summary[0]["response_target_days"] == "20"
    statuses = _csv_rows(client.get("/accountability.csv?table=decisions_by_status"))
    assert {r["status"]: r["ideas"] for r in statuses}["delivered"] == "1"
    assert len(_csv_rows(client.get("/accountability.csv?table=by_month"))) == 12
    wards = _csv_rows(client.get("/accountability.csv?table=by_ward"))
    assert {r["ward"] for r in wards} >= {"Castle"}
    assert client.get("/accountability.csv?table=users").status_code == 404


def test_accountability_json_has_every_table(client, published):
    document = _json(client.get("/accountability.json"))
    assert document["totals"]["ideas_received"] == 2
    assert {"decisions_by_status", "by_month", "by_ward", "by_category"} <= set(document)


def test_hidden_ideas_are_in_no_download(client, published):
    for path in DOWNLOADS:
        body = client.get(path).get_data(as_text=True)
        assert "Secret hidden idea title" not in body, path
        assert "Hidden outcome summary" not in body, path


@pytest.mark.parametrize("path", DOWNLOADS + FEEDS)
def test_no_personal_data_in_any_export_or_feed(client, published, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for secret in (SECRET_EMAIL, SECRET_NAME, STAFF_EMAIL, STAFF_NAME, "example.org"):
        assert secret.lower() not in body.lower(), (path, secret)
    if path.endswith(".json"):
        keys = _all_keys(json.loads(body))
        assert not keys & {"email", "author", "author_id", "user_id", "display_name", "actor",
                           "actor_id"}, path


def _all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_all_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_all_keys(v) for v in value)) if value else set()
    return set()


def test_csv_is_utf8_and_round_trips_special_characters(client, published):
    raw = client.get("/ideas.csv").get_data()
    raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0][0] == "reference"
    assert rows[2][rows[0].index("title")] == "A bench by the “river”, café & more"
