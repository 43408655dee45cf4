"""What admins configure at run time: site settings and the council's response templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow
from .ideas import STATUSES
from .users import _in


class SiteSetting(db.Model):
    """A setting an admin can change at run time (council name, colour, response target)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ResponseTemplate(db.Model):
    """A reusable public message for a status change, editable by admins."""

    __tablename__ = "response_templates"
    __table_args__ = (CheckConstraint(_in("status", STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Welsh wording, where given: offered to moderators working in Welsh.
    title_cy: Mapped[str | None] = mapped_column(String(120))
    body_cy: Mapped[str | None] = mapped_column(Text)


class DataVersion(db.Model):
    """A token that changes whenever data behind a cached view changes (one row per view).

    ``figures``: the public accountability figures (services/stats.py). The token is fresh
    random text on every change, never a counter, so it cannot repeat after a restore or when
    the tables are emptied. It changes in the same transaction as the data (see
    models/versions.py), so a cache keyed by it is never older than what was committed.
    """

    __tablename__ = "data_versions"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
