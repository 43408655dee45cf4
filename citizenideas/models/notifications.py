"""Notifications: the in-app list and the email outbox, one row each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

EMAIL_STATES = ("pending", "sending", "digest", "sent", "failed", "skipped")


class Notification(db.Model):
    """Something a user should hear about. Written in the same transaction as the change.

    The email side is an outbox: ``flask notify-send`` claims ``pending`` rows (state
    ``sending`` with a lease, so overlapping senders never share one), delivers them, and keeps
    a row pending with a later ``email_next_attempt_at`` after a transient failure. Only a
    permanent refusal marks it ``failed``; a row is never deleted.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("email_state", EMAIL_STATES), name="email_state"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_email_state", "email_state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_email: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    in_app: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_state: Mapped[str] = mapped_column(String(10), default="pending")
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_last_error: Mapped[str | None] = mapped_column(String(500))
    # When a pending email may next be tried (None: at once), after a transient failure.
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Start of the latest attempt (``flask notify-requeue --since`` looks at it).
    email_last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While ``sending``: which sender holds the row, and until when. A sender that dies
    # leaves the row to be claimed again once the lease has run out.
    email_claim: Mapped[str | None] = mapped_column(String(32))
    email_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The language the subject and body were written in (the recipient's, when written).
    locale: Mapped[str | None] = mapped_column(String(10))

    user = relationship("User")
    idea = relationship("Idea")
