"""Ideas and what residents do with them: support, comment, follow, pledge, flag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .places import idea_assets
from .search import register as register_search_schema
from .users import _in

STATUSES = ("submitted", "under_review", "accepted", "declined", "duplicate", "withdrawn",
            "in_delivery", "delivered", "partly_delivered", "not_delivered")
OPEN_FOR_SUPPORT = ("submitted", "under_review", "accepted", "in_delivery")
PLEDGE_KINDS = ("time", "skills", "space", "equipment", "other")
FLAG_TARGETS = ("idea", "comment", "photo")
FLAG_RESOLUTIONS = ("upheld", "dismissed")
TIMELINE_EVENTS = ("status", "edited", "merged", "merged_in", "claim_approved",
                   "claim_withdrawn", "assets", "hidden", "unhidden")


class Idea(db.Model):
    """A resident's idea for their area."""

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("support_count >= 0", name="support_count"),
        CheckConstraint("comment_count >= 0", name="comment_count"),
        CheckConstraint("paper_support_count >= 0", name="paper_support_count"),
        # Every list of ideas filters by at most one of status, ward or category and sorts by
        # support, newest or last update: one index per (filter, sort), read in order so a
        # page stops after its rows (the id, for ties, is in every SQLite index already).
        # "Support" is the total: online supports and those gathered on paper.
        Index("ix_ideas_support", "total_support_count", "created_at"),
        Index("ix_ideas_created", "created_at"),
        Index("ix_ideas_updated", "updated_at"),
        Index("ix_ideas_status_support", "status", "total_support_count", "created_at"),
        # Carries what the dashboard's overdue counts test, so they read the index alone.
        Index("ix_ideas_status_created", "status", "created_at", "first_response_at",
              "decided_at", "merged_into_id"),
        Index("ix_ideas_status_updated", "status", "updated_at"),
        Index("ix_ideas_ward_support", "ward_id", "total_support_count", "created_at"),
        Index("ix_ideas_ward_created", "ward_id", "created_at"),
        Index("ix_ideas_ward_updated", "ward_id", "updated_at"),
        Index("ix_ideas_category_support", "category_id", "total_support_count", "created_at"),
        Index("ix_ideas_category_created", "category_id", "created_at"),
        Index("ix_ideas_category_updated", "category_id", "updated_at"),
        # Counts of the public list read this index alone.
        Index("ix_ideas_status_hidden", "status", "hidden"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))  # see the indexes
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    location_text: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    # Online supports (one Support row each), kept exact under concurrency.
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    # Supports gathered on paper (services/paper_supports.py), moved by the same kind of
    # single SQL UPDATE; the total is computed by the database from the two, so every writer
    # of either count keeps it right and the lists sort by it through their indexes.
    paper_support_count: Mapped[int] = mapped_column(Integer, default=0)
    total_support_count: Mapped[int] = mapped_column(
        Integer, Computed("support_count + paper_support_count", persisted=True))
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Recorded by the council for a resident who is not online (models/assisted.py), and not
    # yet claimed by them: the public pages name the council, never the author or the resident.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    category = relationship("Category")
    ward = relationship("Ward")
    author = relationship("User", foreign_keys=[author_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    merged_into = relationship("Idea", remote_side=[id])
    assets = relationship("CommunityAsset", secondary=idea_assets, back_populates="ideas",
                          order_by="CommunityAsset.name")
    timeline = relationship("StatusChange", back_populates="idea",
                            foreign_keys="StatusChange.idea_id",
                            order_by="StatusChange.created_at, StatusChange.id")

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status}>"


# The full-text index (FTS5 on SQLite, a tsvector column on PostgreSQL) comes with the table.
register_search_schema(Idea.__table__)


class Support(db.Model):
    """One resident's support for one idea."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("user_id", "idea_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Follow(db.Model):
    """A user wants to hear about an idea."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "idea_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(db.Model):
    """A public comment; ``official`` marks a reply from the council or a delivering partner."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    idea = relationship("Idea")
    author = relationship("User")
    organisation = relationship("Organisation")


class InternalNote(db.Model):
    """A staff-only note on an idea. Never shown publicly."""

    __tablename__ = "internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author = relationship("User")


class Pledge(db.Model):
    """An offer of help: time, skills, space, equipment."""

    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint(_in("kind", PLEDGE_KINDS), name="kind"),
        CheckConstraint("hours IS NULL OR (hours >= 0 AND hours <= 10000)", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    hours: Mapped[float | None] = mapped_column(Numeric(8, 1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    idea = relationship("Idea")
    user = relationship("User")


class Flag(db.Model):
    """A report that an idea or comment breaks the rules."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id"),
        CheckConstraint(_in("target_type", FLAG_TARGETS), name="target_type"),
        CheckConstraint(f"resolution IS NULL OR {_in('resolution', FLAG_RESOLUTIONS)}",
                        name="resolution"),
        Index("ix_flags_target", "target_type", "target_id"),
        Index("ix_flags_open", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    idea = relationship("Idea")
    reporter = relationship("User", foreign_keys=[reporter_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])


class StatusChange(db.Model):
    """One entry on an idea's public timeline. Append-only."""

    __tablename__ = "status_changes"
    __table_args__ = (
        CheckConstraint(f"from_status IS NULL OR {_in('from_status', STATUSES)}",
                        name="from_status"),
        CheckConstraint(_in("to_status", STATUSES), name="to_status"),
        CheckConstraint(_in("event", TIMELINE_EVENTS), name="event"),
        Index("ix_status_changes_idea_created", "idea_id", "created_at"),
        Index("ix_status_changes_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    event: Mapped[str] = mapped_column(String(20), default="status")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    related_idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    idea = relationship("Idea", back_populates="timeline", foreign_keys=[idea_id])
    actor = relationship("User")
    related_idea = relationship("Idea", foreign_keys=[related_idea_id])
