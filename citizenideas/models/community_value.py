"""Assets of community value (the community right to bid, Localism Act 2011 Part 5 Ch 3):
a nomination, the council's decision, the owner's notice of sale and intents to bid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

ACV_STATES = ("nominated", "listed", "not_listed")
# At most one nomination of an asset waits for the council's decision (a partial unique index).
PENDING_NOMINATION = text("state = 'nominated'")


class AcvNomination(db.Model):
    """A nomination of an asset for the list of assets of community value, and (once
    decided) the listing or refusal, with the owner's notice of sale while listed."""

    __tablename__ = "acv_nominations"
    __table_args__ = (
        CheckConstraint(_in("state", ACV_STATES), name="state"),
        CheckConstraint("organisation_id IS NOT NULL OR group_name IS NOT NULL",
                        name="nominator"),
        Index("ux_acv_nominations_one_pending", "asset_id", unique=True,
              sqlite_where=PENDING_NOMINATION, postgresql_where=PENDING_NOMINATION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("community_assets.id"), index=True)
    # A verified organisation, or a group of local people recorded by staff (its name).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    group_name: Mapped[str | None] = mapped_column(String(200))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reasons: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision_due_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default="nominated", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    listed_on: Mapped[date | None] = mapped_column(Date)
    listed_until: Mapped[date | None] = mapped_column(Date)
    owner_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The owner's notice of intent to sell: the date the council received it.
    notice_received_on: Mapped[date | None] = mapped_column(Date)
    # The asset's community status before it was listed, put back when the listing ends
    # (``flask acv-expire``), and when that happened.
    status_before_listing: Mapped[str | None] = mapped_column(String(30))
    listing_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    asset = relationship("CommunityAsset")
    organisation = relationship("Organisation")
    nominated_by = relationship("User", foreign_keys=[nominated_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    bid_intents = relationship("AcvBidIntent", back_populates="nomination",
                               order_by="AcvBidIntent.created_at")


class AcvBidIntent(db.Model):
    """A verified organisation's (public) intent to bid during the interim moratorium."""

    __tablename__ = "acv_bid_intents"
    __table_args__ = (UniqueConstraint("nomination_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("acv_nominations.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    nomination = relationship("AcvNomination", back_populates="bid_intents")
    organisation = relationship("Organisation")
