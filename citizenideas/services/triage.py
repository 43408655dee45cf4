"""Council triage: the dashboard's queues and the everyday staff actions on an idea.

Status changes themselves go through services.lifecycle.change_status; this module holds
the queries behind the triage dashboard and the actions around them (assign, internal notes,
official replies, bulk status changes, links to community assets). Reports of abuse are in
services.reports, merging duplicates in services.merging. Every staff action writes an
AuditLog row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.orm import joinedload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..input import whole_number
from ..models import (
    FIGURES,
    Claim,
    Comment,
    CommunityAsset,
    DataVersion,
    Flag,
    Idea,
    InternalNote,
    OutcomeReport,
    StatusChange,
    User,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from . import search
from .audit import record_audit
from .engagement import bump_counter
from .figures_cache import cache_key, figures_cache
from .lifecycle import (
    STATUS_LABELS,
    TRANSITIONS,
    add_timeline_event,
    change_status,
    lock_ideas,
    message_required,
)
from .notifications import notify_idea_audience
from .site import decision_target_days, response_target_days
from .text_rules import clean_text

MAX_NOTE = 5000
# Statuses still waiting for the council: "open" on the dashboard.
OPEN_STATUSES = ("submitted", "under_review")
AGE_FILTERS = ("overdue", "decision_overdue", "7", "14", "30")
SORTS = ("oldest", "supported")


def overdue_cutoff(now: datetime | None = None) -> datetime:
    """Ideas created before this and still without a public response are overdue."""
    return (now or utcnow()) - timedelta(days=response_target_days())


def _overdue_clause(now: datetime | None = None):
    return and_(Idea.first_response_at.is_(None), Idea.status.in_(OPEN_STATUSES),
                Idea.merged_into_id.is_(None), Idea.created_at < overdue_cutoff(now))


def is_overdue(idea: Idea, now: datetime | None = None) -> bool:
    return (idea.first_response_at is None and idea.status in OPEN_STATUSES
            and idea.created_at < overdue_cutoff(now))


def decision_cutoff(now: datetime | None = None) -> datetime:
    """Ideas created before this and still not decided (accepted, declined or merged) are
    overdue for a decision, whether or not they had a first public response."""
    return (now or utcnow()) - timedelta(days=decision_target_days())


def _decision_overdue_clause(now: datetime | None = None):
    return and_(Idea.decided_at.is_(None), Idea.status.in_(OPEN_STATUSES),
                Idea.merged_into_id.is_(None), Idea.created_at < decision_cutoff(now))


def is_decision_overdue(idea: Idea, now: datetime | None = None) -> bool:
    return (idea.decided_at is None and idea.status in OPEN_STATUSES
            and idea.merged_into_id is None and idea.created_at < decision_cutoff(now))


def days_waiting(idea: Idea, now: datetime | None = None) -> int:
    """Whole days since the idea was proposed."""
    return max(0, ((now or utcnow()) - idea.created_at).days)


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

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(select(
        select(DataVersion.token).where(DataVersion.key == FIGURES)
        .scalar_subquery().label("token"),
        count(Flag, Flag.resolved_at.is_(None)).label("flags"),
        count(Claim, Claim.status == "pending").label("claims"),
        count(OutcomeReport, OutcomeReport.state == "submitted").label("outcomes"),
        count(OutcomeReport, OutcomeReport.state == "published",
              OutcomeReport.disputed_at.is_not(None)).label("disputed"),
    )).one()
    ideas = _open_idea_counts(row.token)
    return {"new": ideas["submitted"], "under_review": ideas["under_review"],
            "overdue": ideas["overdue"], "decision_overdue": ideas["decision_overdue"],
            "flags": row.flags, "claims": row.claims, "outcomes": row.outcomes,
            "disputed": row.disputed}, row.token


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
    late, undecided = _overdue_clause(), _decision_overdue_clause()
    rows = db.session.execute(
        select(Idea.status, func.count(),
               func.coalesce(func.sum(case((late, 1), else_=0)), 0),
               func.coalesce(func.sum(case((undecided, 1), else_=0)), 0))
        .where(Idea.status.in_(OPEN_STATUSES)).group_by(Idea.status))
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
    """The dashboard list: filtered, sorted and paginated in SQL (two queries). ``version``:
    the figures' data version when the caller has just read it (queue_counts_and_version),
    so that the cached counts need not read it again."""
    require(actor, "moderate")
    where = []
    if filters.status == "open" or not filters.status:
        where.append(Idea.status.in_(OPEN_STATUSES))
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
        where.append(_overdue_clause())
    elif filters.age == "decision_overdue":
        where.append(_decision_overdue_clause())
    elif filters.age.isdigit():
        where.append(Idea.created_at < utcnow() - timedelta(days=int(filters.age)))
    if filters.q:
        # A reference (exactly, any case) or the full-text search: never LIKE over every idea.
        by_reference = Idea.reference == filters.q.strip().upper()
        parsed = search.parse_query(filters.q)
        where.append(or_(by_reference, search.match_ideas(parsed).as_condition())
                     if parsed else by_reference)
    order = ((Idea.total_support_count.desc(), Idea.created_at.asc())
             if filters.sort == "supported"
             else (Idea.created_at.asc(),))
    loads = (joinedload(Idea.category), joinedload(Idea.ward), joinedload(Idea.assignee))
    query = select(Idea).where(*where).order_by(*order, Idea.id).options(*loads)
    count = select(func.count(Idea.id)).where(*where)
    if filters == TriageFilters(status=filters.status, sort=filters.sort) and (
            filters.status in (*OPEN_STATUSES, "open") or not filters.status):
        # Only the status filter: the dashboard's cached counts say how many (the default
        # view, on every visit to /council).
        counted = (_open_idea_counts(version) if version is not None
                   else _open_idea_counts(read_token=True))
        count = (counted["submitted"] + counted["under_review"]
                 if filters.status in ("open", "") else counted[filters.status])
    if filters.status == "open" or not filters.status:
        # Both open statuses, oldest or most supported first: read each status's ideas in
        # that order from its (status, created_at) or (status, support, created_at) index and
        # merge, rather than sort every open idea (0.27 s a request at 100,000 ideas oldest
        # first, 46 ms by support). tests/test_list_plans.py
        others = where[1:]  # where[0] is the open statuses, which the merge reads one by one
        # The page's ids already meet every filter: look them up by id alone. With the
        # filters repeated, SQLite walked every open idea's status entry testing each id
        # (3.5 ms a request at 100,000 ideas). tests/test_list_plans.py
        by_id = (select(Idea).where(Idea.id.in_(
            _open_page_ids(others, filters.sort == "supported", page, per_page)))
                 .order_by(*order, Idea.id).options(*loads))
        return paginate(by_id, page, per_page, count=count, offset=False)
    return paginate(query, page, per_page, count=count)


def _open_page_ids(where: list, by_support: bool, page: int, per_page: int):
    """The ids on ``page`` of the open ideas matching ``where``, oldest (or most supported,
    then oldest) first: the first ``page * per_page`` of each open status in index order,
    merged, then the page's share."""
    keep = max(1, page) * per_page
    # Only the columns of the sort, so that oldest first reads its index alone.
    columns = ((Idea.id, Idea.total_support_count, Idea.created_at) if by_support
               else (Idea.id, Idea.created_at))
    order = ((Idea.total_support_count.desc(), Idea.created_at, Idea.id) if by_support
             else (Idea.created_at, Idea.id))
    each = [select(*columns).where(Idea.status == status, *where)
            .order_by(*order).limit(keep).subquery()
            for status in OPEN_STATUSES]
    merged = union_all(*(select(*part.c) for part in each)).subquery()
    outer = ((merged.c.total_support_count.desc(), merged.c.created_at, merged.c.id)
             if by_support else (merged.c.created_at, merged.c.id))
    return (select(merged.c.id).order_by(*outer)
            .offset((max(1, page) - 1) * per_page).limit(per_page))


