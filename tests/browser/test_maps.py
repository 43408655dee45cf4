"""Maps at phone size, with every request that would leave 127.0.0.1 aborted (the tiles
never load, and the map must still work): the ideas and places as markers with accessible
names, the layer switch, the pin picker by keyboard; with JavaScript off, the list."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import Idea
from tests.factories import PASSWORD, Factory

from ..every_page import wait_for_map
from .conftest import assert_accessible, sign_in

# Spread around MAP_CENTRE's default, far enough apart to be markers of their own at zoom 14.
POINTS = [(52.6251, -1.7002), (52.6102, -1.6810), (52.6330, -1.6780), (52.6150, -1.7080)]


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def _ideas(make: Factory) -> list[Idea]:
    ward, category = make.ward(name="Castle Hill"), make.category(name="Parks")
    made = [make.idea(title=f"Wildflower meadow number {n}", ward=ward, category=category,
                      lat=lat, lon=lon, status="accepted")
            for n, (lat, lon) in enumerate(POINTS, 1)]
    # Three on one corner: a cluster.
    made += [make.idea(title=f"Street party number {n}", ward=ward, category=category,
                       lat=52.6180 + n * 0.00001, lon=-1.6900, status="accepted")
             for n in range(3)]
    make.idea(title="Repair cafe with no place", ward=ward, category=category)
    make.asset(name="Central Library", lat=52.6222, lon=-1.6950)
    return made


def test_the_ideas_map_draws_named_markers_without_any_other_site(js_page, live_server):
    page = js_page
    _ideas(Factory())
    page.goto(f"{live_server.url}/ideas/map")
    wait_for_map(page)
    markers = page.locator("#ideas-map .leaflet-marker-icon")
    expect(markers.first).to_be_visible()
    expect(page.locator("#ideas-map-summary")).to_contain_text("The map shows 7 ideas")
    # Every marker or cluster has an accessible name: the idea's title, or how many are there.
    cluster = page.locator("#ideas-map .marker-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_attribute("role", "button")
    expect(cluster).to_contain_text("3 ideas here. Zoom in to see them.")
    names = page.locator("#ideas-map img.leaflet-marker-icon").evaluate_all(
        "els => els.map(e => e.getAttribute('alt'))")
    assert sorted(names) == [f"Wildflower meadow number {n}" for n in range(1, 5)]
    # The popup links to the idea.
    page.locator("#ideas-map img.leaflet-marker-icon").first.click()
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_contain_text("Wildflower meadow number")
    assert "/ideas/" in popup_link.get_attribute("href")
    # The places are a second layer, off until chosen.
    expect(page.locator(".ci-place-marker")).to_have_count(0)
    page.get_by_label("Community places").check()
    expect(page.locator(".ci-place-marker")).to_have_count(1)
    expect(page.locator(".ci-place-marker")).to_have_attribute("title", "Central Library")
    # The same ideas are listed below the map, with the one that has no place.
    expect(page.locator("#idea-results")).to_contain_text("Repair cafe with no place")
    # The tiles were asked for, and stopped: nothing else left the machine.
    aborted = page.context.aborted_requests
    assert aborted and all("tile.openstreetmap.org" in url for url in aborted), aborted
    # Leaflet fades the popup in; axe measures colour contrast through any opacity left, so
    # wait until it is fully drawn (the fresh-clone run once measured it mid-fade).
    page.wait_for_function("() => [...document.querySelectorAll('.leaflet-popup')]"
                           ".every(p => getComputedStyle(p).opacity === '1')")
    assert_accessible(page)
    fits_the_phone(page)


def test_the_ideas_map_keeps_the_filters_of_the_list(js_page, live_server):
    page = js_page
    make = Factory()
    _ideas(make)
    other = make.ward(name="Northgate")
    make.idea(title="Bulb planting at the station", ward=other, lat=52.6352, lon=-1.6963)
    page.goto(f"{live_server.url}/ideas?ward={other.id}")
    page.get_by_role("link", name="Show these ideas on a map").click()
    wait_for_map(page)
    expect(page.locator("#ideas-map-summary")).to_contain_text("The map shows 1 idea.")
    expect(page.locator("#ideas-map img.leaflet-marker-icon")).to_have_attribute(
        "alt", "Bulb planting at the station")
    assert f"ward={other.id}" in page.url


def test_without_javascript_the_ideas_map_is_the_list(nojs_page, live_server):
    page = nojs_page
    _ideas(Factory())
    page.goto(f"{live_server.url}/ideas/map")
    expect(page.locator("[data-ci-map-block]")).to_be_hidden()
    expect(page.locator("#idea-results")).to_contain_text("8 ideas found")
    expect(page.locator("#idea-results")).to_contain_text("Wildflower meadow number 1")
    assert_accessible(page)
    fits_the_phone(page)


def test_the_places_page_has_the_same_map(js_page, live_server):
    page = js_page
    _ideas(Factory())
    page.goto(f"{live_server.url}/assets")
    wait_for_map(page)
    expect(page.locator("#places-map .ci-place-marker")).to_have_count(1)
    expect(page.locator("#places-map-summary")).to_contain_text("The map shows 1 community place")
    assert_accessible(page)
    fits_the_phone(page)


def test_the_pin_is_moved_by_keyboard_and_saved(js_page, live_server):
    page = js_page
    make = Factory()
    resident = make.user(email="rita@example.org", display_name="Rita")
    idea = make.idea(author=resident, title="Benches along the canal path",
                     lat=52.6210, lon=-1.6930)
    sign_in(page, live_server.url, resident.email, PASSWORD)
    page.goto(f"{live_server.url}/ideas/{idea.id}/edit")
    # The map position is already set, so its section is open and the picker has started.
    pin_map = page.locator("#pin-map")
    expect(pin_map).to_be_visible()
    expect(page.get_by_label("Latitude")).to_have_value("52.621")
    assert_accessible(page)
    fits_the_phone(page)
    pin_map.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowUp", "Shift+ArrowUp"):
        page.keyboard.press(key)
    announce = page.locator("[data-ci-pin-announce]")
    expect(announce).to_contain_text("Pin at latitude")
    lat = float(page.get_by_label("Latitude").input_value())
    lon = float(page.get_by_label("Longitude").input_value())
    assert lat > 52.6210 and lon > -1.6930
    assert f"{lat:.5f}" in announce.text_content()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main")).to_contain_text("Your changes have been saved")
    db.session.expire_all()
    saved = db.session.get(Idea, idea.id)
    assert (round(saved.lat, 6), round(saved.lon, 6)) == (round(lat, 6), round(lon, 6))


def test_proposing_puts_the_pin_on_a_community_place(js_page, live_server):
    page = js_page
    make = Factory()
    resident = make.user(email="rita@example.org", display_name="Rita")
    make.ward(name="Castle Hill")
    make.category(name="Parks")
    make.asset(name="Central Library", lat=52.6222, lon=-1.6950)
    sign_in(page, live_server.url, resident.email, PASSWORD)
    page.goto(f"{live_server.url}/ideas/new")
    page.get_by_text("Mark the place on a map (optional)").click()
    # The picker starts on the details element's toggle event, which comes a moment after
    # the click: wait for its map (Leaflet's class) before choosing, or the choice may come
    # before the picker listens for it.
    expect(page.locator("#pin-map")).to_have_class(re.compile(r"\bleaflet-container\b"))
    page.get_by_label("Community place (optional)").select_option(label="Central Library")
    expect(page.get_by_label("Latitude")).to_have_value("52.622200")
    expect(page.locator("[data-ci-pin-announce]")).to_contain_text("community place")
    assert_accessible(page)
    fits_the_phone(page)
