"""After a community asset transfer: the operating organisation's yearly reports.

Year N of a transfer covers the N-th year after ``transferred_on`` and its report is due on
``transferred_on`` + N years (29 February becomes 28 February in other years; see
``community_value.add_years``). A report may be written from ``WINDOW_DAYS`` before its due
date, and late at any time after it; one report per year (a unique (request, year) in the
database, so two people submitting at once give one report and one 409). Only members of the
operating organisation report. Publishing a report writes a ``report_published`` AssetEvent
and tells the asset's followers, in the same transaction.

``send_report_reminders`` is the daily cron job (``flask asset-reports-remind``): the
operator's members are emailed once per report year, when a report is due within
``WINDOW_DAYS`` days or overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    COMMITMENT_ANSWERS,
    AssetReport,
    CommunityAsset,
    Membership,
    Organisation,
    TransferRequest,
    User,
    utcnow,
)
from ..permissions import require
from .asset_timeline import add_asset_event, asset_link, notify_asset_audience
from .claims import checked_text
from .community_value import add_years
from .notifications import OncePerLanguage, joined, notify_user

# A report can be written (and its reminder is sent) this many days before it is due.
WINDOW_DAYS = 30
PEOPLE_SERVED_MAX = 10_000_000
TEXT_MAX = 5000
STORY_MAX = 10_000


def today() -> date:
    return utcnow().date()


def due_on(transferred_on: date, year_number: int) -> date:
    """The day the report for year ``year_number`` (1, 2 ...) is due."""
    return add_years(transferred_on, year_number)


@dataclass(frozen=True)
class ReportYear:
    """One report year of a transfer, as the public sees it on a given day."""

    year_number: int
    due_on: date
    report: AssetReport | None
    # on_time | late (submitted after its due date) | overdue (missing, due date passed) |
    # due (missing, due within WINDOW_DAYS) | upcoming (not yet open)
    state: str

    @property
    def open_for_report(self) -> bool:
        return self.report is None and self.state in ("due", "overdue")


def _state(due: date, report: AssetReport | None, on: date) -> str:
    if report is not None:
        return "on_time" if report.submitted_at.date() <= due else "late"
    if due < on:
        return "overdue"
    if due <= on + timedelta(days=WINDOW_DAYS):
        return "due"
    return "upcoming"


def report_years(transfer: TransferRequest, on: date | None = None,
                 reports: list[AssetReport] | None = None) -> list[ReportYear]:
    """Every report year whose window has opened by ``on`` (today), then the next one
    (``upcoming``), oldest first. ``reports`` spares a query when they are loaded already."""
    on = on or today()
    if transfer.transferred_on is None:
        return []
    by_year = {r.year_number: r for r in (transfer.reports if reports is None else reports)}
    years: list[ReportYear] = []
    number = 1
    while True:
        due = due_on(transfer.transferred_on, number)
        state = _state(due, by_year.get(number), on)
        years.append(ReportYear(number, due, by_year.get(number), state))
        if state == "upcoming" and number not in by_year:
            break
        number += 1
    return years


def transferred_request(asset: CommunityAsset) -> TransferRequest | None:
    """The asset's transfer in force: its latest request at stage ``transferred``."""
    return db.session.scalar(
        select(TransferRequest).where(TransferRequest.asset_id == asset.id,
                                      TransferRequest.stage == "transferred",
                                      TransferRequest.transferred_on.is_not(None))
        .options(joinedload(TransferRequest.organisation))
        .order_by(TransferRequest.transferred_on.desc(), TransferRequest.id.desc()).limit(1))


def transfer_in_force(asset: CommunityAsset) -> TransferRequest:
    """``transferred_request``, or a Conflict (409) for a place that has not been transferred:
    it has no operator to report."""
    transfer = transferred_request(asset)
    if transfer is None:
        raise Conflict(_("This place has not been transferred."))
    return transfer


def _parse_people(value, errors: dict) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        value = str(value)
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        errors["people_served"] = [_("People served must be a whole number, like 1200.")]
        return None
    if not 0 <= number <= PEOPLE_SERVED_MAX:
        errors["people_served"] = [_("People served must be between 0 and %(n)s.",
                                     n=f"{PEOPLE_SERVED_MAX:,}")]
        return None
    return number


