"""People and organisations: users, partner organisations, memberships, tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

ROLES = ("resident", "moderator", "admin")
NOTIFY_PREFS = ("immediate", "daily", "off")
MEMBERSHIP_ROLES = ("member", "manager")
TOKEN_PURPOSES = ("verify_email", "reset_password", "invite")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(UserMixin, db.Model):
    """Anyone with an account. Erasure anonymises the row; contributions stay."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("notify_pref", NOTIFY_PREFS), name="notify_pref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="resident")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    notify_pref: Mapped[str] = mapped_column(String(20), default="immediate")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of every session and remember-me cookie (see accounts.py): raising it ends every
    # session at once, server-side (sign-out, password change or reset, deactivation).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # When the holder was last told that someone tried to register with this address (at
    # most once a day, so registering cannot be used to flood someone's inbox).
    account_exists_emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The language they chose ("en" or "cy"): their pages when signed in, and their emails.
    locale: Mapped[str | None] = mapped_column(String(10))
    # The council identity provider's person this staff account was first opened by with
    # single sign-on ("<issuer> <subject>"); later sign-ins must be the same person.
    sso_identity: Mapped[str | None] = mapped_column(String(400), unique=True)

    ward = relationship("Ward")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated and erased accounts cannot sign in
        return self.deactivated_at is None and self.deleted_at is None

    @property
    def is_staff(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def public_name(self) -> str:
        return "Former resident" if self.deleted_at else self.display_name

    def verified_organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships if m.organisation.verified_at]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Organisation(db.Model):
    """A partner organisation: charity, community group or social enterprise."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    registered_number: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Membership(db.Model):
    """A user's place in an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        CheckConstraint(_in("role", MEMBERSHIP_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class UserToken(db.Model):
    """Single-use, expiring email token (verification, password reset, invitation). Hashed."""

    __tablename__ = "user_tokens"
    __table_args__ = (CheckConstraint(_in("purpose", TOKEN_PURPOSES), name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")
    organisation = relationship("Organisation")


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


Index("ix_users_role", User.role)
