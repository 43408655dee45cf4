"""A person's rights over their data: a copy of everything we hold, and erasure.

Erasure anonymises the account; what the person contributed (ideas, comments, supports,
offers of help) stays, shown as "Former resident", so the public record stays whole.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    ApiToken,
    Comment,
    Flag,
    Follow,
    Idea,
    Membership,
    Notification,
    OutcomeVerification,
    Photo,
    Pledge,
    Support,
    User,
    UserToken,
    utcnow,
)
from ..permissions import require
from .accounts import check_password

# Notifications written for other people that carry the actor's name: "<name> commented on
# your idea", "<name> joined <organisation>", "<name> has invited you to join ...".
NAMING_KINDS = ("comment", "member_joined", "invitation")
FORMER = "Former resident"


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(obj, names: tuple[str, ...]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def export_my_data(actor: User) -> dict:
    """Everything we hold about the actor, as plain JSON-ready data."""
    require(actor, "follow")

    def rows(model, column, names, order=None):
        query = select(model).where(column == actor.id).order_by(order or model.id)
        return [_row(r, names) for r in db.session.scalars(query)]

    return {
        "account": {
            **_row(actor, ("id", "email", "display_name", "role", "email_verified_at",
                           "ward_id", "notify_pref", "locale", "created_at", "deactivated_at")),
            "ward": actor.ward.name if actor.ward else None,
            "organisations": [{"organisation": m.organisation.name, "role": m.role}
                              for m in actor.memberships],
        },
        "ideas": rows(Idea, Idea.author_id, ("id", "reference", "title", "description",
                                             "status", "location_text", "lat", "lon",
                                             "created_at", "updated_at")),
        "comments": rows(Comment, Comment.author_id, ("id", "idea_id", "body", "official",
                                                      "hidden", "created_at")),
        "supports": rows(Support, Support.user_id, ("idea_id", "created_at")),
        "pledges": rows(Pledge, Pledge.user_id, ("id", "idea_id", "kind", "message", "hours",
                                                 "created_at", "withdrawn_at")),
        "follows": rows(Follow, Follow.user_id, ("idea_id", "created_at")),
        "outcome_answers": rows(OutcomeVerification, OutcomeVerification.user_id,
                                ("idea_id", "answer", "comment", "created_at", "updated_at")),
        "photos": rows(Photo, Photo.uploader_id, ("id", "idea_id", "progress_update_id",
                                                  "outcome_report_id", "alt_text", "label",
                                                  "storage_key", "width", "height",
                                                  "created_at", "removed_at",
                                                  "removed_reason")),
        "reports": rows(Flag, Flag.reporter_id, ("idea_id", "target_type", "target_id",
                                                 "reason", "created_at", "resolution")),
        "notifications": rows(Notification, Notification.user_id,
                              ("id", "kind", "subject", "body", "link", "idea_id",
                               "created_at", "read_at", "email_state")),
        "api_tokens": rows(ApiToken, ApiToken.user_id, ("name", "prefix", "created_at",
                                                        "last_used_at", "revoked_at")),
        "exported_at": utcnow().isoformat(),
    }


def _like_escape(text: str) -> str:
    """``text`` matched literally by LIKE ... ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scrub_name_from_others_notifications(actor: User, name: str) -> None:
    """Replace ``name`` (as a whole word run) with "Former resident" in notifications held
    for other people that name the actor. Only the kinds that name the person who acted are
    looked at, and comment notices only on ideas the actor commented on, so a namesake's
    notices elsewhere are left alone."""
    name = " ".join(name.split())
    if not name:
        return
    like = f"%{_like_escape(name)}%"
    commented = select(Comment.idea_id).where(Comment.author_id == actor.id)
    candidates = db.session.scalars(select(Notification).where(
        or_(Notification.user_id.is_(None), Notification.user_id != actor.id),
        Notification.kind.in_(NAMING_KINDS),
        or_(Notification.kind != "comment", Notification.idea_id.in_(commented)),
        or_(Notification.subject.like(like, escape="\\"),
            Notification.body.like(like, escape="\\"))))
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    for note in candidates:
        note.subject = pattern.sub(FORMER, note.subject)
        note.body = pattern.sub(FORMER, note.body)


def erase_account(actor: User, *, password: str) -> None:
    """Anonymise the actor's account, once they give their current password. They can never
    sign in to it again.

    Email becomes a unique non-routable placeholder, the name and password go, follows,
    memberships and tokens are removed or revoked, no more email is sent, the person's own
    notifications (in-app and email, and mail sent to their address) are deleted, their
    photos are deleted (stored files too), and their name is scrubbed from notifications held
    for others that named them.
    """
    require(actor, "follow")
    if not password:
        raise ValidationFailed(_("Enter your password."),
                               {"password": [_("Enter your password")]})
    if not check_password(actor, password):
        raise ValidationFailed(_("Your password is not correct."),
                               {"password": [_("Your password is not correct")]})
    now = utcnow()
    _scrub_name_from_others_notifications(actor, actor.display_name or "")
    # An idea the council recorded for them keeps how it came in, not who they are.
    from .assisted import forget_residents_of

    forget_residents_of(actor)
    # Rows a sender holds (state ``sending``) go too: its next step finds nothing to send.
    db.session.execute(delete(Notification).where(or_(
        Notification.user_id == actor.id,
        func.lower(Notification.to_email) == actor.email.lower())))
    actor.email = f"deleted-{actor.id}@invalid"
    actor.display_name = ""
    actor.password_hash = None
    actor.ward_id = None
    actor.notify_pref = "off"
    actor.deleted_at = now
    db.session.execute(delete(Follow).where(Follow.user_id == actor.id))
    # Photos go altogether, files too: a picture can show a person or their home.
    from .photos import delete_photos_of

    delete_photos_of(actor)
    db.session.execute(delete(Membership).where(Membership.user_id == actor.id))
    db.session.execute(delete(UserToken).where(UserToken.user_id == actor.id))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == actor.id,
                                              ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.expire(actor, ["memberships"])
    db.session.flush()
