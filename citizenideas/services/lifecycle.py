"""The idea lifecycle: which status changes are allowed, and what each one writes.

See DESIGN.md "Idea statuses". Every change writes a StatusChange (the public timeline) and
notifies the idea's audience.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Idea, StatusChange, User, utcnow
from ..permissions import require
from .notifications import notify_idea_audience
from .text_rules import clean_text

TRANSITIONS: dict[str, set[str]] = {
    "submitted": {"under_review", "accepted", "declined", "duplicate", "withdrawn"},
    "under_review": {"accepted", "declined", "duplicate", "withdrawn"},
    "accepted": {"in_delivery", "delivered", "not_delivered"},
    "in_delivery": {"delivered", "not_delivered"},
    "declined": {"under_review"},
    "duplicate": set(),
    "withdrawn": set(),
    "delivered": set(),
    "not_delivered": set(),
}
# Changes only the author makes; changes only an outcome's publication makes.
AUTHOR_ONLY = {"withdrawn"}
OUTCOME_ONLY = {"delivered", "not_delivered"}
# A public message is required for these targets, and when reopening a declined idea.
MESSAGE_REQUIRED = {"declined", "duplicate", "not_delivered"}
DECISIONS = {"accepted", "declined", "duplicate"}

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "duplicate": _l("Duplicate"),
    "withdrawn": _l("Withdrawn"),
    "in_delivery": _l("In delivery"),
    "delivered": _l("Delivered"),
    "not_delivered": _l("Not delivered"),
}
# GOV.UK tag colour modifiers per status
STATUS_COLOURS = {
    "submitted": "grey", "under_review": "blue", "accepted": "turquoise", "declined": "red",
    "duplicate": "purple", "withdrawn": "grey", "in_delivery": "yellow", "delivered": "green",
    "not_delivered": "orange",
}


def allowed_targets(idea: Idea, by_author: bool = False) -> list[str]:
    """Statuses a moderator (or the author) may move the idea to from the pages."""
    targets = TRANSITIONS[idea.status] - OUTCOME_ONLY
    targets = targets & AUTHOR_ONLY if by_author else targets - AUTHOR_ONLY
    return sorted(targets, key=list(STATUS_LABELS).index)


def message_required(from_status: str, to_status: str) -> bool:
    return to_status in MESSAGE_REQUIRED or (from_status == "declined"
                                             and to_status == "under_review")


def change_status(actor: User, idea: Idea, to_status: str, message: str = "", *,
                  via_outcome: bool = False, related_idea: Idea | None = None,
                  notify: bool = True) -> StatusChange:
    """Move ``idea`` to ``to_status`` with a public ``message``.

    Moderators move ideas along the lifecycle; the author may only withdraw; ``delivered``
    and ``not_delivered`` are reached only by publishing an outcome (``via_outcome``).
    Raises Conflict for a transition the lifecycle refuses.
    """
    errors: dict[str, list[str]] = {}
    message = clean_text(message, "message", errors, maximum=5000,
                         too_long="The message must be 5,000 characters or fewer.")
    if to_status in AUTHOR_ONLY:
        require(actor, "withdraw_idea", idea,
                detail="Only the person who proposed an idea can withdraw it.")
    else:
        require(actor, "change_status", idea)
    if to_status not in TRANSITIONS:
        raise ValidationFailed("Choose a status.", {"status": ["Choose a valid status."]})
    if to_status not in TRANSITIONS[idea.status]:
        raise Conflict(f"An idea that is {STATUS_LABELS[idea.status].lower()} cannot become "
                       f"{STATUS_LABELS[to_status].lower()}.")
    if to_status in OUTCOME_ONLY and not via_outcome:
        raise Conflict("An idea becomes delivered or not delivered only when its outcome "
                       "is published.")
    if message_required(idea.status, to_status) and not message:
        raise ValidationFailed("Give a public reason for this change.",
                               {"message": ["Enter a public message explaining the change."]})
    if errors:
        raise ValidationFailed("The message is too long.", errors)

    now = utcnow()
    from_status = idea.status
    change = StatusChange(idea_id=idea.id, event="status", from_status=from_status,
                          to_status=to_status, actor_id=actor.id, message=message,
                          related_idea_id=related_idea.id if related_idea else None,
                          created_at=now)
    db.session.add(change)
    idea.status = to_status
    idea.updated_at = now
    # A moderator withdrawing their own idea is not the council answering it.
    if actor.is_staff and to_status not in AUTHOR_ONLY and idea.first_response_at is None:
        idea.first_response_at = now
    if to_status in DECISIONS and idea.decided_at is None:
        idea.decided_at = now
    if to_status in OUTCOME_ONLY and idea.delivered_at is None:
        idea.delivered_at = now
    if actor.is_staff:
        from .audit import record_audit

        record_audit(actor, "idea.status", idea, {"status": from_status},
                     {"status": to_status, "message": message})
    if notify:
        label = STATUS_LABELS[to_status]
        notify_idea_audience(
            idea, "status_change", f"{idea.title}: now {label.lower()}",
            f"The idea \u201c{idea.title}\u201d is now {label.lower()}."
            + (f"\n\n{message}" if message else ""),
            actor=actor,
        )
    db.session.flush()
    return change


def add_timeline_event(actor: User | None, idea: Idea, event: str, message: str,
                       related_idea: Idea | None = None) -> StatusChange:
    """A public timeline entry that does not change status (an edit, a merge, a claim...)."""
    change = StatusChange(idea_id=idea.id, event=event, from_status=idea.status,
                          to_status=idea.status, actor_id=actor.id if actor else None,
                          message=message,
                          related_idea_id=related_idea.id if related_idea else None,
                          created_at=utcnow())
    db.session.add(change)
    return change
