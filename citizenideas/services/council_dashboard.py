"""Everything the council dashboard (/council) shows, read in one place: the queues' counts,
the filtered and sorted list of ideas waiting for the council, and the filters' choices.
What counts as overdue, and the actions on an idea, are in services/triage.py.

The dashboard is the page moderators open most, and it is never cached (it is signed in), so
it reads as little as it can, each in as few statements as it can, and its fixed statements
are built once per process (building one cost more than running it):

- the queues' counts and the figures' data version, in one statement;
- the page of ideas, counted from the cached idea counts at that data version;
- the categories and wards of the filters, kept in this process per data version (a category
  or ward changed anywhere gives a new version: models/versions.py), so they cost nothing
  until one changes;
- the staff who can be assigned ideas (id and name only);
- the residents to contact by phone or post, counted in the same statement as the first ten;
- the nominations and transfer reports waiting (their own services).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import Integer, bindparam, case, func, or_, select, union_all
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..input import whole_number
from ..models import (
    FIGURES,
    Category,
    Claim,
    DataVersion,
    Flag,
    Idea,
    OutcomeReport,
    User,
    Ward,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from . import asset_reports, assisted, community_value_lists, search, triage
from .figures_cache import cache_key, figures_cache
from .site import decision_target_days

DUE_SHOWN = 10
AGE_FILTERS = ("overdue", "decision_overdue", "7", "14", "30")
SORTS = ("oldest", "supported")
# Choices kept per data version; a handful is enough (old versions are never asked again).
_CHOICES_KEPT = 8
_choices: dict[str, tuple[tuple, tuple]] = {}
_choices_lock = threading.Lock()


@dataclass
class Dashboard:
    ideas: Page
    counts: dict[str, int]
    categories: tuple[dict, ...]  # {"id", "name", "name_cy"}, by name, retired ones too
    wards: tuple[dict, ...]
    staff: list[tuple[int, str]]  # (id, name) of those who can be assigned ideas
    due: list[assisted.ContactDue]
    due_total: int
    nominations_waiting: int
    nominations_overdue: int
    reports_overdue: int


def read_dashboard(actor: User, filters: TriageFilters, page: int,
                   per_page: int) -> Dashboard:
    """The dashboard's queues, the filtered page of ideas and the filters' choices."""
    require(actor, "moderate")
    counts, token = queue_counts_and_version(actor)
    ideas = triage_list(actor, filters, page, per_page, version=token)
    categories, wards = place_choices(token)
    due, due_total = assisted.contacts_due(actor, limit=DUE_SHOWN)
    waiting, late = community_value_lists.queue_counts()
    return Dashboard(ideas=ideas, counts=counts, categories=categories, wards=wards,
                     staff=staff_choices(), due=due, due_total=due_total,
                     nominations_waiting=waiting, nominations_overdue=late,
                     reports_overdue=asset_reports.overdue_count())


def queue_counts(actor: User) -> dict[str, int]:
    """Counts for every dashboard queue (see queue_counts_and_version)."""
    return queue_counts_and_version(actor)[0]


def queue_counts_and_version(actor: User) -> tuple[dict[str, int], str | None]:
    """Counts for every dashboard queue: one SQL query once the idea counts are cached; and
    the figures' data version they were read at (the dashboard keys other things by it).

    The small queues (reports, claims, outcomes) are counted from their indexes on every
    request, in the same query that reads the figures' data version. The idea counts (new,
    under review, both overdue counts) read every open idea's index entry, which grows with the
    council (35 ms a request at 100,000 ideas), so they are kept in the figures cache: computed
    again after any write that changes an idea's status, dates or merge (models/versions.py),
    or after CACHE_SECONDS, as the clock makes ideas overdue.
    """
    require(actor, "moderate")
    row = db.session.execute(_small_queue_counts()).one()
    ideas = _open_idea_counts(row.token)
    return {"new": ideas["submitted"], "under_review": ideas["under_review"],
            "overdue": ideas["overdue"], "decision_overdue": ideas["decision_overdue"],
            "flags": row.flags, "claims": row.claims, "outcomes": row.outcomes,
            "disputed": row.disputed}, row.token


@cache
def _small_queue_counts():
    """The statement, built once (building it cost more than running it)."""

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    return select(
        select(DataVersion.token).where(DataVersion.key == FIGURES)
        .scalar_subquery().label("token"),
        count(Flag, Flag.resolved_at.is_(None)).label("flags"),
        count(Claim, Claim.status == "pending").label("claims"),
        count(OutcomeReport, OutcomeReport.state == "submitted").label("outcomes"),
        count(OutcomeReport, OutcomeReport.state == "published",
              OutcomeReport.disputed_at.is_not(None)).label("disputed"))


def _open_idea_counts(token: str | None = None, *, read_token: bool = False) -> dict[str, int]:
    """Ideas waiting for the council, by status, and how many are overdue for a first
    response and for a decision: from the figures cache at data version ``token`` (read here
    when ``read_token``)."""
    key = cache_key("council-open-ideas", decision_target_days(), localised=False)
    if read_token:
        return figures_cache.get(key, _count_open_ideas)
    return figures_cache.get_at(key, token, _count_open_ideas)


def _count_open_ideas() -> dict[str, int]:
    """One pass over the open ideas' entries in ``ix_ideas_status_created``, which holds every
    column tested (tests/test_list_plans.py)."""
    counts = {"submitted": 0, "under_review": 0, "overdue": 0, "decision_overdue": 0}
    late, undecided = triage.overdue_clause(), triage.decision_overdue_clause()
    rows = db.session.execute(
        select(Idea.status, func.count(),
               func.coalesce(func.sum(case((late, 1), else_=0)), 0),
               func.coalesce(func.sum(case((undecided, 1), else_=0)), 0))
        .where(Idea.status.in_(triage.OPEN_STATUSES)).group_by(Idea.status))
    for status, n, overdue, decision_overdue in rows:
        counts[status] = n
        counts["overdue"] += int(overdue)
        counts["decision_overdue"] += int(decision_overdue)
    return counts


@dataclass
class TriageFilters:
    """What the dashboard list is filtered and sorted by (all optional)."""

    status: str = "open"
    category_id: int | None = None
    ward_id: int | None = None
    assignee: str = ""  # "", "me", "unassigned" or a user id
    age: str = ""  # "", "overdue", "decision_overdue" or a number of days
    q: str = ""
    sort: str = "oldest"


def triage_list(actor: User, filters: TriageFilters, page: int = 1,
                per_page: int = 25, *, version: str | None = None) -> Page:
    """The dashboard list: filtered, sorted and paginated in SQL (two queries; one when only
    the status is chosen, as the cached counts say how many). ``version``: the figures' data
    version when the caller has just read it (queue_counts_and_version), so that the cached
    counts need not read it again."""
    require(actor, "moderate")
    where = _conditions(actor, filters)
    by_support = filters.sort == "supported"
    open_ideas = filters.status in ("open", "", None)
    count = None
    if filters == TriageFilters(status=filters.status, sort=filters.sort) and (
            open_ideas or filters.status in triage.OPEN_STATUSES):
        # Only the status filter: the dashboard's cached counts say how many (the default
        # view, on every visit to /council).
        counted = (_open_idea_counts(version) if version is not None
                   else _open_idea_counts(read_token=True))
        count = (counted["submitted"] + counted["under_review"] if open_ideas
                 else counted[filters.status])
    if count is None:
        count = select(func.count(Idea.id)).where(*where)
    if open_ideas:
        # Both open statuses, oldest or most supported first: read each status's ideas in
        # that order from its (status, created_at) or (status, support, created_at) index and
        # merge, rather than sort every open idea (0.27 s a request at 100,000 ideas oldest
        # first, 46 ms by support). tests/test_list_plans.py
        page = max(1, page)
        window = {"keep": page * per_page, "skip": (page - 1) * per_page, "size": per_page}
        others = where[1:]  # where[0] is the open statuses, which the merge reads one by one
        statement = (_open_page(others, by_support) if others
                     else _default_open_page(by_support))
        return paginate(statement, page, per_page, count=count, offset=False, params=window)
    return paginate(select(Idea).where(*where).order_by(*_order(by_support), Idea.id)
                    .options(*_row_loads()), page, per_page, count=count)


def _conditions(actor: User, filters: TriageFilters) -> list:
    """The filters as SQL conditions; the status first."""
    where = []
    if filters.status == "open" or not filters.status:
        where.append(Idea.status.in_(triage.OPEN_STATUSES))
    elif filters.status != "all":
        where.append(Idea.status == filters.status)
    if filters.category_id:
        where.append(Idea.category_id == filters.category_id)
    if filters.ward_id:
        where.append(Idea.ward_id == filters.ward_id)
    if filters.assignee == "me":
        where.append(Idea.assignee_id == actor.id)
    elif filters.assignee == "unassigned":
        where.append(Idea.assignee_id.is_(None))
    elif whole_number(filters.assignee) is not None:
        where.append(Idea.assignee_id == whole_number(filters.assignee))
    if filters.age == "overdue":
        where.append(triage.overdue_clause())
    elif filters.age == "decision_overdue":
        where.append(triage.decision_overdue_clause())
    elif filters.age.isdigit():
        where.append(Idea.created_at < utcnow() - timedelta(days=int(filters.age)))
    if filters.q:
        # A reference (exactly, any case) or the full-text search: never LIKE over every idea.
        by_reference = Idea.reference == filters.q.strip().upper()
        parsed = search.parse_query(filters.q)
        where.append(or_(by_reference, search.match_ideas(parsed).as_condition())
                     if parsed else by_reference)
    return where


def _order(by_support: bool) -> tuple:
    return ((Idea.total_support_count.desc(), Idea.created_at.asc()) if by_support
            else (Idea.created_at.asc(),))


def _row_loads() -> tuple:
    return joinedload(Idea.category), joinedload(Idea.ward), joinedload(Idea.assignee)


@cache
def _default_open_page(by_support: bool):
    """The default view's statement (no filter but the open statuses), built once."""
    return _open_page([], by_support)


