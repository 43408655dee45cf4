"""Public accountability figures: how many ideas arrived, how fast the council answered, what
was delivered. Shown on the home page, on /accountability, in open data and GET /api/v1/stats.

Definitions (the /accountability page repeats them in plain English):

- Public figures count ideas that are not hidden. Merged, withdrawn and declined ideas count:
  they were received and answered.
- Days to first response: the time from an idea's creation to its first public response by
  staff (``Idea.first_response_at``), in days (24-hour periods, fractional), over the ideas that
  have a response. Shown to one decimal place.
- Median: the middle value of the sorted durations; for an even number of values, the mean of
  the two middle values.
- 90th percentile: nearest-rank. With the n durations sorted ascending, it is the value at
  1-based rank ceil(0.9 * n). For 10 values, the 9th; for 11 values, the 10th. It is always a
  real observed value.
- Answered within the response target (``services.site.response_target_days()``): an idea
  answered no later than exactly target days after it was created counts as within target; an
  idea answered later, or still without a response once more than target days have passed,
  counts as not within target. An idea without a response that is still within its target time
  is left out of the share (it may yet be answered in time).
- Days to a decision: the time from an idea's creation to the council's decision
  (``Idea.decided_at``: first accepted, declined or marked a duplicate), over the ideas that
  have one. Median and 90th percentile as above.
- Decided within the decision target (``services.site.decision_target_days()``), like the
  response target: decided no later than exactly target days after creation is within
  target; decided later, or still submitted or under review (not merged) once more than
  target days have passed, is not. An undecided idea still within its target time, and an
  idea withdrawn before a decision, are left out. Totals only (not by month, ward or
  category).
- Ideas delivered: ideas whose status is ``delivered`` (their outcome report said delivered).
  Ideas partly delivered (status ``partly_delivered``) are counted apart, in their own figure,
  and are not included in "ideas delivered": the headline promises what it says. Both count
  in the month of ``Idea.delivered_at`` (when the outcome was published).
- Outcomes residents confirm: of the published outcomes residents answered "Was it done?"
  about, those with more "yes" than "no" (services/verification.confirmation_figures).
- Volunteer hours pledged: the sum of the hours of offers of help that were not withdrawn.
  Volunteer hours delivered and people reached: sums from published outcome reports.
- By month (the last 12 calendar months, UTC, including the current one): ideas received and
  the response figures belong to the month an idea was received; ideas delivered to the month
  it was delivered; outcome figures to the month the outcome was published; pledged hours to
  the month the offer was made.

Cached (services/figures_cache.py, shared by every process through the database): computed
at most once a minute per filter, and again as soon as the data behind them changes (the
``figures`` data version, models/versions.py, which every write to ideas, outcomes, offers of
help, wards, categories or settings changes in its own transaction): one primary-key read.

Counts and sums are computed in SQL with COUNT/SUM/GROUP BY. For the median, the percentile
and the within-target count, one query fetches the response durations of the filtered ideas
and the ranking is done in Python, so SQLite and PostgreSQL give identical results.

Every function returns plain JSON-serialisable values: numbers, strings, None, lists, dicts;
dates as ISO 8601 strings. Shares are fractions between 0 and 1 (rounded to 4 places), or None
when there is nothing to divide by.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import STATUSES, Category, Idea, OutcomeReport, Pledge, Ward, utcnow
from .arithmetic import median, percentile_nearest_rank, share
from .figures_cache import cache_key, figures_cache
from .lifecycle import STATUS_LABELS
from .site import decision_target_days, response_target_days
from .verification import confirmation_figures

MONTHS_SHOWN = 12
SECONDS_PER_DAY = 86400
# Statuses of an idea still waiting for the council's decision.
UNDECIDED_STATUSES = ("submitted", "under_review")


# --- small, exact helpers (median, percentile and share: services/arithmetic.py) --------

def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _number(value: Any) -> int | float:
    """A SUM result as a plain number: 0 for NULL, int when whole, else one decimal place."""
    if value is None:
        return 0
    if isinstance(value, Decimal | float):
        value = round(float(value), 1)
        return int(value) if value.is_integer() else value
    return int(value)


def month_key(column) -> ColumnElement:
    """``'YYYY-MM'`` of a UTC datetime column, on SQLite and PostgreSQL (the one dialect switch)."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def recent_months(now: datetime | None = None, count: int = MONTHS_SHOWN) -> list[str]:
    """The last ``count`` calendar months as ``'YYYY-MM'``, oldest first, ending with this one."""
    now = now or utcnow()
    year, month = now.year, now.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))


