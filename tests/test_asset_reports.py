"""After a transfer: when yearly reports are due, who may publish one, once per year (even
in a race), residents' access comments, staff hiding one, and the yearly reminder."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from citizenideas.errors import AuthRequired, Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import (
    AccessComment,
    AssetEvent,
    AssetFollow,
    AssetReport,
    AuditLog,
    Notification,
)
from citizenideas.services import asset_access
from citizenideas.services import asset_reports as reports

from .after_transfer_support import days_ago, report, transferred
from .concurrency import race

GOOD = {"opening_hours": "7am to 8pm daily", "people_served": "1,200",
        "prices": "Adults 4 pounds, children free", "access_changes": "A new ramp at the door.",
        "story": "The pool reopened and the swimming club came back.", "commitments": "kept",
        "commitments_note": ""}


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    manager = make.user()
    member = make.user()
    resident = make.user()
    follower = make.user()
    trust = make.organisation(name="Elmstead Lido Trust",
                              members=[(manager, "manager"), (member, "member")])
    asset = make.asset(name="Elmstead Lido", kind="pool")
    db.session.add(AssetFollow(user_id=follower.id, asset_id=asset.id))
    db.session.commit()
    return staff, manager, member, resident, follower, trust, asset


# --- date arithmetic ---------------------------------------------------------------------

@pytest.mark.parametrize("transferred_on, year, expected", [
    (date(2024, 11, 4), 1, date(2025, 11, 4)),
    (date(2024, 11, 4), 2, date(2026, 11, 4)),
    (date(2024, 2, 29), 1, date(2025, 2, 28)),   # no 29 February in 2025
    (date(2024, 2, 29), 4, date(2028, 2, 29)),   # but there is in 2028
    (date(2023, 8, 31), 1, date(2024, 8, 31)),
    (date(2021, 12, 31), 3, date(2024, 12, 31)),
])
def test_a_years_report_is_due_on_its_anniversary(transferred_on, year, expected):
    assert reports.due_on(transferred_on, year) == expected


def test_report_years_are_on_time_late_overdue_due_and_upcoming(world):
    *_, trust, asset = world
    request = transferred(asset, trust, date(2021, 3, 1))
    report(request, 1, date(2022, 2, 20))                      # before its due date
    report(request, 2, date(2023, 3, 1))                       # on the day
    report(request, 3, date(2024, 4, 2), commitments="partly_kept")  # a month late
    db.session.refresh(request)
    years = reports.report_years(request, on=date(2026, 2, 10))
    assert [(y.year_number, y.due_on, y.state) for y in years] == [
        (1, date(2022, 3, 1), "on_time"), (2, date(2023, 3, 1), "on_time"),
        (3, date(2024, 3, 1), "late"), (4, date(2025, 3, 1), "overdue"),
        (5, date(2026, 3, 1), "due"), (6, date(2027, 3, 1), "upcoming")]
    # 31 days before the due date the window is not open yet; on the due date it is not late.
    assert reports.report_years(request, on=date(2026, 1, 29))[4].state == "upcoming"
    assert reports.report_years(request, on=date(2026, 3, 1))[4].state == "due"
    assert reports.report_years(request, on=date(2026, 3, 2))[4].state == "overdue"


# --- who may publish a report -------------------------------------------------------------

def test_a_member_of_the_operator_publishes_a_report_and_followers_hear(world):
    staff, manager, member, resident, follower, trust, asset = world
    request = transferred(asset, trust, days_ago(365 + 10))
    published = reports.submit_report(member, request, year_number=1, **GOOD)
    db.session.commit()
    assert published.people_served == 1200 and published.due_on == reports.due_on(
        request.transferred_on, 1)
    event = db.session.scalar(select(AssetEvent).where(AssetEvent.event == "report_published"))
    assert event.asset_id == asset.id and event.organisation_id == trust.id
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "asset_report")).all()
    assert told == [follower.id]
    assert reports.report_years(request)[0].state == "late"


@pytest.mark.parametrize("who", ["resident", "staff", "other_org_member", "unverified_member"])
def test_only_the_operators_members_publish_reports(world, make, who):
    staff, manager, member, resident, follower, trust, asset = world
    request = transferred(asset, trust, days_ago(365))
    actor = {"resident": resident, "staff": staff}.get(who)
    if who == "other_org_member":
        actor = make.user()
        make.organisation(members=[(actor, "manager")])
    if who == "unverified_member":
        actor = make.user()
        trust.verified_at = None
        db.session.add_all([trust])
        from citizenideas.models import Membership
        db.session.add(Membership(user_id=actor.id, organisation_id=trust.id, role="member"))
        db.session.commit()
    with pytest.raises(NotAllowed):
        reports.submit_report(actor, request, year_number=1, **GOOD)
    with pytest.raises(AuthRequired):
        reports.submit_report(None, request, year_number=1, **GOOD)
    db.session.rollback()
    assert db.session.scalar(select(func.count(AssetReport.id))) == 0


def test_a_report_with_problems_names_every_field(world):
    staff, manager, member, *_rest, trust, asset = world
    request = transferred(asset, trust, days_ago(365))
    with pytest.raises(ValidationFailed) as refused:
        reports.submit_report(member, request, year_number="x", opening_hours=" ",
                              people_served="lots", prices="", access_changes="",
                              story="s" * 10_001, commitments="partly_kept",
                              commitments_note="")
    assert set(refused.value.errors) == {"year_number", "opening_hours", "people_served",
                                         "prices", "access_changes", "story",
                                         "commitments_note"}
    with pytest.raises(ValidationFailed) as refused:
        reports.submit_report(member, request, year_number=1,
                              **{**GOOD, "people_served": "-3", "commitments": "maybe"})
    assert set(refused.value.errors) == {"people_served", "commitments"}


def test_a_year_not_yet_open_or_already_reported_is_refused(world):
    staff, manager, member, *_rest, trust, asset = world
    request = transferred(asset, trust, days_ago(365 - 31))   # year 1 due in 31 days
    with pytest.raises(Conflict, match="not due yet"):
        reports.submit_report(member, request, year_number=1, **GOOD)
    db.session.rollback()
    request.transferred_on = days_ago(365 - 30)               # now due within 30 days
    db.session.commit()
    reports.submit_report(member, request, year_number=1, **GOOD)
    db.session.commit()
    with pytest.raises(Conflict, match="already been published"):
        reports.submit_report(manager, request, year_number=1, **GOOD)
    with pytest.raises(Conflict, match="not due yet"):
        reports.submit_report(manager, request, year_number=2, **GOOD)


def test_two_members_submitting_the_same_year_at_once_give_one_report(app, world):
    staff, manager, member, *_rest, trust, asset = world
    request_id = transferred(asset, trust, days_ago(400)).id
    ids = (manager.id, member.id)

    def job(user_id):
        def load():
            from citizenideas.models import TransferRequest, User
            actor = db.session.get(User, user_id)
            request = db.session.get(TransferRequest, request_id)
            return lambda: reports.submit_report(actor, request, year_number=1, **GOOD).id
        return load

    wins, refusals, errors = race(app, [job(i) for i in ids])
    assert errors == []
    assert len(wins) == 1 and len(refusals) == 1
    assert isinstance(refusals[0], Conflict)
    assert db.session.scalar(select(func.count(AssetReport.id))) == 1
    assert db.session.scalar(select(func.count(AssetEvent.id)).where(
        AssetEvent.event == "report_published")) == 1


# --- residents' access comments ------------------------------------------------------------

def test_a_resident_says_how_access_changed_and_the_operator_hears(world, make):
    staff, manager, member, resident, follower, trust, asset = world
    transferred(asset, trust, days_ago(100))
    comment = asset_access.post_access_comment(resident, asset, change="better",
                                               body="  Step-free now. \r\n Thank you! ")
    db.session.commit()
    assert comment.body == "Step-free now. \n Thank you!"
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "access_comment")))
    assert told == {manager.id, member.id, follower.id}
    assert asset_access.access_tally(asset) == {"better": 1, "same": 0, "worse": 0}


def test_access_comments_need_a_confirmed_email_a_transfer_and_valid_fields(world, make):
    staff, manager, member, resident, follower, trust, asset = world
    unconfirmed = make.user(verified=False)
    with pytest.raises(Conflict):
        asset_access.post_access_comment(resident, asset, change="same", body="Same as ever.")
    db.session.rollback()
    transferred(asset, trust, days_ago(100))
    with pytest.raises(NotAllowed, match="Confirm your email"):
        asset_access.post_access_comment(unconfirmed, asset, change="same", body="Same.")
    with pytest.raises(AuthRequired):
        asset_access.post_access_comment(None, asset, change="same", body="Same.")
    with pytest.raises(ValidationFailed) as refused:
        asset_access.post_access_comment(resident, asset, change="fine", body="x" * 501)
    assert set(refused.value.errors) == {"change", "body"}
    with pytest.raises(ValidationFailed) as refused:
        asset_access.post_access_comment(resident, asset, change="worse", body="\x00 ")
    assert set(refused.value.errors) == {"body"}
    db.session.rollback()
    assert asset_access.post_access_comment(resident, asset, change="worse", body="y" * 500)


def test_staff_hide_an_abusive_comment_with_a_reason_and_nobody_else_can(world):
    staff, manager, member, resident, follower, trust, asset = world
    transferred(asset, trust, days_ago(100))
    comment = asset_access.post_access_comment(resident, asset, change="worse",
                                               body="Rude words about a named volunteer.")
    db.session.commit()
    for someone in (resident, manager):
        with pytest.raises(NotAllowed):
            asset_access.hide_access_comment(someone, comment, "Abuse")
    with pytest.raises(ValidationFailed):
        asset_access.hide_access_comment(staff, comment, "  ")
    asset_access.hide_access_comment(staff, comment, "It named a volunteer.")
    db.session.commit()
    assert comment.hidden_at is not None and comment.hidden_reason == "It named a volunteer."
    assert db.session.scalar(select(AuditLog.action).where(
        AuditLog.action == "access_comment.hide")) is not None
    with pytest.raises(Conflict):
        asset_access.hide_access_comment(staff, comment, "Again")
    assert asset_access.access_tally(asset)["worse"] == 0
    assert db.session.scalar(select(func.count(AccessComment.id))) == 1


# --- figures and the reminder ---------------------------------------------------------------

def test_accountability_summary_counts_reports_and_commitments(world, make):
    *_rest, trust, asset = world
    library = make.asset(name="Millbrook Library")
    other = make.organisation(name="Library Trust")
    on = date(2026, 11, 30)
    lido = transferred(asset, trust, date(2024, 11, 4))
    report(lido, 1, date(2025, 10, 30))
    report(lido, 2, date(2026, 11, 20), commitments="partly_kept")
    books = transferred(library, other, date(2021, 6, 1))
    report(books, 1, date(2022, 6, 1))
    report(books, 2, date(2023, 7, 1), commitments="not_kept")
    report(books, 3, date(2024, 5, 1))
    # On time: lido 1, books 1 and 3. Late: lido 2 (due 2026-11-04), books 2 (due
    # 2023-06-01). Overdue: books 4 (due 2025-06-01) and 5 (due 2026-06-01). Due: 2 + 5.
    summary = reports.accountability_summary(on=on)
    assert summary["totals"] == {"places": 2, "due": 7, "on_time": 3, "late": 2,
                                 "overdue": 2, "kept": 3, "partly_kept": 1, "not_kept": 1}
    first = summary["places"][0]
    assert first["asset"].name == "Elmstead Lido" and first["latest_commitments"] == \
        "partly_kept"
    assert reports.overdue_count(on=on) == 2


def test_the_dashboards_overdue_count_reads_two_narrow_queries(world, make):
    # /council shows this count on every request: it reads the transfers' dates and the
    # years reported, not every transfer with its place, organisation and reports.
    from sqlalchemy import event

    *_rest, trust, asset = world
    on = date(2026, 11, 30)
    books = transferred(make.asset(name="Millbrook Library"), make.organisation(), date(2021, 6, 1))
    report(books, 1, date(2022, 6, 1))
    report(books, 3, date(2024, 5, 1))
    transferred(asset, trust, date(2026, 1, 15))   # nothing due yet
    statements = []
    listen = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        # Overdue: books 2 (due 2023-06-01), 4 (2025-06-01) and 5 (2026-06-01).
        assert reports.overdue_count(on=on) == 3
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) == 2
    assert not any("community_assets" in s or "organisations" in s for s in statements)
    assert reports.overdue_count(on=on) == sum(
        len(r.overdue) for r in reports.transfers_reporting(on=on))


def test_the_reminder_goes_once_per_report_year(world):
    staff, manager, member, *_rest, trust, asset = world
    request = transferred(asset, trust, date(2025, 12, 20))
    assert reports.send_report_reminders(on=date(2026, 11, 19)) == 0   # 31 days before
    assert reports.send_report_reminders(on=date(2026, 11, 20)) == 1
    db.session.commit()
    assert reports.send_report_reminders(on=date(2026, 11, 21)) == 0
    assert reports.send_report_reminders(on=date(2027, 1, 5)) == 0     # overdue: still once
    db.session.commit()
    db.session.refresh(request)
    assert request.reminded_for_year == 1
    told = sorted(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "asset_report_due")))
    assert told == sorted([manager.id, member.id])
    assert reports.send_report_reminders(on=date(2027, 11, 20)) == 1   # year 2
