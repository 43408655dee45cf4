"""Computed public figures kept in the database, shared by every process and host."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class FigureSnapshot(db.Model):
    """One computed value of services/figures_cache.py (the accountability figures, a list
    count, the council's idea counts), as JSON, with the ``figures`` data version it was
    computed at (models/versions.py).

    ``computing_until`` is a claim: a process computing the value again holds it until then,
    at data version ``computing_token``; a claim past its time belongs to a process that
    died, and anyone may take it over.
    """

    __tablename__ = "figure_snapshots"

    # SHA-256 (hex) of the cache key: what, filters, language, response target.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None until a first value is stored (the row was made by a claim).
    token: Mapped[str | None] = mapped_column(String(32))
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    value: Mapped[str | None] = mapped_column(Text)
    computing_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    computing_token: Mapped[str | None] = mapped_column(String(32))
