"""What happens to a community asset in public: its timeline and followers, community asset
transfer requests (the council's own policy) and, after a transfer, the operator's yearly
reports and residents' word on access."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

# Every kind of entry on an asset's public timeline.
ASSET_EVENTS = (
    "nominated", "listed", "not_listed", "owner_told", "notice_of_sale", "intent_to_bid",
    "listing_ended",
    "transfer_requested", "transfer_stage", "transferred",
    "report_published", "access_comment", "details_changed",
)
# Stages of a community asset transfer request, in order; approved | declined are the
# council's decision, transferred follows approval, withdrawn is the organisation's choice.
TRANSFER_STAGES = ("received", "under_assessment", "business_case_requested", "approved",
                   "declined", "transferred", "withdrawn")
OPEN_TRANSFER_STAGES = ("received", "under_assessment", "business_case_requested", "approved")
COMMITMENT_ANSWERS = ("kept", "partly_kept", "not_kept")
ACCESS_CHANGES = ("better", "same", "worse")


class AssetEvent(db.Model):
    """One entry on an asset's public timeline. Append-only."""

    __tablename__ = "asset_events"
    __table_args__ = (
        CheckConstraint(_in("event", ASSET_EVENTS), name="event"),
        Index("ix_asset_events_asset_created", "asset_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_assets.id"))
    event: Mapped[str] = mapped_column(String(30))
    # A public sentence: the reason, the stage's message, the terms... never personal data.
    message: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    transfer_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("transfer_requests.id"))
    # For ``transfer_stage``: the stage the request moved to (the request moves on later).
    stage: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    asset = relationship("CommunityAsset")
    actor = relationship("User")
    organisation = relationship("Organisation")


class AssetFollow(db.Model):
    """A user wants to hear what happens to an asset (nominations, sale, transfer, reports)."""

    __tablename__ = "asset_follows"
    __table_args__ = (UniqueConstraint("user_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_assets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


transfer_request_ideas = Table(
    "transfer_request_ideas",
    db.metadata,
    Column("transfer_request_id", ForeignKey("transfer_requests.id", ondelete="CASCADE"),
           primary_key=True),
    Column("idea_id", ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class TransferRequest(db.Model):
    """A verified organisation asks to take on a council asset (community asset transfer)."""

    __tablename__ = "transfer_requests"
    __table_args__ = (
        CheckConstraint(_in("stage", TRANSFER_STAGES), name="stage"),
        Index("ix_transfer_requests_asset_stage", "asset_id", "stage"),
        Index("ix_transfer_requests_stage_changed", "stage", "stage_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_assets.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the organisation will do with the asset, and who benefits.
    proposed_use: Mapped[str] = mapped_column(Text)
    beneficiaries: Mapped[str] = mapped_column(Text)
    # How equality of access will be kept: the commitments later reports are read against.
    commitment_opening_hours: Mapped[str] = mapped_column(Text)
    commitment_prices: Mapped[str] = mapped_column(Text)
    commitment_accessibility: Mapped[str] = mapped_column(Text)
    # Its capacity: people, money, experience.
    capacity_people: Mapped[str] = mapped_column(Text)
    capacity_money: Mapped[str] = mapped_column(Text)
    capacity_experience: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(30), default="received")
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The council's public reason for approving or declining.
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The lease or transfer terms, in a sentence, and the day the asset changed hands.
    terms: Mapped[str | None] = mapped_column(Text)
    transferred_on: Mapped[date | None] = mapped_column(Date)
    # The asset's community status when this request arrived, put back if every open request
    # on the asset ends without a transfer (declined or withdrawn).
    status_before: Mapped[str | None] = mapped_column(String(30))
    # Yearly reports: the last report year a reminder was sent for (services remind once).
    reminded_for_year: Mapped[int] = mapped_column(Integer, default=0)

    asset = relationship("CommunityAsset")
    organisation = relationship("Organisation")
    submitted_by = relationship("User")
    ideas = relationship("Idea", secondary=transfer_request_ideas)
    stages = relationship("TransferStageChange", back_populates="request",
                          order_by="TransferStageChange.created_at")
    info_requests = relationship("TransferInfoRequest", back_populates="request",
                                 order_by="TransferInfoRequest.asked_at")
    reports = relationship("AssetReport", back_populates="transfer_request",
                           order_by="AssetReport.year_number")


class TransferStageChange(db.Model):
    """One step of a transfer request, with its public date and message. Append-only."""

    __tablename__ = "transfer_stage_changes"
    __table_args__ = (
        CheckConstraint(f"from_stage IS NULL OR {_in('from_stage', TRANSFER_STAGES)}",
                        name="from_stage"),
        CheckConstraint(_in("to_stage", TRANSFER_STAGES), name="to_stage"),
        Index("ix_transfer_stage_changes_request_created", "request_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("transfer_requests.id"))
    from_stage: Mapped[str | None] = mapped_column(String(30))
    to_stage: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request = relationship("TransferRequest", back_populates="stages")
    actor = relationship("User")


class TransferInfoRequest(db.Model):
    """The council asks the organisation for more information; it answers in the platform."""

    __tablename__ = "transfer_info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("transfer_requests.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request = relationship("TransferRequest", back_populates="info_requests")
    asked_by = relationship("User", foreign_keys=[asked_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])


class AssetReport(db.Model):
    """The operating organisation's report for one year after a transfer (public)."""

    __tablename__ = "asset_reports"
    __table_args__ = (
        UniqueConstraint("transfer_request_id", "year_number"),
        CheckConstraint("year_number >= 1", name="year_number"),
        CheckConstraint("people_served IS NULL OR people_served >= 0", name="people_served"),
        CheckConstraint(_in("commitments", COMMITMENT_ANSWERS), name="commitments"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_assets.id"), index=True)
    transfer_request_id: Mapped[int] = mapped_column(ForeignKey("transfer_requests.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # Year 1 covers the first year after the transfer; it is due on transferred_on + 1 year.
    year_number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    opening_hours: Mapped[str] = mapped_column(Text)
    people_served: Mapped[int | None] = mapped_column(Integer)
    prices: Mapped[str] = mapped_column(Text)
    access_changes: Mapped[str] = mapped_column(Text)
    story: Mapped[str] = mapped_column(Text, default="")
    # The organisation's own account of the commitments it made in its request.
    commitments: Mapped[str] = mapped_column(String(20))
    commitments_note: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    asset = relationship("CommunityAsset")
    transfer_request = relationship("TransferRequest", back_populates="reports")
    organisation = relationship("Organisation")
    submitted_by = relationship("User")


class AccessComment(db.Model):
    """A resident's short public word on how access to a transferred asset changed for them."""

    __tablename__ = "access_comments"
    __table_args__ = (
        CheckConstraint(_in("change", ACCESS_CHANGES), name="change"),
        Index("ix_access_comments_asset_created", "asset_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_assets.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    change: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    asset = relationship("CommunityAsset")
    author = relationship("User")