def submit_report(actor: User, transfer: TransferRequest, *, year_number, opening_hours,
                  people_served, prices, access_changes, story, commitments,
                  commitments_note="") -> AssetReport:
    """A member of the operating organisation publishes the report for one year that is due
    (or overdue). Field errors come back together (ValidationFailed); a year not yet open or
    already reported is a Conflict (409)."""
    require(actor, "report_on_asset", transfer,
            _("Only members of the organisation running this place can report on it."))
    errors: dict[str, list[str]] = {}
    try:
        year = int(str(year_number).strip())
    except (TypeError, ValueError):
        year = 0
    if year < 1:
        errors["year_number"] = [_("Choose the year you are reporting on.")]
    fields = {
        "opening_hours": checked_text(opening_hours, "opening_hours", errors,
                                      name=_("Opening hours"), maximum=TEXT_MAX,
                                      required=_("Enter the opening hours this year.")),
        "prices": checked_text(prices, "prices", errors, name=_("Prices"), maximum=TEXT_MAX,
                               required=_("Enter the prices people paid this year.")),
        "access_changes": checked_text(
            access_changes, "access_changes", errors, name=_("Changes to access"),
            maximum=TEXT_MAX,
            required=_("Say how access changed this year, or that it did not.")),
        "story": checked_text(story, "story", errors, name=_("Your story"), maximum=STORY_MAX),
        "commitments_note": checked_text(commitments_note, "commitments_note", errors,
                                         name=_("About the commitments"), maximum=TEXT_MAX),
    }
    people = _parse_people(people_served, errors)
    if commitments not in COMMITMENT_ANSWERS:
        errors["commitments"] = [_("Say whether you kept the commitments you made.")]
    elif commitments != "kept" and not fields["commitments_note"] and "commitments_note" \
            not in errors:
        errors["commitments_note"] = [_("Say which commitments you did not keep, and why.")]
    if errors:
        raise ValidationFailed(_("There is a problem with the report."), errors)
    years = {y.year_number: y for y in report_years(transfer)}
    chosen = years.get(year)
    if chosen is not None and chosen.report is not None:
        raise Conflict(_("The report for year %(n)s has already been published.", n=year))
    if chosen is None or not chosen.open_for_report:
        raise Conflict(_("The report for year %(n)s is not due yet.", n=year))
    now = utcnow()
    report = AssetReport(asset_id=transfer.asset_id, transfer_request_id=transfer.id,
                         organisation_id=transfer.organisation_id, year_number=year,
                         due_on=chosen.due_on, people_served=people, commitments=commitments,
                         submitted_by_id=actor.id, submitted_at=now, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("The report for year %(n)s has already been published.",
                         n=year)) from None
    asset = transfer.asset
    organisation = transfer.organisation
    add_asset_event(actor, asset, "report_published",
                    _("Yearly report for year %(n)s published.", n=year),
                    organisation=organisation, transfer_request=transfer)
    notify_asset_audience(
        asset, "asset_report",
        _l("%(asset)s: yearly report published", asset=asset.name),
        _l("%(org)s published its report for year %(n)s of running %(asset)s.",
           org=organisation.name, n=year, asset=asset.name),
        actor=actor)
    db.session.flush()
    return report


# --- lists for the dashboards and the accountability page ---------------------------------

@dataclass
class TransferReporting:
    """A transfer in force with its report years, as of one day."""

    transfer: TransferRequest
    years: list[ReportYear] = field(default_factory=list)

    @property
    def asset(self) -> CommunityAsset:
        return self.transfer.asset

    @property
    def organisation(self) -> Organisation:
        return self.transfer.organisation

    def count(self, *states: str) -> int:
        return sum(1 for y in self.years if y.state in states)

    @property
    def reports_due(self) -> int:
        """Years whose due date has passed or is today (reported or not)."""
        return sum(1 for y in self.years if y.state in ("on_time", "late", "overdue"))

    @property
    def overdue(self) -> list[ReportYear]:
        return [y for y in self.years if y.state == "overdue"]

    @property
    def open_years(self) -> list[ReportYear]:
        return [y for y in self.years if y.open_for_report]

    @property
    def next_due(self) -> ReportYear | None:
        return next((y for y in self.years if y.report is None), None)

    @property
    def latest_report(self) -> AssetReport | None:
        reported = [y.report for y in self.years if y.report is not None]
        return reported[-1] if reported else None


def transfers_reporting(organisation_ids: list[int] | None = None,
                        on: date | None = None) -> list[TransferReporting]:
    """Every transfer in force (of ``organisation_ids``, if given) with its report years, by
    asset name. Two queries whatever the number of transfers."""
    query = (select(TransferRequest)
             .where(TransferRequest.stage == "transferred",
                    TransferRequest.transferred_on.is_not(None))
             .options(joinedload(TransferRequest.asset), joinedload(TransferRequest.organisation)))
    if organisation_ids is not None:
        if not organisation_ids:
            return []
        query = query.where(TransferRequest.organisation_id.in_(organisation_ids))
    transfers = list(db.session.scalars(query))
    if not transfers:
        return []
    reports: dict[int, list[AssetReport]] = {t.id: [] for t in transfers}
    for report in db.session.scalars(
            select(AssetReport).where(AssetReport.transfer_request_id.in_(list(reports)))
            .order_by(AssetReport.year_number)):
        reports[report.transfer_request_id].append(report)
    rows = [TransferReporting(t, report_years(t, on, reports[t.id])) for t in transfers]
    return sorted(rows, key=lambda r: (r.asset.name.lower(), r.transfer.id))