# Who can be assigned ideas: moderators and admins still here.
ASSIGNABLE = (User.role.in_(("moderator", "admin")), User.deactivated_at.is_(None),
              User.deleted_at.is_(None))


def staff_users() -> list[User]:
    """Moderators and admins who can be assigned ideas."""
    return list(db.session.scalars(
        select(User).where(*ASSIGNABLE).order_by(User.display_name)))


def idea_label(idea: Idea) -> str:
    """How an idea is named in messages: its reference, or its number before it has one."""
    return idea.reference or f"#{idea.id}"


def assign_idea(actor: User, idea: Idea, assignee: User | None) -> Idea:
    """Give the idea to a moderator (or nobody)."""
    require(actor, "moderate", idea)
    if assignee is not None and not assignee.is_staff:
        raise ValidationFailed(_("Choose a moderator."),
                               {"assignee_id": [_("Choose a moderator or admin from the list.")]})
    before = {"assignee_id": idea.assignee_id}
    idea.assignee_id = assignee.id if assignee is not None else None
    idea.assignee = assignee
    record_audit(actor, "idea.assign", idea, before, {"assignee_id": idea.assignee_id})
    db.session.flush()
    return idea


def add_internal_note(actor: User, idea: Idea, body: str) -> InternalNote:
    """A staff-only note. Never public, never in the API for anyone else."""
    require(actor, "moderate", idea)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, required=_("Enter a note."), maximum=MAX_NOTE,
                      too_long=_("The note must be 5,000 characters or fewer."))
    if errors:
        raise ValidationFailed(_("The note is too long.") if body else _("Enter a note."), errors)
    note = InternalNote(idea_id=idea.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    record_audit(actor, "idea.note", idea, None, {"note_id": note.id})
    db.session.flush()
    return note


def internal_notes(actor: User, idea: Idea) -> list[InternalNote]:
    require(actor, "moderate", idea)
    return list(db.session.scalars(
        select(InternalNote).where(InternalNote.idea_id == idea.id)
        .order_by(InternalNote.created_at, InternalNote.id)
        .options(joinedload(InternalNote.author))))


def post_official_reply(actor: User, idea: Idea, body: str) -> Comment:
    """A comment marked as from the council; the first one counts as the public response."""
    require(actor, "official_reply", idea)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, required=_("Enter your reply."), maximum=MAX_NOTE,
                      too_long=_("The reply must be 5,000 characters or fewer."))
    if errors:
        raise ValidationFailed(_("The reply is too long.") if body else _("Enter your reply."),
                               errors)
    now = utcnow()
    comment = Comment(idea_id=idea.id, author_id=actor.id, body=body, official=True,
                      created_at=now)
    db.session.add(comment)
    bump_counter("comment_count", idea, +1)
    before = {"first_response_at": idea.first_response_at.isoformat()
              if idea.first_response_at else None}
    if actor.is_staff and idea.first_response_at is None:
        idea.first_response_at = now
    idea.updated_at = now
    db.session.flush()
    record_audit(actor, "idea.official_reply", idea, before,
                 {"comment_id": comment.id, "first_response_at":
                  idea.first_response_at.isoformat() if idea.first_response_at else None})
    notify_idea_audience(idea, "official_reply", _l("The council replied: %(title)s",
                                                    title=idea.title), body, actor=actor)
    db.session.flush()
    return comment


