"""The signed-in person's in-app notifications."""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, func, select, update

from ..errors import NotFound
from ..extensions import db
from ..input import whole_number
from ..models import Notification, User, utcnow
from ..pagination import Page, paginate
from ..permissions import require


def _mine(actor: User, unread_only: bool = False) -> list:
    conditions = [Notification.user_id == actor.id, Notification.in_app.is_(True)]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    return conditions


def list_notifications(actor: User, *, unread_only: bool = False, page: int = 1,
                       per_page: int = 20) -> Page:
    """One page of the actor's notifications, newest first, and how many there are."""
    require(actor, "follow")
    conditions = _mine(actor, unread_only)
    return paginate(select(Notification).where(*conditions)
                    .order_by(Notification.created_at.desc(), Notification.id.desc()),
                    page, per_page,
                    count=select(func.count(Notification.id)).where(*conditions))


def count_unread(actor: User) -> int:
    """How many of the actor's in-app notifications are unread (the header shows it on
    every signed-in page: its statement is built once)."""
    require(actor, "follow")
    return db.session.scalar(_unread_statement(), {"user_id": actor.id}) or 0


@cache
def _unread_statement():
    return select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"), Notification.in_app.is_(True),
        Notification.read_at.is_(None))


def get_notification(actor: User, notification_id: int) -> Notification:
    """One of the actor's own notifications (NotFound for anyone else's)."""
    require(actor, "follow")
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != actor.id or not note.in_app:
        raise NotFound("There is no notification at this address.")
    return note


def mark_notifications_read(actor: User, ids=None) -> int:
    """Mark the actor's unread notifications read (all of them, or only ``ids``).

    Returns how many changed. Other people's notifications are never touched.
    """
    require(actor, "follow")
    conditions = _mine(actor, unread_only=True)
    if ids is not None:
        ids = [n for n in (whole_number(i) for i in ids) if n is not None]
        if not ids:
            return 0
        conditions.append(Notification.id.in_(ids))
    result = db.session.execute(update(Notification).where(*conditions)
                                .values(read_at=utcnow())
                                .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount
