"""Assisted digital: ideas recorded by the council for residents who are not online, the
contacts those residents are owed by phone or post, and supports gathered on paper.

The represented resident's name and contact details live only in ``idea_representations``,
never on the idea, so public pages, the API, feeds and open data cannot show them by
accident, and erasing them is one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

CHANNELS = ("phone", "letter", "in_person", "email")


class IdeaRepresentation(db.Model):
    """The resident a staff member recorded an idea for, and how they got in touch."""

    __tablename__ = "idea_representations"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        Index("ix_idea_representations_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when someone registers and confirms the same email address: the idea becomes theirs.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    idea = relationship("Idea")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    claimed_by = relationship("User", foreign_keys=[claimed_by_id])


class ResidentContact(db.Model):
    """A status change the council told a represented resident about by phone or post."""

    __tablename__ = "resident_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    status_change_id: Mapped[int] = mapped_column(ForeignKey("status_changes.id"), unique=True)
    contacted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contacted_by = relationship("User")


class PaperSupport(db.Model):
    """Supports gathered on paper (a petition sheet, a letter with signatures), counted with
    the online ones. A moderator may remove a record, with a reason; it stays on file."""

    __tablename__ = "paper_supports"
    __table_args__ = (
        CheckConstraint("count > 0 AND count <= 100000", name="count"),
        Index("ix_paper_supports_idea_created", "idea_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    count: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_reason: Mapped[str | None] = mapped_column(String(500))

    idea = relationship("Idea")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])
