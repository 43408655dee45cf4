"""Council moderation: the triage queues and every staff action on an idea.

Status changes themselves go through services.lifecycle.change_status; this module adds the
actions around them (assign, note, merge, hide, flags, assets, official replies, bulk changes)
and the queries behind the triage dashboard. Every staff action writes an AuditLog row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import joinedload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..input import whole_number
from ..models import (
    AuditLog,
    Claim,
    Comment,
    CommunityAsset,
    Flag,
    Follow,
    Idea,
    InternalNote,
    OutcomeReport,
    StatusChange,
    Support,
    User,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from .audit import record_audit
from .engagement import bump_counter
from .lifecycle import (
    STATUS_LABELS,
    TRANSITIONS,
    add_timeline_event,
    change_status,
    changed_meanwhile,
    lock_ideas,
    message_required,
)
from .notifications import notify_idea_audience, notify_user
from .site import response_target_days
from .text_rules import clean_text

MAX_NOTE = 5000
MAX_REASON = 300
# Statuses still waiting for the council: "open" on the dashboard.
OPEN_STATUSES = ("submitted", "under_review")
AGE_FILTERS = ("overdue", "7", "14", "30")
SORTS = ("oldest", "supported")


# --- Dashboard queries -----------------------------------------------------------------


def overdue_cutoff(now: datetime | None = None) -> datetime:
    """Ideas created before this and still without a public response are overdue."""
    return (now or utcnow()) - timedelta(days=response_target_days())


def _overdue_clause(now: datetime | None = None):
    return and_(Idea.first_response_at.is_(None), Idea.status.in_(OPEN_STATUSES),
                Idea.merged_into_id.is_(None), Idea.created_at < overdue_cutoff(now))


def is_overdue(idea: Idea, now: datetime | None = None) -> bool:
    return (idea.first_response_at is None and idea.status in OPEN_STATUSES
            and idea.created_at < overdue_cutoff(now))


def days_waiting(idea: Idea, now: datetime | None = None) -> int:
    """Whole days since the idea was proposed."""
    return max(0, ((now or utcnow()) - idea.created_at).days)


def queue_counts(actor: User) -> dict[str, int]:
    """Counts for every dashboard queue, in one SQL query."""
    require(actor, "moderate")

    def count(model, *where):
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(select(
        count(Idea, Idea.status == "submitted").label("new"),
        count(Idea, Idea.status == "under_review").label("under_review"),
        count(Idea, _overdue_clause()).label("overdue"),
        count(Flag, Flag.resolved_at.is_(None)).label("flags"),
        count(Claim, Claim.status == "pending").label("claims"),
        count(OutcomeReport, OutcomeReport.state == "submitted").label("outcomes"),
    )).one()
    return dict(row._mapping)


@dataclass
class TriageFilters:
    """What the dashboard list is filtered and sorted by (all optional)."""

    status: str = "open"
    category_id: int | None = None
    ward_id: int | None = None
    assignee: str = ""  # "", "me", "unassigned" or a user id
    age: str = ""  # "", "overdue" or a number of days
    q: str = ""
    sort: str = "oldest"


def triage_list(actor: User, filters: TriageFilters, page: int = 1,
                per_page: int = 25) -> Page:
    """The dashboard list: filtered, sorted and paginated in SQL (two queries)."""
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
    elif filters.age.isdigit():
        where.append(Idea.created_at < utcnow() - timedelta(days=int(filters.age)))
    if filters.q:
        like = f"%{filters.q.lower()}%"
        where.append(or_(func.lower(Idea.title).like(like),
                         func.lower(Idea.description).like(like),
                         func.lower(Idea.reference).like(like)))
    order = ((Idea.support_count.desc(), Idea.created_at.asc()) if filters.sort == "supported"
             else (Idea.created_at.asc(),))
    return paginate(
        select(Idea).where(*where).order_by(*order, Idea.id)
        .options(joinedload(Idea.category), joinedload(Idea.ward), joinedload(Idea.assignee)),
        page, per_page, count=select(func.count(Idea.id)).where(*where))


def staff_users() -> list[User]:
    """Moderators and admins who can be assigned ideas."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(("moderator", "admin")), User.deactivated_at.is_(None),
                           User.deleted_at.is_(None)).order_by(User.display_name)))


def open_flags(actor: User, idea: Idea | None = None, page: int = 1,
               per_page: int = 50) -> Page:
    """Open reports, oldest first (optionally for one idea)."""
    require(actor, "moderate")
    where = [Flag.resolved_at.is_(None)]
    if idea is not None:
        where.append(Flag.idea_id == idea.id)
    return paginate(
        select(Flag).where(*where).order_by(Flag.created_at, Flag.id)
        .options(joinedload(Flag.idea), joinedload(Flag.reporter)), page, per_page,
        count=select(func.count(Flag.id)).where(*where))


