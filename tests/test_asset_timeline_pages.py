"""An asset's public timeline and the Follow / Stop following button on its page, the places a
resident follows on /me, and the council's view of the 8-week deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import ASSET_EVENTS, AssetEvent, AssetFollow, utcnow
from citizenideas.services import asset_timeline
from citizenideas.services import community_value as acv
from citizenideas.web.asset_timeline import EVENT_SENTENCES

from .conftest import csrf_token

REASONS = "The pub is the only place in the village where clubs and groups can meet."


@pytest.fixture
def world(make):
    staff = make.user(role="moderator", display_name="Morag Moderator")
    member = make.user(display_name="Mina Member")
    resident = make.user(display_name="Rhys Resident")
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other", address="1 High Street")
    db.session.commit()
    return staff, member, resident, org, asset


def page_of(client, asset) -> str:
    response = client.get(f"/assets/{asset.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_kind_of_entry_has_one_sentence():
    assert set(EVENT_SENTENCES) == set(ASSET_EVENTS)


def test_the_timeline_tells_each_step_with_the_organisation_and_no_personal_data(
        client, world, make):
    staff, member, resident, org, asset = world
    bidder = make.user(display_name="Bea Bidder")
    bidding = make.organisation(name="Red Lion Community Pub Ltd", members=[(bidder, "manager")])
    nomination = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, nomination, "listed", "It is the heart of village life.")
    acv.record_owner_told(staff, nomination)
    received = acv.today() - timedelta(days=3)
    acv.record_notice_of_sale(staff, nomination, received)
    acv.register_intent_to_bid(bidder, nomination, bidding)
    db.session.commit()
    page = page_of(client, asset)
    timeline = page[page.index('id="timeline"'):]
    for sentence in (
            "Friends of the Red Lion nominated this place as an asset of community value.",
            "The council listed this place as an asset of community value for five years.",
            "It is the heart of village life.",
            "The council told the owner of its decision on the nomination.",
            "The owner gave notice of intent to sell.",
            "Red Lion Community Pub Ltd registered its intent to bid"):
        assert sentence in timeline, sentence
    dates = acv.moratorium_dates(received)
    assert f"the protected period ends on {dates.protected_ends.day} " in timeline
    # In order, oldest first.
    assert timeline.index("nominated this place") < timeline.index("told the owner") \
        < timeline.index("registered its intent")
    for person in (staff, member, bidder):
        assert person.display_name not in page and person.email not in page


def test_a_group_nomination_and_a_refusal_read_as_sentences(client, world):
    staff, member, resident, org, asset = world
    nomination = acv.nominate_asset(staff, asset, group_name="Twenty-one villagers",
                                    reasons=REASONS)
    acv.decide_nomination(staff, nomination, "not_listed", "A <b>shop</b> is not social.")
    db.session.commit()
    timeline = page_of(client, asset).split('id="timeline"')[1]
    assert "Twenty-one villagers nominated this place" in timeline
    assert "decided not to list this place" in timeline
    assert "A &lt;b&gt;shop&lt;/b&gt; is not social." in timeline   # escaped


def test_every_kind_of_entry_shows_on_the_page(client, world):
    staff, member, resident, org, asset = world
    for kind in ASSET_EVENTS:
        message = acv.today().isoformat() if kind in ("notice_of_sale", "listing_ended") \
            else f"Message for {kind}"
        asset_timeline.add_asset_event(staff, asset, kind, message, organisation=org)
    db.session.commit()
    timeline = page_of(client, asset).split('id="timeline"')[1]
    assert timeline.count('<li class="ci-card">') == len(ASSET_EVENTS)
    assert "This place was transferred to Friends of the Red Lion." in timeline
    assert "Message for transfer_stage" in timeline


def test_a_long_timeline_is_paged_newest_first_and_nothing_is_out_of_reach(client, world):
    """205 entries: the page shows the newest 200 (oldest first within the page) and links to
    the earlier ones, which link back; a page past the end goes to the last; the API pages
    them oldest first. Before, only the newest 200 could ever be read."""
    staff, member, resident, org, asset = world
    start = utcnow() - timedelta(days=300)
    db.session.add_all([AssetEvent(asset_id=asset.id, event="details_changed",
                                   message=f"Entry number {n:03d}.", actor_id=staff.id,
                                   created_at=start + timedelta(hours=n)) for n in range(205)])
    db.session.commit()
    timeline = page_of(client, asset).split('id="timeline"')[1]
    assert timeline.count('<li class="ci-card">') == 200
    assert "Entry number 004." not in timeline and "Entry number 005." in timeline
    assert timeline.index("Entry number 005.") < timeline.index("Entry number 204.")
    assert "Page 1 of 2, the newest first" in timeline
    assert f'href="/assets/{asset.id}?timeline=2#timeline">Earlier entries' in timeline
    assert "Later entries" not in timeline
    earlier = client.get(f"/assets/{asset.id}?timeline=2").get_data(as_text=True)
    earlier = earlier.split('id="timeline"')[1]
    assert earlier.count('<li class="ci-card">') == 5 and "Entry number 000." in earlier
    assert f'href="/assets/{asset.id}#timeline">Later entries' in earlier
    assert "Earlier entries" not in earlier
    past = client.get(f"/assets/{asset.id}?timeline=7")
    assert past.status_code in (302, 303) and "timeline=2" in past.headers["Location"]
    api = client.get(f"/api/v1/assets/{asset.id}/timeline?per_page=100&page=3")
    body = api.get_json()
    assert body["total"] == 205 and body["page"] == 3
    assert [e["message"] for e in body["items"]] == [f"Entry number {n:03d}." for n in
                                                      range(200, 205)]
    assert 'rel="prev"' in api.headers["Link"]


def test_a_place_with_no_history_says_so(client, world):
    page = page_of(client, world[4])
    assert "Nothing has been recorded about this place yet." in page


def test_a_visitor_gets_a_link_to_sign_in_that_returns_to_the_place(client, world):
    asset = world[4]
    page = page_of(client, asset)
    assert "Sign in to follow this place" in page
    assert f"/sign-in?next=/assets/{asset.id}%23timeline" in page
    sent = client.post(f"/assets/{asset.id}/follow", data={"csrf_token": "stale"})
    assert sent.status_code in (302, 303)
    assert sent.headers["Location"].endswith(f"/sign-in?next=/assets/{asset.id}%23timeline")
    assert db.session.scalar(select(AssetFollow)) is None


def test_a_resident_follows_and_stops_following_without_javascript(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(resident.email)
    page = page_of(client, asset)
    assert "Follow this place" in page
    token = csrf_token(client, f"/assets/{asset.id}")
    followed = client.post(f"/assets/{asset.id}/follow", data={"csrf_token": token})
    assert followed.status_code == 303
    assert followed.headers["Location"].endswith(f"/assets/{asset.id}#timeline")
    page = page_of(client, asset)
    assert "You are following The Red Lion." in page           # the flash
    assert "Stop following" in page
    me = client.get("/me").get_data(as_text=True)
    assert "Places you follow" in me and "The Red Lion" in me
    # Pressing Follow again (another tab) changes nothing.
    client.post(f"/assets/{asset.id}/follow", data={"csrf_token": token})
    assert len(list(db.session.scalars(select(AssetFollow)))) == 1
    stopped = client.post(f"/assets/{asset.id}/follow",
                          data={"csrf_token": token, "action": "unfollow"})
    assert stopped.status_code == 303
    assert db.session.scalar(select(AssetFollow)) is None
    me = client.get("/me").get_data(as_text=True)
    assert "You are not following any places." in me


def test_with_htmx_the_button_swaps_in_place(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(resident.email)
    token = csrf_token(client, f"/assets/{asset.id}")
    answer = client.post(f"/assets/{asset.id}/follow", data={"csrf_token": token},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="asset-follow">')
    assert "Stop following" in html and "<html" not in html
    assert 'id="asset-follow-announce" data-hx-swap-oob="innerHTML"' in html
    assert db.session.scalar(select(AssetFollow.user_id)) == resident.id


def test_a_follow_without_the_csrf_token_is_refused(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(resident.email)
    answer = client.post(f"/assets/{asset.id}/follow", data={})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/assets/{asset.id}#timeline")
    assert "Nothing was changed" in page_of(client, asset)
    assert db.session.scalar(select(AssetFollow)) is None


def test_a_retired_place_cannot_be_followed_by_a_resident(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(resident.email)
    token = csrf_token(client, "/me")
    asset.retired_at = utcnow()
    db.session.commit()
    answer = client.post(f"/assets/{asset.id}/follow", data={"csrf_token": token})
    assert answer.status_code == 404
    assert db.session.scalar(select(AssetFollow)) is None


def test_followers_of_a_place_are_told_and_the_entry_is_on_the_page(client, auth, world):
    staff, member, resident, org, asset = world
    auth.sign_in(resident.email)
    token = csrf_token(client, f"/assets/{asset.id}")
    client.post(f"/assets/{asset.id}/follow", data={"csrf_token": token})
    acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    db.session.commit()
    notes = client.get("/me/notifications").get_data(as_text=True)
    assert "The Red Lion was nominated as an asset of community value" in notes
    assert db.session.scalar(select(AssetEvent.event)) == "nominated"


def test_the_council_sees_the_eight_week_deadline_and_the_overdue(client, auth, world, make):
    staff, member, resident, org, asset = world
    late = acv.nominate_asset(member, make.asset(name="Old Chapel"), organisation=org,
                              reasons=REASONS)
    late.submitted_at = utcnow() - timedelta(weeks=9)
    late.decision_due_on = late.submitted_at.date() + timedelta(weeks=8)
    acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    db.session.commit()
    auth.sign_in(staff.email)
    dashboard = client.get("/council").get_data(as_text=True)
    assert "Nominations to decide (assets of community value): <strong>2</strong>" in dashboard
    assert "(1 overdue)" in dashboard
    queue = client.get("/council/community-value").get_data(as_text=True)
    assert queue.index("Old Chapel") < queue.index("The Red Lion")
    assert queue.count("Overdue") == 1
