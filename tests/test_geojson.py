"""Open GeoJSON (RFC 7946): /ideas.geojson and /assets.geojson.

The documents are checked against the RFC by a small validator written from its text
(sections 3.1.1, 3.1.2, 3.2, 3.3, 4 and 9): nothing in the virtualenv validates GeoJSON, and
the rules that matter here are few.
"""

from __future__ import annotations

import json
import math

import pytest

from citizenideas.extensions import db
from citizenideas.models import Idea
from citizenideas.services import geojson


def rfc7946_problems(document) -> list[str]:
    """What makes ``document`` not a GeoJSON FeatureCollection of Points per RFC 7946."""
    problems = []
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return ["the top level is not an object of type FeatureCollection (3.3)"]
    if not isinstance(document.get("features"), list):
        return ["a FeatureCollection has a 'features' array (3.3)"]
    if "crs" in document:
        problems.append("no 'crs' member: RFC 7946 coordinates are always WGS 84 (4)")
    for n, feature in enumerate(document["features"]):
        where = f"feature {n}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"{where}: not an object of type Feature (3.2)")
            continue
        if "geometry" not in feature or "properties" not in feature:
            problems.append(f"{where}: a Feature has 'geometry' and 'properties' members (3.2)")
            continue
        if not (feature["properties"] is None or isinstance(feature["properties"], dict)):
            problems.append(f"{where}: 'properties' is an object or null (3.2)")
        if "id" in feature and not isinstance(feature["id"], str | int | float):
            problems.append(f"{where}: 'id' is a string or a number (3.2)")
        geometry = feature["geometry"]
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            problems.append(f"{where}: the geometry is not a Point (3.1.2)")
            continue
        position = geometry.get("coordinates")
        if (not isinstance(position, list) or len(position) not in (2, 3)
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) for v in position)):
            problems.append(f"{where}: a position is an array of 2 or 3 numbers (3.1.1)")
            continue
        lon, lat = position[0], position[1]
        if not -180 <= lon <= 180 or not -90 <= lat <= 90:
            problems.append(f"{where}: [longitude, latitude] out of range (3.1.1, 4)")
    return problems


def test_the_validator_catches_what_it_should():
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.69, 52.62]},
             "properties": {}}
    assert rfc7946_problems({"type": "FeatureCollection", "features": [point]}) == []
    swapped = dict(point, geometry={"type": "Point", "coordinates": [152.62, -91.0]})
    assert rfc7946_problems({"type": "FeatureCollection", "features": [swapped]})
    assert rfc7946_problems({"type": "FeatureCollection",
                             "features": [dict(point, geometry={"type": "Point",
                                                                "coordinates": ["1", 2]})]})
    assert rfc7946_problems({"type": "Feature"})
    assert rfc7946_problems({"type": "FeatureCollection", "features": [point], "crs": {}})


@pytest.fixture
def places(make):
    """Two wards and categories, ideas with and without points, one hidden, and places."""
    north, south = make.ward("North"), make.ward("South")
    parks, roads = make.category("Parks"), make.category("Roads")
    author = make.user(display_name="Priya Secretname", email="priya.secret@example.org")
    ideas = {
        "park": make.idea(author=author, title="Wildflower meadow in the park", ward=north,
                          category=parks, lat=52.6251, lon=-1.7002, status="accepted"),
        "road": make.idea(author=author, title="Safer crossing on the high road", ward=south,
                          category=roads, lat=52.6102, lon=-1.6810),
        "nowhere": make.idea(author=author, title="Friday repair cafe somewhere", ward=north,
                             category=parks),
        "hidden": make.idea(author=author, title="Hidden idea with a point on the map",
                            ward=north, category=parks, lat=52.62, lon=-1.69, hidden=True),
        "withdrawn": make.idea(author=author, title="Withdrawn idea with a point",
                               ward=north, category=parks, lat=52.621, lon=-1.691,
                               status="withdrawn"),
    }
    assets = {
        "library": make.asset(name="Central Library", kind="library", ward=north,
                              lat=52.6222, lon=-1.6950),
        "hall": make.asset(name="Brook Hall", kind="hall", ward=south, lat=52.6111,
                           lon=-1.7011, community_status="community_run"),
        "unmapped": make.asset(name="Old Baths", kind="pool", ward=south),
    }
    return {"ideas": ideas, "assets": assets, "wards": (north, south),
            "categories": (parks, roads)}


