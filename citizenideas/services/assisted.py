"""Assisted digital: ideas the council records for residents who phoned, wrote, came in or
emailed, and keeping those residents told.

The resident's name and contact details are kept in ``IdeaRepresentation`` only. The idea's
author is the staff member who recorded it (so every existing path that needs an author keeps
working), marked ``Idea.on_behalf`` so public pages name the council instead, and left out of
the idea's audience (the staff member only stands in). With an email address the resident is
emailed what an account holder would be told (``contact_emails``), and when someone registers
and confirms that address the idea becomes theirs (``claim_represented_ideas``). Without one,
each status change waits on the council's "to contact" list until someone has phoned or
written (``contacts_due``, ``mark_contacted``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, exists, func, select, update
from sqlalchemy.orm import joinedload

from ..errors import NotFound
from ..extensions import db
from ..models import (
    CHANNELS,
    Follow,
    Idea,
    IdeaRepresentation,
    ResidentContact,
    StatusChange,
    User,
    utcnow,
)
from ..permissions import can, require
from .audit import record_audit
from .organisations import _clean_email
from .text_rules import clean_text

NAME_MAX = 200
PHONE_MAX = 40
# The timeline entries a resident without email is told about by phone or post: changes of
# status (a merge is one too: its change to "duplicate"; its "merged" entry says the same).
CONTACT_EVENTS = ("status",)
CHANNEL_LABELS = {"phone": "Phone call", "letter": "Letter", "in_person": "In person",
                  "email": "Email"}
# Form field names; the API says ``on_behalf_of.<name>`` for the same fields.
FIELDS = ("on_behalf_of_name", "on_behalf_of_channel", "on_behalf_of_email",
          "on_behalf_of_phone")
# A phone number: digits (six or more), spaces, brackets and dashes, perhaps after a "+".
# The API document states the same rule (api/ideas.py PHONE_PATTERN).
PHONE_RULE = r"\+?(?=(?:\D*\d){6})[0-9 ()\-]{6,39}"
_PHONE = re.compile(PHONE_RULE)


def clean_representation(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The cleaned resident (name, channel, email, phone) and the field errors."""
    errors: dict[str, list[str]] = {}
    name = clean_text(data.get("name"), "on_behalf_of_name", errors,
                      required=_("Enter the resident\u2019s name"), maximum=NAME_MAX,
                      too_long=_("Name must be 200 characters or fewer"))
    channel = data.get("channel")
    if channel not in CHANNELS:
        errors["on_behalf_of_channel"] = [_("Select how the resident got in touch")]
    email = _clean_email(data.get("email"), "on_behalf_of_email", errors, required=False)
    if channel == "email" and not email and "on_behalf_of_email" not in errors:
        errors["on_behalf_of_email"] = [_("Enter the email address the resident wrote from")]
    phone = clean_text(data.get("phone"), "on_behalf_of_phone", errors, maximum=PHONE_MAX,
                       too_long=_("Enter a phone number, like 01632 960 001"))
    if phone and not _PHONE.fullmatch(phone):
        errors["on_behalf_of_phone"] = [_("Enter a phone number, like 01632 960 001")]
    return {"name": name, "channel": channel, "email": email or None,
            "phone": phone or None}, errors


def add_representation(actor: User, idea: Idea, resident: dict) -> IdeaRepresentation:
    """Keep who the idea was recorded for (called by ``propose_idea``). Audited without the
    resident's details: the audit log is read more widely than this table."""
    representation = IdeaRepresentation(idea_id=idea.id, recorded_by_id=actor.id,
                                        created_at=utcnow(), **resident)
    db.session.add(representation)
    db.session.flush()
    record_audit(actor, "idea_recorded_for_resident", idea,
                 after={"channel": resident["channel"],
                        "email": bool(resident["email"]), "phone": bool(resident["phone"])})
    return representation


def representation_of(viewer: User | None, idea: Idea) -> IdeaRepresentation | None:
    """Who the idea was recorded for, for staff only (None for anyone else)."""
    if not can(viewer, "view_represented_resident"):
        return None
    return db.session.scalar(select(IdeaRepresentation).where(
        IdeaRepresentation.idea_id == idea.id))


def representations_for(viewer: User | None, idea_ids: list[int]) -> dict:
    """{idea id: representation} for a page of ideas (staff only; one query)."""
    if not idea_ids or not can(viewer, "view_represented_resident"):
        return {}
    return {r.idea_id: r for r in db.session.scalars(select(IdeaRepresentation).where(
        IdeaRepresentation.idea_id.in_(idea_ids)))}


def contact_emails(idea: Idea) -> list[str]:
    """The email address of the resident the idea was recorded for, while they have not
    claimed it (then they are its author and hear as one)."""
    if not idea.on_behalf:
        return []
    return [e for e in db.session.scalars(select(IdeaRepresentation.email).where(
        IdeaRepresentation.idea_id == idea.id, IdeaRepresentation.claimed_at.is_(None),
        IdeaRepresentation.email.is_not(None)))]


