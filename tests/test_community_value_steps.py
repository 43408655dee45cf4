"""Assets of community value, step by step: every step is on the asset's public timeline and
its followers are told; one pending nomination per asset, even under a race; listings end
after five years (``flask acv-expire``); the statutory dates at month ends and in leap years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import Conflict
from citizenideas.extensions import db
from citizenideas.models import (
    AcvNomination,
    AssetEvent,
    CommunityAsset,
    Notification,
    Organisation,
    User,
)
from citizenideas.services import asset_timeline
from citizenideas.services import community_value as acv
from citizenideas.services import community_value_lists as lists

from .concurrency import race

REASONS = "The pub is the only place in the village where clubs and groups can meet."


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    member = make.user()
    follower = make.user()
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other", community_status="community_run")
    asset_timeline.follow_asset(follower, asset)
    db.session.commit()
    return staff, member, follower, org, asset


def events(asset) -> list[str]:
    return [e.event for e in asset_timeline.asset_timeline(asset).items]


def told(user: User, kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == kind)))


# --- the statutory dates ---------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),     # 31 January + 1 month
    (date(2028, 1, 31), 1, date(2028, 2, 29)),     # ... in a leap year
    (date(2024, 2, 29), 60, date(2029, 2, 28)),    # 29 February + 5 years
    (date(2028, 2, 29), 48, date(2032, 2, 29)),    # ... to another leap year
    (date(2026, 8, 30), 18, date(2028, 2, 29)),    # 30 August + 18 months (leap)
    (date(2027, 8, 30), 18, date(2029, 2, 28)),    # 30 August + 18 months
    (date(2026, 10, 31), 6, date(2027, 4, 30)),
    (date(2026, 12, 31), 6, date(2027, 6, 30)),
    (date(2026, 7, 31), 18, date(2028, 1, 31)),
])
def test_months_at_month_ends_and_in_leap_years(start, months, expected):
    assert acv.add_months(start, months) == expected


def test_five_years_from_29_february_ends_on_28_february():
    assert acv.add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert acv.add_years(date(2026, 11, 30), 5) == date(2031, 11, 30)


def test_a_notice_received_late_in_december_runs_into_the_next_year():
    dates = acv.moratorium_dates(date(2026, 12, 20))
    assert dates.interim_ends == date(2027, 1, 31)
    assert dates.full_ends == date(2027, 6, 20)
    assert dates.protected_ends == date(2028, 6, 20)


def test_a_notice_received_on_29_february():
    dates = acv.moratorium_dates(date(2028, 2, 29))
    assert dates.interim_ends == date(2028, 4, 11)
    assert dates.full_ends == date(2028, 8, 29)
    assert dates.protected_ends == date(2029, 8, 29)


# --- every step on the timeline, and the followers told ------------------------------------

def test_every_step_writes_one_timeline_entry_and_tells_the_followers(world, make):
    staff, member, follower, org, asset = world
    bidder = make.user()
    bidding = make.organisation(name="Red Lion Community Pub Ltd",
                                members=[(bidder, "manager")])
    nomination = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    assert events(asset) == ["nominated"]
    assert len(told(follower, "acv_nominated")) == 1
    assert told(member, "acv_nominated") == []           # the person who acted is not told
    acv.decide_nomination(staff, nomination, "listed", "It furthers social wellbeing.")
    acv.record_owner_told(staff, nomination)
    acv.record_owner_told(staff, nomination)             # a second time changes nothing
    received = acv.today() - timedelta(days=2)
    acv.record_notice_of_sale(staff, nomination, received)
    acv.register_intent_to_bid(bidder, nomination, bidding)
    db.session.commit()
    assert events(asset) == ["nominated", "listed", "owner_told", "notice_of_sale",
                             "intent_to_bid"]
    timeline = asset_timeline.asset_timeline(asset).items
    assert timeline[1].message == "It furthers social wellbeing."
    assert timeline[1].organisation_id == org.id
    assert timeline[3].message == received.isoformat()
    assert timeline[4].organisation_id == bidding.id
    for kind in ("acv_decided", "acv_owner_told", "acv_notice_of_sale", "acv_intent_to_bid"):
        assert len(told(follower, kind)) == 1, kind
    assert len(told(member, "acv_intent_to_bid")) == 1
    assert told(bidder, "acv_intent_to_bid") == []
    assert told(staff, "acv_decided") == []


def test_a_refusal_is_on_the_timeline_with_its_reason(world):
    staff, member, follower, org, asset = world
    nomination = acv.nominate_asset(staff, asset, group_name="Twenty-one villagers",
                                    reasons=REASONS)
    acv.decide_nomination(staff, nomination, "not_listed", "Its main use is not social.")
    db.session.commit()
    first, second = asset_timeline.asset_timeline(asset).items
    assert (first.event, first.message, first.organisation_id) == (
        "nominated", "Twenty-one villagers", None)
    assert (second.event, second.message) == ("not_listed", "Its main use is not social.")
    assert asset.community_status == "community_run"
    note = told(follower, "acv_decided")[0]
    assert "was not listed" in note.subject and "not social" in note.body


def test_an_unfollowed_asset_tells_nobody_who_stopped_following(world):
    staff, member, follower, org, asset = world
    assert asset_timeline.unfollow_asset(follower, asset)
    acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    db.session.commit()
    assert told(follower, "acv_nominated") == []


# --- one pending nomination per asset --------------------------------------------------------

def test_the_database_refuses_a_second_pending_nomination(world):
    staff, member, follower, org, asset = world
    acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    db.session.commit()
    db.session.add(AcvNomination(asset_id=asset.id, group_name="Others", reasons=REASONS,
                                 decision_due_on=acv.today(), state="nominated"))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()
    # A decided nomination does not count: the asset may be nominated again after a refusal.
    pending = acv.pending_nomination(asset)
    acv.decide_nomination(staff, pending, "not_listed", "Not this time.")
    again = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    db.session.commit()
    assert again.state == "nominated"


def test_two_nominations_at_once_give_one(app, make):
    for trial in range(3):
        members, orgs = [], []
        for _n in range(2):
            member = make.user()
            orgs.append(make.organisation(members=[(member, "manager")]))
            members.append(member)
        asset = make.asset(name=f"Contested {trial}")
        db.session.commit()

        def nominating(user_id, org_id, asset_id=asset.id):
            def load():
                user = db.session.get(User, user_id)
                org = db.session.get(Organisation, org_id)
                place = db.session.get(CommunityAsset, asset_id)
                return lambda: acv.nominate_asset(user, place, organisation=org,
                                                  reasons=REASONS)
            return load

        wins, refusals, errors = race(app, [nominating(m.id, o.id)
                                            for m, o in zip(members, orgs, strict=True)])
        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1
        assert isinstance(refusals[0], Conflict)
        assert db.session.scalar(select(func.count()).select_from(AcvNomination).where(
            AcvNomination.asset_id == asset.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(AssetEvent).where(
            AssetEvent.asset_id == asset.id, AssetEvent.event == "nominated")) == 1


# --- listings end after five years ----------------------------------------------------------

def listed_years_ago(world, years: int = 5, days: int = 1) -> AcvNomination:
    staff, member, follower, org, asset = world
    nomination = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    acv.decide_nomination(staff, nomination, "listed", "It furthers social wellbeing.")
    nomination.listed_on = acv.add_years(acv.today(), -years) - timedelta(days=days)
    nomination.listed_until = acv.add_years(nomination.listed_on, 5)
    db.session.commit()
    return nomination


def test_an_expired_listing_ends_once_and_the_status_goes_back(app, world):
    staff, member, follower, org, asset = world
    nomination = listed_years_ago(world)
    assert nomination.status_before_listing == "community_run"
    assert asset.community_status == "acv_listed"
    result = app.test_cli_runner().invoke(args=["acv-expire"])
    assert result.exit_code == 0, result.output
    assert "1 listing of assets of community value ended" in result.output
    db.session.expire_all()
    assert asset.community_status == "community_run"
    assert nomination.listing_ended_at is not None
    assert events(asset)[-1] == "listing_ended"
    assert len(told(follower, "acv_listing_ended")) == 1
    assert lists.listed_rows() == []
    again = app.test_cli_runner().invoke(args=["acv-expire"])
    assert "0 listings" in again.output
    db.session.expire_all()
    assert events(asset).count("listing_ended") == 1
    assert len(told(follower, "acv_listing_ended")) == 1


def test_a_listing_on_its_last_day_is_still_in_force(world):
    nomination = listed_years_ago(world, days=0)
    assert nomination.listed_until == acv.today()
    assert acv.end_expired_listings() == 0
    assert acv.current_listing(world[4]) is nomination
    assert acv.end_expired_listings(acv.today() + timedelta(days=1)) == 1


def test_a_status_changed_since_listing_is_left_alone(world):
    staff, member, follower, org, asset = world
    listed_years_ago(world)
    asset.community_status = "transferred"
    db.session.commit()
    assert acv.end_expired_listings() == 1
    assert asset.community_status == "transferred"


def test_two_expiry_runs_at_once_end_each_listing_once(app, world):
    listed_years_ago(world)
    wins, refusals, errors = race(app, [lambda: acv.end_expired_listings,
                                        lambda: acv.end_expired_listings])
    assert errors == [] and refusals == []
    assert sorted(wins) == [0, 1]
    assert events(world[4]).count("listing_ended") == 1


def test_an_ended_listing_is_shown_as_ended_and_the_place_may_be_nominated_again(client, auth,
                                                                                   world):
    staff, member, follower, org, asset = world
    listed_years_ago(world)
    acv.end_expired_listings()
    db.session.commit()
    auth.sign_in(member.email)
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Listing ended" in page and "govuk-tag--green" not in page
    assert "Nominate as an asset of community value" in page
    again = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    assert again.state == "nominated"
