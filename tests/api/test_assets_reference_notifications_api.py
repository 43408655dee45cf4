"""The asset register, reference data, public figures and notifications through the API."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import Notification, Ward, utcnow

from .support import assert_problem


def test_assets_are_listed_filtered_and_read_by_anyone(api, make):
    ward = make.ward("Northgate")
    library = make.asset(name="Central Library", ward=ward)
    make.asset(name="Park", kind="park", community_status="community_run")
    make.asset(name="Old hall", kind="hall", retired_at=utcnow())
    body = api.get("/assets").get_json()
    assert [a["name"] for a in body["items"]] == ["Central Library", "Park"]
    assert api.get("/assets?kind=park").get_json()["total"] == 1
    assert api.get("/assets?community_status=community_run").get_json()["items"][0][
        "name"] == "Park"
    assert api.get(f"/assets?ward_id={ward.id}").get_json()["items"][0]["ward"] == {
        "id": ward.id, "name": "Northgate"}
    assert api.get(f"/assets/{library.id}").get_json()["name"] == "Central Library"
    assert_problem(api.get("/assets?kind=castle"), 422, "kind")
    assert_problem(api.get("/assets/424242"), 404)


def test_moderators_add_and_change_assets(api, make, people):
    ward = make.ward()
    fields = {"name": "Canal boathouse", "kind": "community_centre", "postcode": "sw1a1aa",
              "ward_id": ward.id, "uprn": "100023336956"}
    for who in (people.resident, people.partner):
        assert_problem(api.post("/assets", who, json=fields), 403)
    assert_problem(api.post("/assets", json=fields), 401)
    created = api.post("/assets", people.moderator, json=fields)
    assert created.status_code == 201
    asset = created.get_json()
    assert asset["postcode"] == "SW1A 1AA" and asset["community_status"] == "council_run"
    assert_problem(api.post("/assets", people.moderator, json=fields), 422, "uprn")
    assert_problem(api.post("/assets", people.moderator, json={"name": "", "kind": "park"}), 422,
                   "name")
    changed = api.patch(f"/assets/{asset['id']}", people.moderator,
                        json={"community_status": "community_run"})
    assert changed.get_json()["community_status"] == "community_run"
    assert changed.get_json()["name"] == "Canal boathouse"
    assert_problem(api.patch(f"/assets/{asset['id']}", people.resident, json={"name": "Mine"}),
                   403)
    assert_problem(api.patch(f"/assets/{asset['id']}", people.moderator,
                             json={"lat": 123.0}), 422, "lat")


def test_wards_and_categories_in_use_by_name(api, make):
    make.ward("Zeta"), make.ward("Alpha")
    retired = make.ward("Gone")
    db.session.get(Ward, retired.id).retired_at = utcnow()
    db.session.commit()
    make.category("Parks")
    assert [w["name"] for w in api.get("/wards").get_json()["items"]] == ["Alpha", "Zeta"]
    assert [c["name"] for c in api.get("/categories").get_json()["items"]] == ["Parks"]


def test_organisations_lists_verified_ones_only(api, make):
    make.organisation(name="Verified group")
    make.organisation(name="Waiting group", verified=False)
    response = api.get("/organisations?per_page=1")
    body = response.get_json()
    assert [o["name"] for o in body["items"]] == ["Verified group"] and body["total"] == 1
    assert 'rel="last"' in response.headers["Link"]


def test_stats_are_the_accountability_figures(api, make):
    ward = make.ward()
    make.idea(ward=ward), make.idea(status="delivered")
    body = api.get("/stats").get_json()
    assert body["totals"]["ideas_received"] == 2 and body["totals"]["ideas_delivered"] == 1
    assert api.get(f"/stats?ward_id={ward.id}").get_json()["totals"]["ideas_received"] == 1
    assert_problem(api.get("/stats?ward_id=0"), 422, "ward_id")


def _note(user, subject, read=False):
    note = Notification(user_id=user.id, kind="status_change", subject=subject, body="Body",
                        created_at=utcnow(), read_at=utcnow() if read else None,
                        email_state="skipped")
    db.session.add(note)
    db.session.commit()
    return note


def test_notifications_are_mine_only_and_can_be_marked_read(api, make):
    me, other = make.user(), make.user()
    first, _second = _note(me, "First"), _note(me, "Second")
    _note(me, "Old", read=True)
    theirs = _note(other, "Theirs")
    body = api.get("/notifications", me).get_json()
    assert body["total"] == 3
    assert api.get("/notifications?unread=true", me).get_json()["total"] == 2
    marked = api.post("/notifications/read", me, json={"ids": [first.id, theirs.id]})
    assert marked.get_json() == {"marked_read": 1}
    assert db.session.get(Notification, theirs.id).read_at is None
    assert api.post("/notifications/read", me, json={}).get_json() == {"marked_read": 1}
    assert api.get("/notifications?unread=true", me).get_json()["total"] == 0
    assert_problem(api.post("/notifications/read", me, json={"ids": ["x"]}), 422, "ids")
    assert_problem(api.get("/notifications"), 401)
