"""Staff second factor: one TOTP authenticator per person, and their recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class SecondFactor(db.Model):
    """A person's authenticator app (TOTP, RFC 6238).

    ``secret`` is encrypted with a key derived from SECRET_KEY (services/second_factor_codes.py),
    so a database dump alone does not give the codes away. Until ``confirmed_at`` is set the
    row is an enrolment in progress and counts for nothing. ``last_step`` is the time step of
    the last code accepted: a code of that step or an earlier one is refused (no replay).
    """

    __tablename__ = "second_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_step: Mapped[int | None] = mapped_column()

    user = relationship("User")


class RecoveryCode(db.Model):
    """A single-use code for when the authenticator is lost. Only its SHA-256 is stored (each
    code holds 80 random bits, so the hash cannot be reversed by trying them all)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
