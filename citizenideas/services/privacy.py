"""A person's rights over their data: a copy of everything we hold, and erasure.

Erasure anonymises the account; what the person contributed (ideas, comments, supports,
offers of help) stays, shown as "Former resident", so the public record stays whole.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import (
    ApiToken,
    Comment,
    Flag,
    Follow,
    Idea,
    Membership,
    Notification,
    Pledge,
    Support,
    User,
    UserToken,
    utcnow,
)
from ..permissions import require


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
                           "ward_id", "notify_pref", "created_at", "deactivated_at")),
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
        "reports": rows(Flag, Flag.reporter_id, ("idea_id", "target_type", "target_id",
                                                 "reason", "created_at", "resolution")),
        "notifications": rows(Notification, Notification.user_id,
                              ("id", "kind", "subject", "body", "link", "idea_id",
                               "created_at", "read_at", "email_state")),
        "api_tokens": rows(ApiToken, ApiToken.user_id, ("name", "prefix", "created_at",
                                                        "last_used_at", "revoked_at")),
        "exported_at": utcnow().isoformat(),
    }


def erase_account(actor: User) -> None:
    """Anonymise the actor's account. They can never sign in to it again.

    Email becomes a unique non-routable placeholder, the name and password go, follows,
    memberships and tokens are removed or revoked, and no more email is sent.
    """
    require(actor, "follow")
    now = utcnow()
    actor.email = f"deleted-{actor.id}@invalid"
    actor.display_name = ""
    actor.password_hash = None
    actor.ward_id = None
    actor.notify_pref = "off"
    actor.deleted_at = now
    db.session.execute(delete(Follow).where(Follow.user_id == actor.id))
    db.session.execute(delete(Membership).where(Membership.user_id == actor.id))
    db.session.execute(delete(UserToken).where(UserToken.user_id == actor.id))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == actor.id,
                                              ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.execute(update(Notification).where(
        Notification.user_id == actor.id,
        Notification.email_state.in_(("pending", "sending", "digest")))
        .values(email_state="skipped"))
    db.session.expire(actor, ["memberships"])
    db.session.flush()
