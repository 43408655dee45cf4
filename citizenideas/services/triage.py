"""Council triage: what counts as waiting and overdue, and the everyday staff actions on an
idea.

Status changes themselves go through services.lifecycle.change_status; this module holds
the rules the triage dashboard counts and filters by (services/council_dashboard.py reads
it) and the actions around them (assign, internal notes, official replies, bulk status
changes, links to community assets). Reports of abuse are in
services.reports, merging duplicates in services.merging. Every staff action writes an
AuditLog row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Comment,
    CommunityAsset,
    Idea,
    InternalNote,
    StatusChange,
    User,
    utcnow,
)
from ..permissions import require
from .audit import record_audit
from .engagement import bump_counter
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


def overdue_cutoff(now: datetime | None = None) -> datetime:
    """Ideas created before this and still without a public response are overdue."""
    return (now or utcnow()) - timedelta(days=response_target_days())


def overdue_clause(now: datetime | None = None):
    return and_(Idea.first_response_at.is_(None), Idea.status.in_(OPEN_STATUSES),
                Idea.merged_into_id.is_(None), Idea.created_at < overdue_cutoff(now))


def is_overdue(idea: Idea, now: datetime | None = None) -> bool:
    return (idea.first_response_at is None and idea.status in OPEN_STATUSES
            and idea.created_at < overdue_cutoff(now))


def decision_cutoff(now: datetime | None = None) -> datetime:
    """Ideas created before this and still not decided (accepted, declined or merged) are
    overdue for a decision, whether or not they had a first public response."""
    return (now or utcnow()) - timedelta(days=decision_target_days())


def decision_overdue_clause(now: datetime | None = None):
    return and_(Idea.decided_at.is_(None), Idea.status.in_(OPEN_STATUSES),
                Idea.merged_into_id.is_(None), Idea.created_at < decision_cutoff(now))


def is_decision_overdue(idea: Idea, now: datetime | None = None) -> bool:
    return (idea.decided_at is None and idea.status in OPEN_STATUSES
            and idea.merged_into_id is None and idea.created_at < decision_cutoff(now))


def days_waiting(idea: Idea, now: datetime | None = None) -> int:
    """Whole days since the idea was proposed."""
    return max(0, ((now or utcnow()) - idea.created_at).days)


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
