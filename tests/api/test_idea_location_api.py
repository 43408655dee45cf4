"""The API's side of an idea's point on the map: set when proposing, moved, kept or removed
when the proposer edits, refused outside the council's area, and never in the list of
personal data."""

from __future__ import annotations

from tests.api.support import assert_problem

DESCRIPTION = "Neighbours plant and look after fruit trees along the path together."


def _proposal(make, **kw) -> dict:
    return {"title": "Fruit trees on the canal path", "description": DESCRIPTION,
            "category_id": make.category().id, "ward_id": make.ward().id} | kw


def test_the_proposer_sets_moves_keeps_and_removes_the_point(api, people, make):
    idea = api.post("/ideas", people.resident,
                    json=_proposal(make, lat=52.6251, lon=-1.7002)).get_json()
    assert (idea["lat"], idea["lon"]) == (52.6251, -1.7002)
    path = f"/ideas/{idea['id']}"
    moved = api.patch(path, people.resident, json={"lat": 52.63, "lon": -1.70}).get_json()
    assert (moved["lat"], moved["lon"]) == (52.63, -1.70)
    kept = api.patch(path, people.resident, json={"title": "Fruit trees on the towpath"})
    assert (kept.get_json()["lat"], kept.get_json()["lon"]) == (52.63, -1.70)
    removed = api.patch(path, people.resident, json={"lat": None, "lon": None}).get_json()
    assert removed["lat"] is None and removed["lon"] is None


def test_a_point_outside_the_area_or_half_a_point_is_refused(api, people, make):
    assert_problem(api.post("/ideas", people.resident,
                            json=_proposal(make, lat=48.8566, lon=2.3522)), 422, "lat")
    idea = api.post("/ideas", people.resident, json=_proposal(make)).get_json()
    assert_problem(api.patch(f"/ideas/{idea['id']}", people.resident, json={"lat": 52.62}),
                   422, "lon")