def claim_represented_ideas(user: User) -> list[Idea]:
    """``user`` has just confirmed their email address: the ideas recorded for a resident
    with that address become theirs (they are the author; the representation stays, as the
    record of how the idea came in)."""
    found = list(db.session.scalars(
        select(IdeaRepresentation).where(
            func.lower(IdeaRepresentation.email) == user.email.lower(),
            IdeaRepresentation.claimed_at.is_(None))
        .options(joinedload(IdeaRepresentation.idea))))
    claimed = []
    now = utcnow()
    for representation in found:
        # A conditional UPDATE: of two confirmations at once, one claims the idea.
        done = db.session.execute(
            update(IdeaRepresentation).where(IdeaRepresentation.id == representation.id,
                                             IdeaRepresentation.claimed_at.is_(None))
            .values(claimed_by_id=user.id, claimed_at=now)
            .execution_options(synchronize_session=False))
        if not done.rowcount:
            continue
        db.session.expire(representation)
        idea = representation.idea
        idea.author_id, idea.on_behalf = user.id, False
        if not db.session.scalar(select(Follow.id).where(Follow.user_id == user.id,
                                                         Follow.idea_id == idea.id)):
            db.session.add(Follow(user_id=user.id, idea_id=idea.id, created_at=now))
        record_audit(user, "idea_claimed_by_resident", idea,
                     after={"author_id": user.id})
        claimed.append(idea)
    db.session.flush()
    return claimed


@dataclass
class ContactDue:
    """A status change a resident without email must be told about by phone or post."""

    change: StatusChange
    representation: IdeaRepresentation

    @property
    def idea(self) -> Idea:
        return self.change.idea


def _due_query():
    return (select(StatusChange, IdeaRepresentation)
            .join(IdeaRepresentation, IdeaRepresentation.idea_id == StatusChange.idea_id)
            .where(IdeaRepresentation.email.is_(None), IdeaRepresentation.claimed_at.is_(None),
                   StatusChange.event.in_(CONTACT_EVENTS),
                   StatusChange.created_at >= IdeaRepresentation.created_at,
                   ~exists().where(ResidentContact.status_change_id == StatusChange.id)))


@cache
def _due_with_count():
    """Built once: the dashboard reads it on every visit."""
    return (_due_query().add_columns(func.count().over().label("total"))
            .options(joinedload(StatusChange.idea))
            .order_by(StatusChange.created_at, StatusChange.id)
            .limit(bindparam("limit", type_=Integer)))


def contacts_due(actor: User, limit: int = 100) -> tuple[list[ContactDue], int]:
    """The oldest status changes still to be told to residents by phone or post (up to
    ``limit``, at least 1), and how many there are. Staff only. One query: each row
    carries the count of them all (a window over the rows before the limit)."""
    require(actor, "moderate")
    rows = db.session.execute(_due_with_count(), {"limit": limit}).all()
    total = rows[0].total if rows else 0
    return [ContactDue(change, representation) for change, representation, _n in rows], total


def contact_for(actor: User, change_id: int) -> tuple[ContactDue, ResidentContact | None]:
    """One status change of an idea recorded for a resident, and whether they have been
    told (for the letter and the "contacted" action). Staff only."""
    require(actor, "view_represented_resident")
    row = db.session.execute(
        select(StatusChange, IdeaRepresentation)
        .join(IdeaRepresentation, IdeaRepresentation.idea_id == StatusChange.idea_id)
        .where(StatusChange.id == change_id, StatusChange.event.in_(CONTACT_EVENTS))
        .options(joinedload(StatusChange.idea))).first()
    if row is None:
        raise NotFound(_("There is no change to tell a resident about at this address."))
    done = db.session.scalar(select(ResidentContact).where(
        ResidentContact.status_change_id == change_id))
    return ContactDue(*row), done


def mark_contacted(actor: User, change_id: int) -> bool:
    """A staff member has phoned or written to the resident about this change. Returns
    False if someone had marked it already (nothing changes). Audited."""
    due, done = contact_for(actor, change_id)
    if done is not None:
        return False
    from .engagement import _insert_ignoring_duplicate

    if not _insert_ignoring_duplicate(ResidentContact, status_change_id=change_id,
                                      contacted_by_id=actor.id, contacted_at=utcnow()):
        return False
    record_audit(actor, "resident_contacted", due.idea,
                 after={"status_change_id": change_id, "to_status": due.change.to_status})
    db.session.flush()
    return True


def forget_residents_of(user: User) -> int:
    """On erasure: the ideas ``user`` claimed keep their representation (how the idea came
    in) but no longer their name or contact details."""
    result = db.session.execute(
        update(IdeaRepresentation).where(IdeaRepresentation.claimed_by_id == user.id)
        .values(name="Former resident", email=None, phone=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0