def bulk_change_status(actor: User, ideas: list[Idea], to_status: str,
                       message: str) -> list[StatusChange]:
    """Change several ideas at once with one message: all of them, or none.

    A transition refused on any idea raises Conflict naming those ideas; nothing changes.
    """
    require(actor, "change_status")
    if not ideas:
        raise ValidationFailed(_("Select at least one idea."),
                               {"idea_ids": [_("Select at least one idea.")]})
    if to_status not in TRANSITIONS:
        raise ValidationFailed(_("Choose a status."), {"status": [_("Choose a valid status.")]})
    from .lifecycle import allowed_targets

    # The statuses the moderator saw on the dashboard; then every idea under lock, so a
    # change made meanwhile refuses the whole batch rather than being overwritten.
    seen = {i.id: i.status for i in ideas}
    lock_ideas(ideas)
    changed = [i for i in ideas if i.status != seen[i.id]]
    if changed:
        raise Conflict(_("Nothing was changed. Another moderator changed %(refs)s a moment "
                         "ago: check the list and try again.",
                         refs=", ".join(idea_label(i) for i in changed)))
    refused = [i for i in ideas if to_status not in allowed_targets(i)]
    if refused:
        raise Conflict(_("Nothing was changed. These ideas cannot become %(status)s: %(refs)s.",
                         status=str(STATUS_LABELS[to_status]),
                         refs=", ".join(idea_label(i) for i in refused)))
    if any(message_required(i.status, to_status) for i in ideas) and not (message or "").strip():
        raise ValidationFailed(_("Give a public reason for this change."),
                               {"message": [_("Enter a public message explaining the change.")]})
    return [change_status(actor, idea, to_status, message) for idea in ideas]


def link_asset(actor: User, idea: Idea, asset: CommunityAsset | None) -> Idea:
    require(actor, "manage_assets", idea)
    if asset is None or asset.retired_at is not None:
        raise ValidationFailed(_("Choose a place."),
                               {"asset_id": [_("Choose a place from the list.")]})
    if asset in idea.assets:
        return idea
    idea.assets.append(asset)
    add_timeline_event(actor, idea, "assets", _("Linked to %(name)s.", name=asset.name))
    record_audit(actor, "idea.link_asset", idea, None, {"asset_id": asset.id})
    db.session.flush()
    return idea


def unlink_asset(actor: User, idea: Idea, asset: CommunityAsset | None) -> Idea:
    require(actor, "manage_assets", idea)
    if asset is None or asset not in idea.assets:
        raise NotFound(_("That place is not linked to this idea."))
    idea.assets.remove(asset)
    add_timeline_event(actor, idea, "assets", _("No longer linked to %(name)s.", name=asset.name))
    record_audit(actor, "idea.unlink_asset", idea, {"asset_id": asset.id}, None)
    db.session.flush()
    return idea
