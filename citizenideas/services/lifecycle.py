"""The idea lifecycle: which status changes are allowed, and what each one writes.

See DESIGN.md "Idea statuses". Every change writes a StatusChange (the public timeline) and
notifies the idea's audience.

Two people changing one idea at the same moment must not both win: every change to an idea's
status, its claims, merges and outcome first calls ``lock_idea``, the one place that
serialises them (see there), then checks the rules against what it reloaded.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Idea, StatusChange, User, utcnow
from ..permissions import require
from .notifications import joined, notify_idea_audience
from .text_rules import clean_text, template_placeholder

TRANSITIONS: dict[str, set[str]] = {
    "submitted": {"under_review", "accepted", "declined", "duplicate", "withdrawn"},
    "under_review": {"accepted", "declined", "duplicate", "withdrawn"},
    "accepted": {"in_delivery", "delivered", "partly_delivered", "not_delivered"},
    "in_delivery": {"accepted", "delivered", "partly_delivered", "not_delivered"},
    "declined": {"under_review"},
    "duplicate": set(),
    "withdrawn": set(),
    "delivered": set(),
    "partly_delivered": set(),
    "not_delivered": set(),
}
# Changes only the author makes; changes only an outcome's publication makes.
AUTHOR_ONLY = {"withdrawn"}
OUTCOME_ONLY = {"delivered", "partly_delivered", "not_delivered"}
# Changes only the end of the last delivering (approved) claim makes: an idea in delivery
# goes back to accepted when no partner delivers it any more (claims.withdraw_claim).
CLAIM_ENDED_ONLY = {("in_delivery", "accepted")}
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
    "partly_delivered": _l("Partly delivered"),
    "not_delivered": _l("Not delivered"),
}
# GOV.UK tag colour modifiers per status
STATUS_COLOURS = {
    "submitted": "grey", "under_review": "blue", "accepted": "turquoise", "declined": "red",
    "duplicate": "purple", "withdrawn": "grey", "in_delivery": "yellow", "delivered": "green",
    # As the "Partly delivered" result on /outcomes and the idea page: between green and orange.
    "partly_delivered": "yellow", "not_delivered": "orange",
}


def allowed_targets(idea: Idea, by_author: bool = False) -> list[str]:
    """Statuses a moderator (or the author) may move the idea to from the pages."""
    targets = {t for t in TRANSITIONS[idea.status] - OUTCOME_ONLY
               if (idea.status, t) not in CLAIM_ENDED_ONLY}
    targets = targets & AUTHOR_ONLY if by_author else targets - AUTHOR_ONLY
    return sorted(targets, key=list(STATUS_LABELS).index)


def message_required(from_status: str, to_status: str) -> bool:
    return to_status in MESSAGE_REQUIRED or (from_status == "declined"
                                             and to_status == "under_review")


def lock_idea(idea: Idea) -> Idea:
    """Hold ``idea`` until the transaction ends, and reload it: the check-then-write guard.

    Call it before checking an idea's status (or its claims, or its outcome report) and
    before changing anything on it: a second request doing the same waits here until the
    first commits or rolls back, then reloads and sees what the first wrote. One statement
    does it the same way on both databases: an UPDATE that changes nothing takes the row's
    lock on PostgreSQL (as ``SELECT ... FOR UPDATE`` would) and the database's write lock on
    SQLite, which has no row locks and ignores ``FOR UPDATE``. Locking again in the same
    transaction is harmless. Unsaved changes to ``idea`` are discarded by the reload.

    Callers that lock several ideas lock them in id order, so two of them never wait for
    each other (a deadlock on PostgreSQL).
    """
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(status=Idea.status)
                       .execution_options(synchronize_session=False))
    db.session.refresh(idea)
    return idea


def lock_ideas(ideas: list[Idea]) -> list[Idea]:
    """``lock_idea`` for several ideas, in id order."""
    for idea in sorted(ideas, key=lambda i: i.id):
        lock_idea(idea)
    return ideas


def changed_meanwhile(actor: User, idea: Idea) -> Conflict:
    """The refusal for someone who acted on an idea that another person just changed."""
    status = str(STATUS_LABELS[idea.status])
    last = db.session.scalar(
        select(StatusChange).where(StatusChange.idea_id == idea.id,
                                   StatusChange.event == "status")
        .order_by(StatusChange.id.desc()).limit(1))
    if last is not None and last.actor_id == actor.id:
        return Conflict(_("You already changed this idea to %(status)s.", status=status))
    if last is not None and last.actor is not None and last.actor.is_staff:
        return Conflict(_("Another moderator changed this idea to %(status)s a moment ago.",
                          status=status))
    return Conflict(_("This idea changed to %(status)s a moment ago.", status=status))


def expect_status(actor: User, idea: Idea, seen: str | None) -> Idea:
    """Lock ``idea``; refuse (409) if its status is no longer ``seen``, the status the actor
    decided on (the page they answered, or the idea as this request loaded it)."""
    seen = seen or idea.status
    lock_idea(idea)
    if idea.status != seen:
        raise changed_meanwhile(actor, idea)
    return idea


def refuse_placeholders(text: str, field: str, errors: dict[str, list[str]]) -> None:
    """Set ``errors[field]`` when ``text`` still holds a response template's placeholder.

    Public messages are often filled in from a response template; published unedited, its
    "[Say what ...]" would reach the timeline, the emails and the feeds. The rule for what
    counts as a placeholder is ``text_rules.template_placeholder``. The error quotes the
    placeholder (shortened at a word) so the person can find it.
    """
    found = template_placeholder(text)
    if found is None or field in errors:
        return
    inner = found[1:-1].strip()
    if len(inner) > 30:
        inner = inner[:30].rsplit(" ", 1)[0] + " \u2026"
    errors[field] = [_("Replace the text in square brackets, [%(placeholder)s], with your own "
                       "words before publishing.", placeholder=inner)]


def change_status(actor: User, idea: Idea, to_status: str, message: str = "", *,
                  via_outcome: bool = False, via_claim_ended: bool = False,
                  related_idea: Idea | None = None,
                  notify: bool = True, expected_status: str | None = None) -> StatusChange:
    """Move ``idea`` to ``to_status`` with a public ``message``.

    Moderators move ideas along the lifecycle; the author may only withdraw; ``delivered``,
    ``partly_delivered`` and ``not_delivered`` are reached only by publishing an outcome
    (``via_outcome``), and
    ``in_delivery`` -> ``accepted`` only when the last delivering claim ends
    (``via_claim_ended``: the caller, not the policy's ``change_status``, decided the actor
    may end that claim, so a partner's withdrawal can make this change).
    Raises Conflict for a transition the lifecycle refuses, and for an idea whose status is
    no longer ``expected_status`` (by default: the status the caller loaded) because someone
    else changed it meanwhile.
    """
    errors: dict[str, list[str]] = {}
    message = clean_text(message, "message", errors, maximum=5000,
                         too_long="The message must be 5,000 characters or fewer.")
    if not via_outcome:  # an outcome's summary is the partner's report, not a template
        refuse_placeholders(message, "message", errors)
    if to_status in AUTHOR_ONLY:
        require(actor, "withdraw_idea", idea,
                detail="Only the person who proposed an idea can withdraw it.")
    elif not via_claim_ended:
        require(actor, "change_status", idea)
    if to_status not in TRANSITIONS:
        raise ValidationFailed("Choose a status.", {"status": ["Choose a valid status."]})
    expect_status(actor, idea, expected_status)
    if to_status not in TRANSITIONS[idea.status]:
        raise Conflict(_("An idea that is %(status)s cannot become %(to_status)s.",
                         status=str(STATUS_LABELS[idea.status]),
                         to_status=str(STATUS_LABELS[to_status])))
    if to_status in OUTCOME_ONLY and not via_outcome:
        raise Conflict("An idea becomes delivered, partly delivered or not delivered only "
                       "when its outcome is published.")
    if ((idea.status, to_status) in CLAIM_ENDED_ONLY) != via_claim_ended:
        raise Conflict("An idea in delivery goes back to accepted only when the last "
                       "partner delivering it withdraws.")
    if message_required(idea.status, to_status) and not message:
        raise ValidationFailed("Give a public reason for this change.",
                               {"message": ["Enter a public message explaining the change."]})
    if errors:
        raise ValidationFailed(errors["message"][0], errors)

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
    # Staff changes, and the change a partner's withdrawal makes, are audited.
    if actor.is_staff or via_claim_ended:
        from .audit import record_audit

        record_audit(actor, "idea.status", idea, {"status": from_status},
                     {"status": to_status, "message": message})
    if notify:
        label = STATUS_LABELS[to_status]  # lazy: worded in each recipient's language
        notify_idea_audience(
            idea, "status_change", _l("%(title)s: now %(status)s", title=idea.title,
                                      status=label),
            joined(_l("The idea \u201c%(title)s\u201d is now %(status)s.", title=idea.title,
                      status=label), f"\n\n{message}" if message else ""),
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