def _get(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/geo+json"
    document = json.loads(response.data)
    assert rfc7946_problems(document) == []
    return document, response


def _titles(document) -> set[str]:
    return {f["properties"]["title"] for f in document["features"]}


def test_ideas_geojson_is_rfc7946_points_of_public_ideas_with_a_place(client, places):
    document, response = _get(client, "/ideas.geojson")
    assert _titles(document) == {"Wildflower meadow in the park",
                                 "Safer crossing on the high road"}
    park = places["ideas"]["park"]
    feature = next(f for f in document["features"] if f["id"] == park.id)
    # [longitude, latitude]: x before y, as RFC 7946 says.
    assert feature["geometry"] == {"type": "Point", "coordinates": [-1.7002, 52.6251]}
    assert feature["properties"] == {
        "id": park.id, "reference": park.reference, "title": park.title, "status": "accepted",
        "status_label": "Accepted", "ward": "North", "category": "Parks",
        "url": f"http://localhost/ideas/{park.id}"}
    assert document["numberMatched"] == document["numberReturned"] == 2
    assert "Link" not in response.headers


def test_geojson_carries_no_personal_data(client, places):
    for path in ("/ideas.geojson", "/assets.geojson", "/ideas.geojson?status=withdrawn"):
        body = client.get(path).get_data(as_text=True)
        for secret in ("Priya", "Secretname", "priya.secret", "@example.org", "author",
                       "email", "user_id"):
            assert secret.lower() not in body.lower(), (path, secret)


def test_hidden_ideas_are_never_in_the_geojson_even_for_moderators(client, places, make, auth):
    moderator = make.user(role="moderator")
    auth.sign_in(moderator.email)
    document, _response = _get(client, "/ideas.geojson")
    assert "Hidden idea with a point on the map" not in _titles(document)
    assert places["ideas"]["hidden"].id not in {f["id"] for f in document["features"]}


@pytest.mark.parametrize("query, expected", [
    ("ward={north}", {"Wildflower meadow in the park"}),
    ("ward_id={south}", {"Safer crossing on the high road"}),
    ("category={roads}", {"Safer crossing on the high road"}),
    ("status=accepted", {"Wildflower meadow in the park"}),
    ("status=withdrawn", {"Withdrawn idea with a point"}),
    ("q=meadow", {"Wildflower meadow in the park"}),
    ("q=the", set()),  # nothing searchable
    ("ward=not-a-number", {"Wildflower meadow in the park", "Safer crossing on the high road"}),
])
def test_ideas_geojson_takes_the_filters_of_the_ideas_list(client, places, query, expected):
    north, south = places["wards"]
    parks, roads = places["categories"]
    path = "/ideas.geojson?" + query.format(north=north.id, south=south.id, roads=roads.id)
    document, _response = _get(client, path)
    assert _titles(document) == expected


def test_assets_geojson_lists_places_with_a_point_and_their_kind(client, places):
    document, _response = _get(client, "/assets.geojson")
    assert _titles(document) == {"Central Library", "Brook Hall"}
    hall = places["assets"]["hall"]
    feature = next(f for f in document["features"] if f["id"] == hall.id)
    assert feature["geometry"]["coordinates"] == [-1.7011, 52.6111]
    assert feature["properties"] == {
        "id": hall.id, "title": "Brook Hall", "kind": "hall", "kind_label": "Hall",
        "community_status": "community_run", "community_status_label": "Run by the community",
        "ward": "South", "url": f"http://localhost/assets/{hall.id}"}
    south = places["wards"][1]
    filtered, _response = _get(client, f"/assets.geojson?ward_id={south.id}&kind=hall")
    assert _titles(filtered) == {"Brook Hall"}
    by_status, _response = _get(client, "/assets.geojson?community_status=council_run")
    assert _titles(by_status) == {"Central Library"}


def test_a_retired_place_is_not_on_the_map(client, places):
    from citizenideas.models import utcnow

    places["assets"]["library"].retired_at = utcnow()
    db.session.commit()
    document, _response = _get(client, "/assets.geojson")
    assert _titles(document) == {"Brook Hall"}


def test_large_collections_come_in_pages_with_a_next_link(client, places, monkeypatch):
    monkeypatch.setattr(geojson, "PAGE_SIZE", 1)
    first, response = _get(client, "/ideas.geojson?ward_id=")
    assert first["numberMatched"] == 2 and first["numberReturned"] == 1
    next_link = [link["href"] for link in first["links"] if link["rel"] == "next"]
    assert next_link == ["http://localhost/ideas.geojson?ward_id=&page=2"]
    assert response.headers["Link"] == f'<{next_link[0]}>; rel="next"'
    second, response = _get(client, "/ideas.geojson?ward_id=&page=2")
    assert second["numberReturned"] == 1
    assert not [link for link in second["links"] if link["rel"] == "next"]
    assert _titles(first) | _titles(second) == {"Wildflower meadow in the park",
                                                "Safer crossing on the high road"}


def test_the_geojson_is_cached_for_visitors_and_changes_with_the_data(client, places):
    first = client.get("/ideas.geojson")
    assert first.headers.get("X-Cache") == "miss"
    assert client.get("/ideas.geojson").headers.get("X-Cache") == "hit"
    idea = db.session.get(Idea, places["ideas"]["nowhere"].id)
    idea.lat, idea.lon = 52.63, -1.70
    db.session.commit()
    again = client.get("/ideas.geojson")
    assert again.headers.get("X-Cache") == "miss"
    assert "Friday repair cafe somewhere" in _titles(json.loads(again.data))


def test_the_open_data_section_links_the_geojson_beside_csv_and_json(client, places):
    page = client.get("/accountability").get_data(as_text=True)
    assert 'href="/ideas.geojson"' in page
    assert 'href="/assets.geojson"' in page
    assert "Ideas on a map (GeoJSON)" in page
