"""Assets of community value: who may nominate and decide, the statutory dates, the two
published lists, intents to bid only in the interim window, and one decision per race."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import AcvNomination, AuditLog, Notification, User, utcnow
from citizenideas.services import community_value as acv
from citizenideas.services import community_value_lists as lists

from .concurrency import race

REASONS = "The pub is the only place in the village where clubs and groups can meet."


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    member = make.user()
    resident = make.user()
    org = make.organisation(name="Friends of the Red Lion", members=[(member, "manager")])
    asset = make.asset(name="The Red Lion", kind="other")
    return staff, member, resident, org, asset


def nominate(world):
    staff, member, resident, org, asset = world
    nomination = acv.nominate_asset(member, asset, organisation=org, reasons=REASONS)
    db.session.commit()
    return nomination


def listed(world, *, received_on=None):
    staff = world[0]
    nomination = nominate(world)
    acv.decide_nomination(staff, nomination, "listed", "It furthers social wellbeing.")
    if received_on is not None:
        acv.record_notice_of_sale(staff, nomination, received_on)
    db.session.commit()
    return nomination


# --- date arithmetic ---------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),    # leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 60, date(2029, 2, 28)),
    (date(2026, 1, 31), 18, date(2027, 7, 31)),
    (date(2026, 3, 31), 18, date(2027, 9, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_months_are_added_with_month_ends_kept(start, months, expected):
    assert acv.add_months(start, months) == expected


def test_moratorium_dates_follow_from_the_date_the_notice_arrived():
    dates = acv.moratorium_dates(date(2026, 8, 31))
    assert dates.interim_ends == date(2026, 10, 12)      # + 6 weeks
    assert dates.full_ends == date(2027, 2, 28)          # + 6 months, month end kept
    assert dates.protected_ends == date(2028, 2, 29)     # + 18 months, leap year
    assert dates.interim_open(date(2026, 8, 31))
    assert dates.interim_open(date(2026, 10, 11))
    assert not dates.interim_open(date(2026, 10, 12))


# --- who may nominate and decide ----------------------------------------------------------

def test_a_verified_organisations_member_nominates_with_an_eight_week_deadline(world):
    nomination = nominate(world)
    assert nomination.state == "nominated"
    assert nomination.decision_due_on == nomination.submitted_at.date() + timedelta(weeks=8)
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "acv.nominate")) == 1


def test_a_resident_cannot_nominate_and_an_unverified_organisation_cannot(world, make):
    staff, member, resident, org, asset = world
    with pytest.raises(NotAllowed):
        acv.nominate_asset(resident, asset, organisation=org, reasons=REASONS)
    with pytest.raises(NotAllowed):
        acv.nominate_asset(resident, asset, group_name="Villagers", reasons=REASONS)
    unverified = make.organisation(verified=False, members=[(resident, "manager")])
    with pytest.raises(NotAllowed):
        acv.nominate_asset(resident, asset, organisation=unverified, reasons=REASONS)


def test_staff_record_a_group_of_local_peoples_nomination_with_its_name(world):
    staff, member, resident, org, asset = world
    with pytest.raises(ValidationFailed) as failed:
        acv.nominate_asset(staff, asset, group_name=" ", reasons="short")
    assert set(failed.value.errors) == {"group_name", "reasons"}
    nomination = acv.nominate_asset(staff, asset, group_name="Twenty-one villagers",
                                    reasons=REASONS)
    assert nomination.group_name == "Twenty-one villagers" and nomination.organisation is None


def test_an_asset_already_nominated_cannot_be_nominated_again(world):
    nominate(world)
    with pytest.raises(Conflict):
        acv.nominate_asset(world[1], world[4], organisation=world[3], reasons=REASONS)


def test_only_staff_decide_and_always_with_a_reason(world):
    staff, member, resident, org, asset = world
    nomination = nominate(world)
    for person in (resident, member):
        with pytest.raises(NotAllowed):
            acv.decide_nomination(person, nomination, "listed", "Because.")
    with pytest.raises(ValidationFailed) as failed:
        acv.decide_nomination(staff, nomination, "listed", "  ")
    assert set(failed.value.errors) == {"reason"}
    with pytest.raises(ValidationFailed) as failed:
        acv.decide_nomination(staff, nomination, "maybe", "Because.")
    assert set(failed.value.errors) == {"decision"}


def test_listing_lasts_five_years_sets_the_asset_status_and_tells_the_organisation(world):
    staff, member, resident, org, asset = world
    nomination = listed(world)
    decided = nomination.decided_at.date()
    assert nomination.listed_on == decided
    assert nomination.listed_until == acv.add_years(decided, 5)
    assert nomination.asset.community_status == "acv_listed"
    note = db.session.scalar(select(Notification).where(Notification.user_id == member.id,
                                                        Notification.kind == "acv_decided"))
    assert "The Red Lion" in note.subject and "social wellbeing" in note.body
    with pytest.raises(Conflict):
        acv.decide_nomination(staff, nomination, "not_listed", "Changed my mind.")


def test_the_owner_is_recorded_as_told_after_the_decision(world):
    staff = world[0]
    nomination = nominate(world)
    with pytest.raises(Conflict):
        acv.record_owner_told(staff, nomination)
    acv.decide_nomination(staff, nomination, "not_listed", "It is a private house.")
    acv.record_owner_told(staff, nomination)
    assert nomination.owner_told_at is not None
    assert nomination.asset.community_status == "council_run"


# --- the council's queue and the two published lists -------------------------------------

def test_the_queue_shows_overdue_nominations_first(world, make):
    staff, member, resident, org, asset = world
    later = nominate(world)
    older_asset = make.asset(name="Old Library")
    older = acv.nominate_asset(member, older_asset, organisation=org, reasons=REASONS)
    older.submitted_at = utcnow() - timedelta(weeks=9)
    older.decision_due_on = older.submitted_at.date() + timedelta(weeks=8)
    db.session.commit()
    queue = lists.nominations_to_decide()
    assert [n.id for n in queue] == [older.id, later.id]
    assert acv.is_overdue(older) and not acv.is_overdue(later)
    assert lists.queue_counts() == (2, 1)


def test_the_two_lists_carry_dates_and_reasons_and_no_personal_data(world, make):
    staff, member, resident, org, asset = world
    nomination = listed(world)
    refused_asset = make.asset(name="Corner Shop")
    refused = acv.nominate_asset(staff, refused_asset, group_name="Corner neighbours",
                                 reasons=REASONS)
    acv.decide_nomination(staff, refused, "not_listed", "A shop's main use is not social.")
    db.session.commit()
    [row] = lists.listed_rows()
    assert row["asset"] == "The Red Lion" and row["nominated_by"] == org.name
    assert row["listed_until"] == nomination.listed_until.isoformat()
    assert set(row) == set(lists.LISTED_FIELDS)
    [row] = lists.unsuccessful_rows()
    assert row["asset"] == "Corner Shop" and row["nominated_by"] == "Corner neighbours"
    assert row["decision_reason"] == "A shop's main use is not social."
    assert set(row) == set(lists.UNSUCCESSFUL_FIELDS)
    text = repr(lists.listed_rows()) + repr(lists.unsuccessful_rows())
    for person in (staff, member):
        assert person.email not in text and person.display_name not in text


# --- notice of sale and intent to bid ------------------------------------------------------

def test_an_intent_to_bid_inside_the_interim_window_triggers_the_full_moratorium(world, make):
    staff, member, resident, org, asset = world
    nomination = listed(world, received_on=acv.today() - timedelta(days=3))
    intent = acv.register_intent_to_bid(member, nomination, org)
    db.session.commit()
    assert intent.organisation_id == org.id
    [row] = lists.listed_rows()
    received = acv.today() - timedelta(days=3)
    assert row["interim_moratorium_ends"] == (received + timedelta(weeks=6)).isoformat()
    assert row["full_moratorium_ends"] == acv.add_months(received, 6).isoformat()
    assert row["protected_period_ends"] == acv.add_months(received, 18).isoformat()
    assert row["intents_to_bid"] == 1
    with pytest.raises(Conflict, match="already registered"):
        acv.register_intent_to_bid(member, nomination, org)
    with pytest.raises(NotAllowed):
        acv.register_intent_to_bid(resident, nomination, org)


def test_an_intent_to_bid_after_the_interim_window_is_refused(world):
    staff, member, resident, org, asset = world
    nomination = listed(world, received_on=acv.today() - timedelta(weeks=6))
    with pytest.raises(Conflict, match="interim moratorium ended"):
        acv.register_intent_to_bid(member, nomination, org)


def test_a_notice_of_sale_needs_a_real_past_date_and_a_listed_asset(world):
    staff = world[0]
    nomination = nominate(world)
    with pytest.raises(Conflict):
        acv.record_notice_of_sale(staff, nomination, acv.today())
    acv.decide_nomination(staff, nomination, "listed", "It furthers social wellbeing.")
    for bad in ("", "2026-02-30", (acv.today() + timedelta(days=1)).isoformat()):
        with pytest.raises(ValidationFailed) as failed:
            acv.record_notice_of_sale(staff, nomination, bad)
        assert set(failed.value.errors) == {"received_on"}
    with pytest.raises(NotAllowed):
        acv.record_notice_of_sale(world[1], nomination, acv.today())


# --- races -----------------------------------------------------------------------------------

def test_two_people_deciding_at_once_give_one_decision(app, world, make):
    staff = world[0]
    other = make.user(role="moderator")
    nomination = nominate(world)
    for trial in range(3):
        if trial:
            nomination = acv.nominate_asset(world[1], make.asset(), organisation=world[3],
                                            reasons=REASONS)
            db.session.commit()
        nid = nomination.id

        def deciding(user_id, decision, nid=nid):
            def load():
                user = db.session.get(User, user_id)
                n = db.session.get(AcvNomination, nid)
                return lambda: acv.decide_nomination(user, n, decision, "Decided.")
            return load

        wins, refusals, errors = race(app, [deciding(staff.id, "listed"),
                                            deciding(other.id, "not_listed")])
        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1
        assert isinstance(refusals[0], Conflict)
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "acv.decide", AuditLog.target_id == nid)) == 1
        n = db.session.get(AcvNomination, nid)
        assert (n.asset.community_status == "acv_listed") == (n.state == "listed")