def _open_page(where: list, by_support: bool):
    """The ideas on one page of the open ideas matching ``where``, oldest (or most supported,
    then oldest) first: the first ``keep`` of each open status in index order, merged, then
    ``size`` of them after the first ``skip`` (bound parameters), looked up by id.

    By id alone: the page's ids already meet every filter. With the filters repeated, SQLite
    walked every open idea's status entry testing each id (3.5 ms a request at 100,000
    ideas). tests/test_list_plans.py"""
    # Only the columns of the sort, so that oldest first reads its index alone.
    columns = ((Idea.id, Idea.total_support_count, Idea.created_at) if by_support
               else (Idea.id, Idea.created_at))
    order = ((Idea.total_support_count.desc(), Idea.created_at, Idea.id) if by_support
             else (Idea.created_at, Idea.id))
    each = [select(*columns).where(Idea.status == status, *where)
            .order_by(*order).limit(bindparam("keep", type_=Integer)).subquery()
            for status in triage.OPEN_STATUSES]
    merged = union_all(*(select(*part.c) for part in each)).subquery()
    outer = ((merged.c.total_support_count.desc(), merged.c.created_at, merged.c.id)
             if by_support else (merged.c.created_at, merged.c.id))
    ids = (select(merged.c.id).order_by(*outer).offset(bindparam("skip", type_=Integer))
           .limit(bindparam("size", type_=Integer)))
    return (select(Idea).where(Idea.id.in_(ids)).order_by(*_order(by_support), Idea.id)
            .options(*_row_loads()))


def staff_choices() -> list[tuple[int, str]]:
    """(id, name) of the staff who can be assigned ideas (triage.ASSIGNABLE), by name."""
    return [(row.id, row.display_name) for row in db.session.execute(_staff_statement())]


@cache
def _staff_statement():
    return (select(User.id, User.display_name).where(*triage.ASSIGNABLE)
            .order_by(User.display_name))


def place_choices(token: str | None) -> tuple[tuple[dict, ...], tuple[dict, ...]]:
    """Every category and ward (retired ones too: the council filters by them), by name, at
    figures data version ``token`` (read by the caller before this is called, so what is
    kept under a version is never older than it). Before the first write there is no
    version, and they are read every time."""
    if token is not None:
        found = _choices.get(token)
        if found is not None:
            return found
    found = (_rows(Category), _rows(Ward))
    if token is not None:
        with _choices_lock:
            if len(_choices) >= _CHOICES_KEPT:
                _choices.clear()
            _choices[token] = found
    return found


def _rows(model) -> tuple[dict, ...]:
    return tuple({"id": row.id, "name": row.name, "name_cy": row.name_cy}
                 for row in db.session.execute(
                     select(model.id, model.name, model.name_cy).order_by(model.name)))