def month_label(key: str) -> str:
    """``'2026-03'`` -> ``'March 2026'`` (``'Mawrth 2026'`` in Welsh: the figures are cached
    per language)."""
    return format_date(datetime.strptime(key, "%Y-%m").date(), "LLLL yyyy")


def _month_start(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m").replace(tzinfo=UTC)


# --- the filtered set -----------------------------------------------------------------------

def _public_ideas(ward_id: int | None, category_id: int | None) -> list[ColumnElement]:
    """WHERE conditions for ideas counted in public figures."""
    conditions = [Idea.hidden.is_(False)]
    if ward_id is not None:
        conditions.append(Idea.ward_id == ward_id)
    if category_id is not None:
        conditions.append(Idea.category_id == category_id)
    return conditions


def _response_durations(conditions) -> list[float]:
    """Days to first response of every answered idea matching ``conditions``: one query."""
    rows = db.session.execute(
        select(Idea.created_at, Idea.first_response_at)
        .where(*conditions, Idea.first_response_at.is_not(None)))
    return [(answered - created).total_seconds() / SECONDS_PER_DAY for created, answered in rows]


def _response_figures(durations: list[float], received: int, responded: int,
                      overdue_unanswered: int, target_days: int) -> dict:
    """Response figures for one set of ideas from its durations and counts."""
    within = sum(1 for d in durations if d <= target_days)
    denominator = responded + overdue_unanswered
    return {
        "ideas_received": received,
        "responded": responded,
        "responded_share": share(responded, received),
        "median_days_to_first_response": _days(median(durations)),
        "p90_days_to_first_response": _days(percentile_nearest_rank(durations, 90)),
        "within_target": within,
        "within_target_denominator": denominator,
        "within_target_share": share(within, denominator),
    }


def _decision_figures(conditions, now: datetime, target_days: int) -> dict:
    """Decision figures for the filtered ideas (two queries): how many are decided, the
    median and 90th percentile days to a decision, and the share decided within target."""
    rows = db.session.execute(select(Idea.created_at, Idea.decided_at)
                              .where(*conditions, Idea.decided_at.is_not(None)))
    durations = [(decided - created).total_seconds() / SECONDS_PER_DAY
                 for created, decided in rows]
    late_undecided = db.session.scalar(
        select(func.count(Idea.id)).where(
            *conditions, Idea.decided_at.is_(None), Idea.status.in_(UNDECIDED_STATUSES),
            Idea.merged_into_id.is_(None),
            Idea.created_at < now - timedelta(days=target_days))) or 0
    within = sum(1 for d in durations if d <= target_days)
    denominator = len(durations) + late_undecided
    return {
        "decided": len(durations),
        "median_days_to_decision": _days(median(durations)),
        "p90_days_to_decision": _days(percentile_nearest_rank(durations, 90)),
        "decided_within_target": within,
        "decided_within_target_denominator": denominator,
        "decided_within_target_share": share(within, denominator),
    }


def _idea_counts(conditions, cutoff: datetime, dimension=None):
    """One GROUP BY query: received, answered, overdue without answer, delivered, partly
    delivered."""
    columns = [
        func.count(Idea.id),
        func.count(Idea.first_response_at),
        func.coalesce(func.sum(case(
            (Idea.first_response_at.is_(None) & (Idea.created_at < cutoff), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Idea.status == "delivered", 1), else_=0)), 0),
        func.coalesce(func.sum(case((Idea.status == "partly_delivered", 1), else_=0)), 0),
    ]
    query = select(*([dimension] if dimension is not None else []), *columns).where(*conditions)
    if dimension is not None:
        return db.session.execute(query.group_by(dimension)).all()
    return db.session.execute(query).one()


# --- headline figures -----------------------------------------------------------------------

def headline_figures() -> dict:
    """The figures on the home page, over all public ideas (cached, see above)."""
    return figures_cache.get(cache_key("headline", localised=False), _headline_figures)


def _headline_figures() -> dict:
    """The figures on the home page, over all public ideas (two queries)."""
    target = response_target_days()
    cutoff = utcnow() - timedelta(days=target)
    conditions = _public_ideas(None, None)
    received, responded, overdue, delivered, partly = _idea_counts(conditions, cutoff)
    figures = _response_figures(_response_durations(conditions), received, responded,
                                int(overdue), target)
    return {
        "ideas_received": received,
        "responded_share": figures["responded_share"],
        "median_days_to_first_response": figures["median_days_to_first_response"],
        "within_target_share": figures["within_target_share"],
        "ideas_delivered": int(delivered),
        "ideas_partly_delivered": int(partly),
        "response_target_days": target,
    }


# --- everything /accountability shows -------------------------------------------------------

_EMPTY_EXTRA = {"ideas_delivered": 0, "ideas_partly_delivered": 0, "people_reached": 0,
                "volunteer_hours_pledged": 0, "volunteer_hours_delivered": 0,
                "outcomes_published": 0}
# The figure each finished status is counted in (by the month, ward or category delivered).
_DELIVERED_FIGURES = {"delivered": "ideas_delivered", "partly_delivered": "ideas_partly_delivered"}


class _Window:
    """Per-source conditions restricting a breakdown to a time window (by month only)."""

    def __init__(self, since: datetime | None = None):
        self.ideas = [Idea.created_at >= since] if since else []
        self.delivered = [Idea.delivered_at >= since] if since else []
        self.outcomes = [OutcomeReport.published_at >= since] if since else []
        self.pledges = [Pledge.created_at >= since] if since else []


def _breakdown(conditions, cutoff: datetime, target: int, durations: dict[Any, list[float]],
               *, idea_dim, delivered_dim, outcome_dim, pledge_dim,
               window: _Window | None = None) -> dict[Any, dict]:
    """Every figure grouped by one dimension; ``*_dim`` are the group expressions per source
    and ``durations`` the answered ideas' response times already grouped the same way.

    Four GROUP BY queries, whatever the number of groups.
    """
    window = window or _Window()
    groups: dict[Any, dict] = defaultdict(lambda: {"counts": (0, 0, 0), **_EMPTY_EXTRA})
    for key, received, responded, overdue, _, _ in _idea_counts(
            [*conditions, *window.ideas], cutoff, idea_dim):
        groups[key]["counts"] = (received, responded, int(overdue))
    delivered_query = (select(delivered_dim, Idea.status, func.count(Idea.id))
                       .where(*conditions, Idea.status.in_(tuple(_DELIVERED_FIGURES)),
                              *window.delivered)
                       .group_by(delivered_dim, Idea.status))
    for key, status, n in db.session.execute(delivered_query):
        groups[key][_DELIVERED_FIGURES[status]] = n
    outcome_query = (select(outcome_dim, func.count(OutcomeReport.id),
                            func.sum(OutcomeReport.people_reached),
                            func.sum(OutcomeReport.volunteer_hours))
                     .join(Idea, Idea.id == OutcomeReport.idea_id)
                     .where(*conditions, OutcomeReport.state == "published", *window.outcomes)
                     .group_by(outcome_dim))
    for key, n, people, hours in db.session.execute(outcome_query):
        groups[key].update(outcomes_published=n, people_reached=_number(people),
                           volunteer_hours_delivered=_number(hours))
    pledge_query = (select(pledge_dim, func.sum(Pledge.hours))
                    .join(Idea, Idea.id == Pledge.idea_id)
                    .where(*conditions, Pledge.withdrawn_at.is_(None), *window.pledges)
                    .group_by(pledge_dim))
    for key, hours in db.session.execute(pledge_query):
        groups[key]["volunteer_hours_pledged"] = _number(hours)
    result = {}
    for key, values in groups.items():
        received, responded, overdue = values.pop("counts")
        result[key] = {**_response_figures(durations.get(key, []), received, responded, overdue,
                                           target), **values}
    return result


def _grouped_durations(conditions) -> dict[str, dict[Any, list[float]]]:
    """Response times of the answered ideas, in days, grouped by ward, category and month
    received, and all together under "total": one query for the whole page."""
    month = month_key(Idea.created_at)
    rows = db.session.execute(
        select(Idea.ward_id, Idea.category_id, month, Idea.created_at, Idea.first_response_at)
        .where(*conditions, Idea.first_response_at.is_not(None)))
    grouped: dict[str, dict[Any, list[float]]] = {
        "total": defaultdict(list), "ward": defaultdict(list), "category": defaultdict(list),
        "month": defaultdict(list)}
    for ward, category, month_received, created, answered in rows:
        days = (answered - created).total_seconds() / SECONDS_PER_DAY
        grouped["total"][None].append(days)
        grouped["ward"][ward].append(days)
        grouped["category"][category].append(days)
        grouped["month"][month_received].append(days)
    return grouped


def _row(figures: dict | None, target: int) -> dict:
    """A group's figures, or zeros for a group with no data."""
    if figures is None:
        return {**_response_figures([], 0, 0, 0, target), **_EMPTY_EXTRA}
    return figures


def accountability_figures(ward_id: int | None = None, category_id: int | None = None) -> dict:
    """Everything /accountability shows (and GET /api/v1/stats returns), for all public ideas
    or those of one ward and/or category (cached, see above)."""
    return figures_cache.get(cache_key("accountability", ward_id, category_id),
                             lambda: _accountability_figures(ward_id, category_id))


def _accountability_figures(ward_id: int | None, category_id: int | None) -> dict:
    """Everything /accountability shows, computed now. See the module docstring for the
    definitions."""
    now = utcnow()
    target = response_target_days()
    cutoff = now - timedelta(days=target)
    conditions = _public_ideas(ward_id, category_id)

    durations = _grouped_durations(conditions)
    received, responded, overdue, delivered, partly = _idea_counts(conditions, cutoff)
    totals = _response_figures(durations["total"][None], received, responded, int(overdue),
                               target)
    outcomes_n, people, hours_delivered = db.session.execute(
        select(func.count(OutcomeReport.id), func.sum(OutcomeReport.people_reached),
               func.sum(OutcomeReport.volunteer_hours))
        .join(Idea, Idea.id == OutcomeReport.idea_id)
        .where(*conditions, OutcomeReport.state == "published")).one()
    hours_pledged = db.session.scalar(
        select(func.sum(Pledge.hours)).join(Idea, Idea.id == Pledge.idea_id)
        .where(*conditions, Pledge.withdrawn_at.is_(None)))
    totals.update(ideas_delivered=int(delivered), ideas_partly_delivered=int(partly),
                  people_reached=_number(people),
                  volunteer_hours_pledged=_number(hours_pledged),
                  volunteer_hours_delivered=_number(hours_delivered),
                  outcomes_published=outcomes_n)
    totals.update(confirmation_figures(conditions))  # residents' "Was it done?" answers
    decision_target = decision_target_days()
    totals.update(_decision_figures(conditions, now, decision_target))

    status_counts = dict(db.session.execute(
        select(Idea.status, func.count(Idea.id)).where(*conditions).group_by(Idea.status)).all())
    by_status = [{"status": s, "label": str(STATUS_LABELS[s]), "ideas": status_counts.get(s, 0)}
                 for s in STATUSES]

    months = recent_months(now)
    since = _month_start(months[0])
    by_month_raw = _breakdown(
        conditions, cutoff, target, durations["month"],
        idea_dim=month_key(Idea.created_at), delivered_dim=month_key(Idea.delivered_at),
        outcome_dim=month_key(OutcomeReport.published_at), pledge_dim=month_key(Pledge.created_at),
        window=_Window(since))
    by_month = [{"month": key, "label": month_label(key),
                 **_row(by_month_raw.get(key), target)} for key in months]

    by_ward_raw = _breakdown(conditions, cutoff, target, durations["ward"],
                             idea_dim=Idea.ward_id, delivered_dim=Idea.ward_id,
                             outcome_dim=Idea.ward_id, pledge_dim=Idea.ward_id)
    ward_query = select(Ward.id, Ward.name, Ward.name_cy).order_by(Ward.name)
    if ward_id is not None:
        ward_query = ward_query.where(Ward.id == ward_id)
    by_ward = [{"ward_id": wid, "ward": name, "ward_cy": name_cy,
                **_row(by_ward_raw.get(wid), target)}
               for wid, name, name_cy in db.session.execute(ward_query)]

    by_category_raw = _breakdown(conditions, cutoff, target, durations["category"],
                                 idea_dim=Idea.category_id, delivered_dim=Idea.category_id,
                                 outcome_dim=Idea.category_id, pledge_dim=Idea.category_id)
    category_query = select(Category.id, Category.name, Category.name_cy).order_by(Category.name)
    if category_id is not None:
        category_query = category_query.where(Category.id == category_id)
    by_category = [{"category_id": cid, "category": name, "category_cy": name_cy,
                    **_row(by_category_raw.get(cid), target)}
                   for cid, name, name_cy in db.session.execute(category_query)]

    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "filters": {"ward_id": ward_id, "category_id": category_id},
        "response_target_days": target,
        "decision_target_days": decision_target,
        "totals": totals,
        "decisions_by_status": by_status,
        "by_month": by_month,
        "by_ward": by_ward,
        "by_category": by_category,
    }