def flag_targets(flags: list[Flag]) -> dict[int, Comment]:
    """The comments the given flags are about, by id (one query)."""
    ids = {f.target_id for f in flags if f.target_type == "comment"}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(
        select(Comment).where(Comment.id.in_(ids)).options(joinedload(Comment.author)))}


def find_idea(ref: str) -> Idea | None:
    """An idea by reference (case-insensitive) or by number."""
    ref = (ref or "").strip()
    if not ref:
        return None
    idea = db.session.scalar(select(Idea).where(func.upper(Idea.reference) == ref.upper()))
    number = whole_number(ref.lstrip("#"))
    if idea is None and number is not None:
        idea = db.session.get(Idea, number)
    return idea


# --- Actions ----------------------------------------------------------------------------


def _label(idea: Idea) -> str:
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


def _recount_supports(idea_ids: list[int]) -> None:
    for idea_id in idea_ids:
        db.session.execute(update(Idea).where(Idea.id == idea_id).values(
            support_count=select(func.count(Support.id)).where(Support.idea_id == idea_id)
            .scalar_subquery()))


def merge_idea(actor: User, idea: Idea, into: Idea | None, message: str) -> StatusChange:
    """Mark ``idea`` a duplicate of ``into``; move its supporters and followers across.

    A person who supported both counts once on the target. Both timelines say so.
    """
    require(actor, "merge_idea", idea)
    if into is None:
        raise ValidationFailed(_("Enter the idea to merge into."),
                               {"into": [_("Enter the reference or number of an existing idea.")]})
    if into.id == idea.id:
        raise ValidationFailed(_("An idea cannot be merged into itself."),
                               {"into": [_("Enter a different idea.")]})
    # Both ideas under lock (see lifecycle.lock_idea): a merge racing another merge or a
    # status change sees what that one wrote, so A -> B and B -> A cannot both happen.
    seen = idea.status
    lock_ideas([idea, into])
    if idea.status != seen:
        raise changed_meanwhile(actor, idea)
    if into.status == "duplicate" or into.merged_into_id is not None:
        raise Conflict(_("%(ref)s is itself a duplicate: merge into the idea it was merged into.",
                         ref=_label(into)))
    if into.status == "withdrawn":
        raise Conflict(_("%(ref)s has been withdrawn: choose another idea.", ref=_label(into)))
    if "duplicate" not in TRANSITIONS[idea.status]:
        raise Conflict(_("An idea that is %(status)s cannot be merged.",
                         status=str(STATUS_LABELS[idea.status]).lower()))
    change = change_status(actor, idea, "duplicate", message, related_idea=into)
    idea.merged_into_id = into.id

    # Supporters and followers move; anyone already on the target is not added twice.
    for model in (Support, Follow):
        already = select(model.user_id).where(model.idea_id == into.id)
        db.session.execute(insert(model).from_select(
            ["user_id", "idea_id", "created_at"],
            select(model.user_id, literal(into.id), model.created_at)
            .where(model.idea_id == idea.id, model.user_id.not_in(already))))
        db.session.execute(delete(model).where(model.idea_id == idea.id))
    _recount_supports([idea.id, into.id])

    add_timeline_event(actor, idea, "merged",
                       _("Merged into %(ref)s: %(title)s", ref=_label(into), title=into.title),
                       related_idea=into)
    add_timeline_event(actor, into, "merged_in",
                       _("%(ref)s (%(title)s) was merged into this idea. Its supporters and "
                         "followers now count here.", ref=_label(idea), title=idea.title),
                       related_idea=idea)
    into.updated_at = utcnow()
    record_audit(actor, "idea.merge", idea, {"status": change.from_status, "merged_into_id": None},
                 {"status": "duplicate", "merged_into_id": into.id})
    db.session.flush()
    db.session.refresh(idea)
    db.session.refresh(into)
    return change


def _check_reason(reason: str) -> str:
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=_("Enter the reason for hiding."),
                        maximum=MAX_REASON,
                        too_long=_("The reason must be 300 characters or fewer."))
    if errors:
        raise ValidationFailed(_("The reason is too long.") if reason else _("Give a reason."),
                               errors)
    return reason


def hide_idea(actor: User, idea: Idea, reason: str) -> Idea:
    """Hide an idea from the public, with a reason its author is told."""
    require(actor, "hide", idea)
    reason = _check_reason(reason)
    before = {"hidden": idea.hidden, "hidden_reason": idea.hidden_reason}
    idea.hidden, idea.hidden_reason = True, reason
    add_timeline_event(actor, idea, "hidden", reason)
    record_audit(actor, "idea.hide", idea, before, {"hidden": True, "hidden_reason": reason})
    author = db.session.get(User, idea.author_id)
    if author is not None and author.id != actor.id and author.deleted_at is None:
        notify_user(author, "idea_hidden", _("Your idea has been hidden"),
                    _("Your idea \u201c%(title)s\u201d has been hidden from the public. "
                      "Reason: %(reason)s", title=idea.title, reason=reason), idea=idea)
    db.session.flush()
    return idea


