"""Demo Borough's assets of community value: a listed pub, a refused nomination, a library
in its interim moratorium, the Scout Hall's 2024 listing, and residents who follow places.

Every step goes through the services (services.community_value, services.asset_timeline), so
the timeline entries, audit entries and notifications are the ones the product writes; each
step is then dated in the past (``_dated``), and its notifications marked as already emailed
so that starting the demo sends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from .extensions import db
from .models import AcvNomination, AssetEvent, AssetFollow, AuditLog, Notification
from .services import asset_timeline
from .services import community_value as acv

CASTLE_INN_REASONS = (
    "The Castle Inn is the only place in Castle Hill where local groups can meet in the "
    "evening. Its function room hosts the folk club every Thursday, the darts league, a lunch "
    "club for older neighbours on Wednesdays and the Friends of Castle Park's meetings. "
    "Losing it would leave these groups with nowhere to go.")
CASTLE_INN_DECISION = (
    "The pub's main use furthers the social wellbeing and interests of the local community: "
    "clubs and groups meet there every week, and it is realistic that it will go on doing so "
    "in the next five years.")
CAR_PARK_REASONS = (
    "Neighbours park here for the recreation ground, the Saturday football and the school "
    "run, and the summer fun day is held on it once a year.")
CAR_PARK_DECISION = (
    "Not listed. The car park's main use is parking; the once-a-year fun day is ancillary, and "
    "parking alone does not further the social wellbeing or interests of the community as the "
    "Localism Act 2011 means it.")
LIBRARY_REASONS = (
    "Northgate Library is the borough's busiest library: homework club, job clubs, free "
    "computers and the only warm, free indoor space in the precinct. Young people from the "
    "Youth Hut use it every day after school.")
LIBRARY_DECISION = (
    "The library's main use furthers the social wellbeing of the community (learning, "
    "reading, access to computers and a free space to meet), and will go on doing so.")
SCOUT_HALL_REASONS = (
    "The hall is used every night of the week: scouts, guides, cubs, a toddler group and a "
    "slimming club. There is no other hall in Castle Hill big enough for them.")
SCOUT_HALL_DECISION = (
    "The hall's main use furthers the social wellbeing of the community: youth groups and "
    "local clubs meet there every week.")


class _Marks:
    """The last timeline entry, audit entry and notification written before a step."""

    def __init__(self) -> None:
        self.event = db.session.scalar(select(func.max(AssetEvent.id))) or 0
        self.audit = db.session.scalar(select(func.max(AuditLog.id))) or 0
        self.note = db.session.scalar(select(func.max(Notification.id))) or 0


def _dated(when: datetime, step, now: datetime | None = None) -> object:
    """Run ``step`` (a service call), then date what it wrote at ``when``: its timeline
    entries, audit entries and notifications (already emailed, read if older than a week)."""
    before = _Marks()
    result = step()
    db.session.flush()
    db.session.execute(update(AssetEvent).where(AssetEvent.id > before.event)
                       .values(created_at=when).execution_options(synchronize_session=False))
    db.session.execute(update(AuditLog).where(AuditLog.id > before.audit)
                       .values(created_at=when).execution_options(synchronize_session=False))
    db.session.execute(
        update(Notification).where(Notification.id > before.note)
        .values(created_at=when, email_state="sent", email_sent_at=when + timedelta(minutes=2),
                email_attempts=1, read_at=when + timedelta(hours=5)
                if when < (now or datetime.now(UTC)) - timedelta(days=7) else None)
        .execution_options(synchronize_session=False))
    db.session.expire_all()
    return result


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _nominate(builder, asset, when: datetime, reasons: str, *, by=None, organisation=None,
              group_name: str | None = None) -> AcvNomination:
    nomination = _dated(when, lambda: acv.nominate_asset(
        by or builder.moderator, asset, organisation=organisation, group_name=group_name,
        reasons=reasons))
    nomination.submitted_at = when
    nomination.decision_due_on = when.date() + timedelta(weeks=acv.DECISION_WEEKS)
    return nomination


def _decide(builder, nomination: AcvNomination, when: datetime, decision: str, reason: str,
            owner_told: datetime | None) -> None:
    _dated(when, lambda: acv.decide_nomination(builder.moderator, nomination, decision,
                                               reason))
    nomination.decided_at = when
    if decision == "listed":
        nomination.listed_on = when.date()
        nomination.listed_until = acv.add_years(when.date(), acv.LISTING_YEARS)
    db.session.flush()
    if owner_told is not None:
        _dated(owner_told, lambda: acv.record_owner_told(builder.moderator, nomination))
        nomination.owner_told_at = owner_told
    db.session.flush()


def _follow(builder, email: str, asset, when: datetime) -> None:
    user = builder.users[email]
    asset_timeline.follow_asset(user, asset)
    db.session.execute(update(AssetFollow).where(AssetFollow.user_id == user.id,
                                                 AssetFollow.asset_id == asset.id)
                       .values(created_at=when).execution_options(synchronize_session=False))


def seed(builder) -> None:
    """Add this part of the story to the demo council ``builder`` is writing."""
    db.session.flush()
    assets, orgs = builder.assets, builder.orgs
    day = lambda days: builder.ago(days).date()  # noqa: E731

    # Residents who follow places before anything happens to them, so they hear each step.
    _follow(builder, "resident3@example.org", assets["castle_inn"], builder.ago(430))
    _follow(builder, "resident3@example.org", assets["castle_park"], builder.ago(300))
    _follow(builder, "resident2@example.org", assets["northgate_library"], builder.ago(720))
    _follow(builder, "hamid.rahimi@example.org", assets["northgate_library"], builder.ago(90))

    # The Scout Hall: listed in May 2024 on a nomination by a group of local people.
    scouts = _nominate(builder, assets["scout_hall"], _at(date(2024, 3, 18), 10, 20),
                       SCOUT_HALL_REASONS,
                       group_name="Castle Hill scouts' and guides' parents")
    _decide(builder, scouts, _at(date(2024, 5, 9), 14, 5), "listed", SCOUT_HALL_DECISION,
            _at(date(2024, 5, 10), 11, 30))

    # The Castle Inn: nominated by the Friends of Castle Park, listed about a year ago.
    inn = _nominate(builder, assets["castle_inn"], _at(day(410), 19, 12), CASTLE_INN_REASONS,
                    by=builder.managers["friends_castle_park"],
                    organisation=orgs["friends_castle_park"])
    _decide(builder, inn, _at(day(367), 11, 40), "listed", CASTLE_INN_DECISION,
            _at(day(366), 9, 15))

    # Northgate Library: listed two years ago; the council, its owner, means to sell it and
    # gave notice three weeks ago. The library trust has registered its intent to bid; the
    # button is still there for other verified organisations until the interim window ends.
    library = _nominate(builder, assets["northgate_library"], _at(day(760), 16, 3),
                        LIBRARY_REASONS, by=builder.managers["youth_project"],
                        organisation=orgs["youth_project"])
    _decide(builder, library, _at(day(712), 10, 30), "listed", LIBRARY_DECISION,
            _at(day(711), 12, 0))
    received = day(21)
    _dated(_at(day(20), 9, 45),
           lambda: acv.record_notice_of_sale(builder.moderator, library, received))
    _dated(_at(day(12), 13, 25), lambda: acv.register_intent_to_bid(
        builder.managers["library_trust"], library, orgs["library_trust"]))

    # Brook Lane Car Park: nominated by neighbours (recorded by the council), not listed.
    car_park = _nominate(builder, assets["brookside_car_park"], _at(day(200), 15, 0),
                         CAR_PARK_REASONS, group_name="Brook Lane neighbours")
    _decide(builder, car_park, _at(day(158), 10, 10), "not_listed", CAR_PARK_DECISION,
            _at(day(157), 14, 30))

    # resident@example.org follows two places (after the news: its inbox stays as it is).
    _follow(builder, "resident@example.org", assets["northgate_library"], builder.ago(2))
    _follow(builder, "resident@example.org", assets["castle_inn"], builder.ago(2))
    db.session.flush()
