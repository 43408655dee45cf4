"""Places and themes: wards, categories and the community asset register."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Float, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

ASSET_KINDS = ("library", "park", "pool", "community_centre", "hall", "allotment", "sports",
               "other")
COMMUNITY_STATUSES = ("council_run", "community_run", "transfer_proposed", "transferred",
                      "acv_listed")


class Ward(db.Model):
    """An electoral ward, with its ONS code."""

    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    ons_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The Welsh name, where the council has given one (shown in Welsh; English otherwise).
    name_cy: Mapped[str | None] = mapped_column(String(120))


class Category(db.Model):
    """A theme ideas are filed under."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    name_cy: Mapped[str | None] = mapped_column(String(120))
    description_cy: Mapped[str | None] = mapped_column(Text)


idea_assets = Table(
    "idea_assets",
    db.metadata,
    Column("idea_id", ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    Column("asset_id", ForeignKey("community_assets.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class CommunityAsset(db.Model):
    """A library, park, pool, hall... from the council's land-and-buildings register."""

    __tablename__ = "community_assets"
    __table_args__ = (
        CheckConstraint(_in("kind", ASSET_KINDS), name="kind"),
        CheckConstraint(_in("community_status", COMMUNITY_STATUSES), name="community_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str | None] = mapped_column(String(10))
    uprn: Mapped[str | None] = mapped_column(String(12), unique=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    tenure: Mapped[str | None] = mapped_column(String(40))
    operator_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    community_status: Mapped[str] = mapped_column(String(30), default="council_run", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ward = relationship("Ward")
    operator = relationship("Organisation")
    ideas = relationship("Idea", secondary=idea_assets, back_populates="assets")
