"""Delivery by partners: claims, progress updates and outcome reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

CLAIM_STATUSES = ("pending", "approved", "rejected", "withdrawn")
OUTCOME_STATES = ("draft", "submitted", "returned", "published")
OUTCOME_RESULTS = ("delivered", "partly_delivered", "not_delivered")
# A resident's answer to "Was it done?" once an outcome is published.
VERIFICATION_ANSWERS = ("yes", "partly", "no")
# A claim still in play: an organisation has at most one of these per idea.
OPEN_CLAIM = text("status IN ('pending', 'approved')")


class Claim(db.Model):
    """An organisation's request to deliver an idea, with its plan."""

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(_in("status", CLAIM_STATUSES), name="status"),
        Index("ix_claims_status_created", "status", "created_at"),
        Index("ux_claims_open_per_organisation", "idea_id", "organisation_id", unique=True,
              sqlite_where=OPEN_CLAIM, postgresql_where=OPEN_CLAIM),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    plan: Mapped[str] = mapped_column(Text)
    expected_start: Mapped[date | None] = mapped_column(Date)
    expected_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decision_message: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    idea = relationship("Idea")
    organisation = relationship("Organisation")
    created_by = relationship("User", foreign_keys=[created_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class ProgressUpdate(db.Model):
    """A public progress note from a delivering partner or the council."""

    __tablename__ = "progress_updates"
    __table_args__ = (Index("ix_progress_updates_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    idea = relationship("Idea")
    organisation = relationship("Organisation")
    author = relationship("User")


class OutcomeReport(db.Model):
    """What was done: drafted by a partner or moderator, published by a moderator."""

    __tablename__ = "outcome_reports"
    __table_args__ = (
        CheckConstraint(_in("state", OUTCOME_STATES), name="state"),
        CheckConstraint(f"result IS NULL OR {_in('result', OUTCOME_RESULTS)}", name="result"),
        CheckConstraint("people_reached IS NULL OR people_reached >= 0", name="people_reached"),
        CheckConstraint("volunteer_hours IS NULL OR volunteer_hours >= 0", name="volunteer_hours"),
        CheckConstraint("spend_pence IS NULL OR spend_pence >= 0", name="spend_pence"),
        Index("ix_outcome_reports_state_published", "state", "published_at"),
        # The council dashboard's count of disputed outcomes reads this index alone.
        Index("ix_outcome_reports_state_disputed", "state", "disputed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    result: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    people_reached: Mapped[int | None] = mapped_column(Integer)
    volunteer_hours: Mapped[float | None] = mapped_column(Numeric(10, 1))
    spend_pence: Mapped[int | None] = mapped_column(Integer)
    funding_source: Mapped[str | None] = mapped_column(String(200))
    story: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    review_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Residents' answers to "Was it done?" (OutcomeVerification), counted again from the rows
    # under the idea's lock at every answer (services/verification.py), so lists, feeds and
    # open data read them without a query per outcome.
    verified_yes: Mapped[int] = mapped_column(Integer, default=0)
    verified_partly: Mapped[int] = mapped_column(Integer, default=0)
    verified_no: Mapped[int] = mapped_column(Integer, default=0)
    # Disputed: more residents say "no" than "yes", with at least 3 answers. ``disputed_at``
    # is set while it is; ``dispute_notified_at`` when the partner was told (once, ever).
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispute_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    idea = relationship("Idea", backref="outcome_report")
    organisation = relationship("Organisation")
    author = relationship("User", foreign_keys=[author_id])


class OutcomeVerification(db.Model):
    """One resident's answer to "Was it done?" about a published outcome: yes, partly or no,
    with an optional public comment. One per person and idea; changing it updates the row."""

    __tablename__ = "outcome_verifications"
    __table_args__ = (
        CheckConstraint(_in("answer", VERIFICATION_ANSWERS), name="answer"),
        UniqueConstraint("idea_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    answer: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    idea = relationship("Idea")
    user = relationship("User")