def unhide_idea(actor: User, idea: Idea) -> Idea:
    require(actor, "hide", idea)
    before = {"hidden": idea.hidden, "hidden_reason": idea.hidden_reason}
    idea.hidden, idea.hidden_reason = False, None
    add_timeline_event(actor, idea, "unhidden", _("This idea is visible again."))
    record_audit(actor, "idea.unhide", idea, before, {"hidden": False})
    db.session.flush()
    return idea


def hide_comment(actor: User, comment: Comment, reason: str) -> Comment:
    require(actor, "hide", comment)
    reason = _check_reason(reason)
    before = {"hidden": comment.hidden, "hidden_reason": comment.hidden_reason}
    comment.hidden, comment.hidden_reason = True, reason
    record_audit(actor, "comment.hide", comment, before, {"hidden": True, "hidden_reason": reason})
    author = db.session.get(User, comment.author_id)
    if author is not None and author.id != actor.id and author.deleted_at is None:
        idea = db.session.get(Idea, comment.idea_id)
        notify_user(author, "comment_hidden", _("Your comment has been hidden"),
                    _("Your comment on \u201c%(title)s\u201d has been hidden from the public. "
                      "Reason: %(reason)s", title=idea.title, reason=reason), idea=idea)
    db.session.flush()
    return comment


def unhide_comment(actor: User, comment: Comment) -> Comment:
    require(actor, "hide", comment)
    before = {"hidden": comment.hidden, "hidden_reason": comment.hidden_reason}
    comment.hidden, comment.hidden_reason = False, None
    record_audit(actor, "comment.unhide", comment, before, {"hidden": False})
    db.session.flush()
    return comment


def _flag_target(flag: Flag) -> Idea | Comment | None:
    model = Idea if flag.target_type == "idea" else Comment
    return db.session.get(model, flag.target_id)


def _hidden_by_staff(target: Idea | Comment) -> bool:
    """True if the latest hide/unhide of ``target`` in the audit log is a staff hide.

    An item hidden automatically by residents' reports has no such entry, so dismissing the
    reports can show it again; an item a moderator hid stays hidden.
    """
    kind = "idea" if isinstance(target, Idea) else "comment"
    last = db.session.scalar(
        select(AuditLog.action).where(AuditLog.target_type == type(target).__name__,
                                      AuditLog.target_id == target.id,
                                      AuditLog.action.in_((f"{kind}.hide", f"{kind}.unhide")))
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(1))
    return last == f"{kind}.hide"


def resolve_flag(actor: User, flag: Flag, resolution: str, note: str = "") -> Flag:
    """Uphold (the item stays or becomes hidden) or dismiss a report.

    Dismissing the last open report on an item hidden automatically by reports shows it again.
    """
    require(actor, "hide", flag)
    if resolution not in ("upheld", "dismissed"):
        raise ValidationFailed(_("Choose a decision."),
                               {"resolution": [_("Choose to uphold or dismiss the report.")]})
    if flag.resolved_at is not None:
        raise Conflict(_("This report has already been resolved."))
    note = (note or "").strip()[:MAX_NOTE]
    flag.resolution, flag.resolution_note = resolution, note or None
    flag.resolved_by_id, flag.resolved_at = actor.id, utcnow()
    record_audit(actor, "flag.resolve", flag, {"resolution": None},
                 {"resolution": resolution, "note": note})
    db.session.flush()
    target = _flag_target(flag)
    if target is None:
        return flag
    if resolution == "upheld" and not target.hidden:
        reason = note or _("Reported content removed by a moderator: %(reason)s",
                           reason=flag.reason)
        hide = hide_idea if isinstance(target, Idea) else hide_comment
        hide(actor, target, reason[:MAX_REASON])
    elif resolution == "dismissed" and target.hidden:
        still_open = db.session.scalar(select(exists().where(
            Flag.target_type == flag.target_type, Flag.target_id == flag.target_id,
            Flag.resolved_at.is_(None))))
        if not still_open and not _hidden_by_staff(target):
            (unhide_idea if isinstance(target, Idea) else unhide_comment)(actor, target)
    db.session.flush()
    return flag


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
    notify_idea_audience(idea, "official_reply", _("The council replied: %(title)s",
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
                         refs=", ".join(_label(i) for i in changed)))
    refused = [i for i in ideas if to_status not in allowed_targets(i)]
    if refused:
        raise Conflict(_("Nothing was changed. These ideas cannot become %(status)s: %(refs)s.",
                         status=str(STATUS_LABELS[to_status]).lower(),
                         refs=", ".join(_label(i) for i in refused)))
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