def overdue_count(on: date | None = None) -> int:
    """Reports overdue across every transfer (the council dashboard's count, on every visit):
    the years due before ``on`` that have no report. Two narrow queries: the transfers'
    dates and the years reported."""
    on = on or today()
    transferred, reports = _overdue_statements()
    transfers = db.session.execute(transferred).all()
    if not transfers:
        return 0
    reported = set(db.session.execute(reports, {"ids": [t.id for t in transfers]}).tuples())
    count = 0
    for transfer_id, transferred_on in transfers:
        number = 1
        while due_on(transferred_on, number) < on:
            count += (transfer_id, number) not in reported
            number += 1
    return count


def reporting_for_member(user: User | None) -> list[TransferReporting]:
    """The transfers the user's organisations run, with a report due or overdue (the partner
    dashboard's section)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.memberships:
        return []
    rows = transfers_reporting([m.organisation_id for m in user.memberships])
    return [r for r in rows if r.open_years]


def accountability_summary(on: date | None = None) -> dict:
    """The "Transferred community places" section of /accountability: per place, reports
    on time against reports due and the operator's latest word on its commitments; then the
    totals."""
    rows = transfers_reporting(on=on)
    places = []
    totals = {"places": len(rows), "due": 0, "on_time": 0, "late": 0, "overdue": 0,
              "kept": 0, "partly_kept": 0, "not_kept": 0}
    for row in rows:
        answers = {answer: 0 for answer in COMMITMENT_ANSWERS}
        for year in row.years:
            if year.report is not None:
                answers[year.report.commitments] += 1
        latest = row.latest_report
        places.append({"asset": row.asset, "organisation": row.organisation,
                       "transferred_on": row.transfer.transferred_on,
                       "due": row.reports_due, "on_time": row.count("on_time"),
                       "late": row.count("late"), "overdue": row.count("overdue"),
                       "answers": answers,
                       "latest_commitments": latest.commitments if latest else None})
        totals["due"] += row.reports_due
        for state in ("on_time", "late", "overdue"):
            totals[state] += row.count(state)
        for answer, n in answers.items():
            totals[answer] += n
    return {"places": places, "totals": totals}


# --- the yearly reminder ------------------------------------------------------------------

def send_report_reminders(on: date | None = None) -> int:
    """Email the operator's members once per report year when a report is due within
    ``WINDOW_DAYS`` days or overdue. Safe to run twice (even at once): ``reminded_for_year``
    is moved forward in the same statement that checks it. Returns the transfers reminded.
    The caller commits."""
    on = on or today()
    reminded = 0
    for row in transfers_reporting(on=on):
        missing = [y for y in row.years if y.open_for_report]
        if not missing:
            continue
        year = missing[-1].year_number
        moved = db.session.execute(
            update(TransferRequest)
            .where(TransferRequest.id == row.transfer.id,
                   TransferRequest.reminded_for_year < year)
            .values(reminded_for_year=year).execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            continue
        _remind(row, missing)
        reminded += 1
    db.session.flush()
    return reminded


def _remind(row: TransferReporting, missing: list[ReportYear]) -> None:
    asset, organisation = row.asset, row.organisation
    lines = []
    for year in missing:
        if year.state == "overdue":
            lines.append(_l("Year %(n)s: overdue since %(date)s.", n=year.year_number,
                            date=year.due_on.isoformat()))
        else:
            lines.append(_l("Year %(n)s: due on %(date)s.", n=year.year_number,
                            date=year.due_on.isoformat()))
    parts: list = [_l("Your organisation %(org)s runs %(asset)s. Its yearly report to "
                      "residents and the council is due:", org=organisation.name,
                      asset=asset.name), "\n\n"]
    for line in lines:
        parts += ["- ", line, "\n"]
    parts += ["\n", _l("Write it here:"), " ", asset_link(asset).rstrip("/") + "/reports/new"]
    subject = OncePerLanguage(_l("%(asset)s: your yearly report is due", asset=asset.name))
    body = OncePerLanguage(joined(*parts))
    members = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, User.deleted_at.is_(None))
        .order_by(User.id))
    for user in members:
        notify_user(user, "asset_report_due", subject, body, link=asset_link(asset))


@cache
def _overdue_statements():
    """Built once: the council dashboard reads both on every visit."""
    return (select(TransferRequest.id, TransferRequest.transferred_on)
            .where(TransferRequest.stage == "transferred",
                   TransferRequest.transferred_on.is_not(None)),
            select(AssetReport.transfer_request_id, AssetReport.year_number)
            .where(AssetReport.transfer_request_id.in_(bindparam("ids", expanding=True))))
