"""Where an idea is: the point on the map its proposer or staff set, the rules for it, and the
map pages (with JavaScript off they are lists; the map itself is tested in the browser)."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.models import AuditLog, Idea, SiteSetting
from citizenideas.services import ideas
from citizenideas.services.places_on_map import clean_point, distance_km, parse_centre
from tests.conftest import csrf_token

DESCRIPTION = "Neighbours meet once a month to fix bikes, toasters and clothes together."
CENTRE = (52.6210, -1.6930)  # MAP_CENTRE's default (the demo council)


@pytest.fixture
def resident(make, auth):
    user = make.user(email="resident@example.org", display_name="Rita")
    auth.sign_in(user.email)
    return user


@pytest.fixture
def token(client, resident):
    return csrf_token(client, "/me")


@pytest.fixture
def choices(make):
    return {"ward": make.ward(), "category": make.category()}


def _proposal(token, choices, **extra) -> dict:
    return {"csrf_token": token, "title": "Repair cafe in the library hall",
            "description": DESCRIPTION, "category_id": choices["category"].id,
            "ward_id": choices["ward"].id, "similar_seen": "1", **extra}


def _newest_idea() -> Idea:
    return db.session.scalars(db.select(Idea).order_by(Idea.id.desc())).first()


# ------------------------------------------------------------------ the rules

@pytest.mark.parametrize("lat, lon", [(None, None), ("", ""), ("  ", None)])
def test_no_point_is_fine(app, lat, lon):
    errors: dict = {}
    assert clean_point(lat, lon, errors) == (None, None) and errors == {}


@pytest.mark.parametrize("lat, lon", [("52.6251", "-1.7002"), (52.6251, -1.7002),
                                      ("+52.6251", " -1.7002 ")])
def test_a_point_is_read_from_numbers_or_form_text(app, lat, lon):
    errors: dict = {}
    assert clean_point(lat, lon, errors) == (52.6251, -1.7002) and errors == {}


@pytest.mark.parametrize("lat, lon, field", [
    ("52.62", "", "lon"),  # both or neither
    ("", "-1.69", "lat"),
    ("91", "-1.69", "lat"),  # out of range
    ("52.62", "-181", "lon"),
    ("fifty-two", "-1.69", "lat"),  # not a number
    ("52,62", "-1.69", "lat"),  # a comma for a decimal point
    ("nan", "-1.69", "lat"),
    ("inf", "-1.69", "lat"),
    ("1e1", "-1.69", "lat"),
    (float("nan"), -1.69, "lat"),
    (True, -1.69, "lat"),
    ("48.8566", "2.3522", "lat"),  # Paris: outside the council's area
])
def test_a_bad_point_is_refused_on_the_field_that_is_wrong(app, lat, lon, field):
    errors: dict = {}
    assert clean_point(lat, lon, errors) == (None, None)
    assert list(errors) == [field]


def test_the_area_check_follows_the_admins_centre_and_can_be_switched_off(app):
    paris = ("48.8566", "2.3522")
    db.session.add(SiteSetting(key="MAP_CENTRE", value="48.8500,2.3500"))
    db.session.commit()
    from flask import g

    g.pop("_site_settings", None)
    errors: dict = {}
    assert clean_point(*paris, errors) == (48.8566, 2.3522) and errors == {}
    app.config["MAP_RADIUS_KM"] = 0
    g.pop("_site_settings", None)
    assert clean_point("-33.8688", "151.2093", errors) == (-33.8688, 151.2093)


def test_distance_and_centre_parsing(app):
    assert round(distance_km((52.6210, -1.6930), (52.4862, -1.8904))) == 20  # to Birmingham
    assert parse_centre("52.6210, -1.6930") == (52.621, -1.693)
    for bad in ("", "52.6", "52.6,-1.6,3", "x,y", "95,0", "0,200"):
        assert parse_centre(bad) is None


# ------------------------------------------------------------------ proposing and editing

def test_proposing_with_a_point_keeps_it(client, token, choices):
    response = client.post("/ideas/new", data=_proposal(token, choices, lat="52.6251",
                                                        lon="-1.7002"))
    assert response.status_code == 303
    idea = _newest_idea()
    assert (idea.lat, idea.lon) == (52.6251, -1.7002)


def test_proposing_without_a_point_or_javascript_still_works(client, token, choices):
    response = client.post("/ideas/new", data=_proposal(token, choices,
                                                        location_text="Behind the library"))
    assert response.status_code == 303
    idea = _newest_idea()
    assert idea.lat is None and idea.location_text == "Behind the library"


def test_an_idea_about_a_community_place_is_where_the_place_is(client, token, choices, make):
    hall = make.asset(name="Brook Hall", lat=52.6111, lon=-1.7011)
    client.post("/ideas/new", data=_proposal(token, choices, asset_id=hall.id))
    idea = _newest_idea()
    assert (idea.lat, idea.lon) == (52.6111, -1.7011)
    # A point of its own wins over the place's.
    client.post("/ideas/new", data=_proposal(token, choices, asset_id=hall.id,
                                             title="Another idea about the hall",
                                             lat="52.6112", lon="-1.7012"))
    assert (_newest_idea().lat, _newest_idea().lon) == (52.6112, -1.7012)


def test_a_bad_point_shows_the_form_again_with_the_error_on_the_field(client, token, choices):
    response = client.post("/ideas/new", data=_proposal(token, choices, lat="52.62", lon=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#lon"' in page  # the error summary links to the field
    assert "Enter both the latitude and the longitude, or neither" in page
    assert 'value="52.62"' in page  # what was typed is kept
    assert "<details class=\"govuk-details\" id=\"map-position\" open>" in page
    assert _newest_idea() is None


def test_the_no_js_confirm_step_keeps_the_point(client, token, choices, make):
    make.idea(title="Repair cafe in the community centre", status="accepted")
    fields = _proposal(token, choices, lat="52.6251", lon="-1.7002")
    fields.pop("similar_seen")
    confirm = client.post("/ideas/new", data=fields)
    page = confirm.get_data(as_text=True)
    assert 'name="lat" value="52.6251"' in page and 'name="lon" value="-1.7002"' in page
    client.post("/ideas/new", data={**fields, "confirmed": "1"})
    assert (_newest_idea().lat, _newest_idea().lon) == (52.6251, -1.7002)


def test_the_author_moves_removes_or_keeps_the_point_when_editing(client, token, resident,
                                                                   choices, make):
    idea = make.idea(author=resident, ward=choices["ward"], category=choices["category"],
                     lat=52.62, lon=-1.69)
    form = {"csrf_token": token, "title": idea.title, "description": idea.description,
            "category_id": idea.category_id, "ward_id": idea.ward_id}
    page = client.get(f"/ideas/{idea.id}/edit").get_data(as_text=True)
    assert 'value="52.62"' in page and 'value="-1.69"' in page
    assert client.post(f"/ideas/{idea.id}/edit", data={**form, "lat": "52.63",
                                                       "lon": "-1.70"}).status_code == 303
    db.session.refresh(idea)
    assert (idea.lat, idea.lon) == (52.63, -1.70)
    client.post(f"/ideas/{idea.id}/edit", data=form)  # no map fields at all: kept
    db.session.refresh(idea)
    assert (idea.lat, idea.lon) == (52.63, -1.70)
    client.post(f"/ideas/{idea.id}/edit", data={**form, "lat": "", "lon": ""})
    db.session.refresh(idea)
    assert idea.lat is None and idea.lon is None


def test_the_api_sets_and_keeps_the_point(app, make, choices):
    author = make.user()
    idea = ideas.propose_idea(author, title="Benches along the canal path",
                              description=DESCRIPTION, category_id=choices["category"].id,
                              ward_id=choices["ward"].id, lat=52.62, lon=-1.69)
    ideas.edit_idea(author, idea, title="Benches along the canal towpath",
                    description=DESCRIPTION, category_id=idea.category_id,
                    ward_id=idea.ward_id)
    assert (idea.lat, idea.lon) == (52.62, -1.69)
    from citizenideas.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        ideas.edit_idea(author, idea, title=idea.title, description=DESCRIPTION,
                        category_id=idea.category_id, ward_id=idea.ward_id, lat=52.62)
    assert set(refused.value.errors) == {"lon"}


# ------------------------------------------------------------------ staff correct the point

@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="mod@example.org")
    auth.sign_in(user.email)
    return user


def test_staff_set_and_correct_the_point_from_the_triage_page(client, make, moderator):
    idea = make.idea(title="Crossing by the school gates", status="under_review")
    token = csrf_token(client, f"/council/ideas/{idea.id}")
    page = client.get(f"/council/ideas/{idea.id}").get_data(as_text=True)
    assert 'id="panel-location"' in page and "Not on the map." in page
    response = client.post(f"/council/ideas/{idea.id}/location",
                           data={"csrf_token": token, "lat": "52.6239", "lon": "-1.6905"})
    assert response.status_code == 303
    db.session.refresh(idea)
    assert (idea.lat, idea.lon) == (52.6239, -1.6905)
    entry = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "idea.location")
                               ).one()
    assert entry.actor_id == moderator.id and entry.after == {"lat": 52.6239, "lon": -1.6905}
    # Corrected by HTMX: the panel comes back with the new point.
    response = client.post(f"/council/ideas/{idea.id}/location",
                           data={"csrf_token": token, "lat": "52.6240", "lon": "-1.6906"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Latitude 52.624, longitude -1.6906." in response.get_data(as_text=True)


def test_a_bad_correction_is_refused_in_the_panel(client, make, moderator):
    idea = make.idea(lat=52.62, lon=-1.69)
    token = csrf_token(client, f"/council/ideas/{idea.id}")
    response = client.post(f"/council/ideas/{idea.id}/location",
                           data={"csrf_token": token, "lat": "152", "lon": "-1.69"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Enter a latitude between -90 and 90" in response.get_data(as_text=True)
    db.session.refresh(idea)
    assert (idea.lat, idea.lon) == (52.62, -1.69)


def test_residents_cannot_correct_the_point(client, make, resident):
    idea = make.idea(author=resident, lat=52.62, lon=-1.69)
    token = csrf_token(client, "/me")
    response = client.post(f"/council/ideas/{idea.id}/location",
                           data={"csrf_token": token, "lat": "52.7", "lon": "-1.6"})
    assert response.status_code in (403, 404)
    db.session.refresh(idea)
    assert (idea.lat, idea.lon) == (52.62, -1.69)


# ------------------------------------------------------------------ map pages and settings

def test_the_ideas_map_page_is_the_list_with_a_map_that_starts_with_javascript(client, make):
    make.idea(title="Wildflower meadow in the park", lat=52.6251, lon=-1.7002)
    ward = make.ward(name="Riverside")
    make.idea(title="Litter pick by the river", ward=ward)
    response = client.get(f"/ideas/map?ward={ward.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Litter pick by the river" in page and "Wildflower meadow" not in page
    assert "data-ci-map-block hidden" in page  # no map without JavaScript
    assert f"/ideas.geojson?ward={ward.id}" in page  # the map's data: the same filters
    assert "Skip the map" in page
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy
    assert "connect-src 'self';" in policy


def test_only_pages_with_a_map_may_load_tiles(client):
    for path in ("/", "/ideas", "/accountability"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert "img-src 'self' data:;" in policy, path
    assert "tile.openstreetmap.org" in client.get("/assets").headers["Content-Security-Policy"]


def test_the_map_view_is_an_admin_setting(client, make, auth):
    admin = make.user(role="admin")
    auth.sign_in(admin.email)
    token = csrf_token(client, "/admin/settings")
    form = {"csrf_token": token, "COUNCIL_NAME": "Demo Borough Council",
            "COUNCIL_SHORT_NAME": "Demo", "COUNCIL_LOGO_URL": "", "COUNCIL_COLOUR": "#1d5e7a",
            "RESPONSE_TARGET_DAYS": "20", "DECISION_TARGET_DAYS": "56",
            "CONTACT_EMAIL": "ideas@example.org"}
    bad = client.post("/admin/settings", data={**form, "MAP_CENTRE": "somewhere",
                                               "MAP_ZOOM": "25"})
    assert bad.status_code == 422
    assert 'href="#MAP_CENTRE"' in bad.get_data(as_text=True)
    assert 'href="#MAP_ZOOM"' in bad.get_data(as_text=True)
    good = client.post("/admin/settings", data={**form, "MAP_CENTRE": "52.7, -1.8",
                                                "MAP_ZOOM": "12"})
    assert good.status_code == 303
    page = client.get("/ideas/map").get_data(as_text=True)
    assert 'data-lat="52.7" data-lon="-1.8" data-zoom="12"' in page
    # Left empty: the configuration's values again.
    client.post("/admin/settings", data={**form, "MAP_CENTRE": "", "MAP_ZOOM": ""})
    page = client.get("/ideas/map").get_data(as_text=True)
    assert 'data-lat="52.621" data-lon="-1.693" data-zoom="14"' in page


def test_a_boosted_visit_to_a_map_page_is_asked_to_load_the_page_itself(client, make):
    # htmx would swap the page into a document whose policy does not allow the tiles.
    response = client.get("/ideas/map?ward=3", headers={"HX-Request": "true",
                                                        "HX-Boosted": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/ideas/map?ward=3"
    again = client.get("/ideas/map?ward=3", headers={"HX-Request": "true",
                                                     "HX-Boosted": "true"})
    assert again.status_code == 204  # never answered from the page cache
    # A page without a map is swapped in as usual.
    assert client.get("/ideas", headers={"HX-Request": "true",
                                         "HX-Boosted": "true"}).status_code == 200
