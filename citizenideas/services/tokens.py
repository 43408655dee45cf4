"""API tokens: create, list, revoke, and find the person behind a bearer token.

Only the SHA-256 hash of a token is stored. The raw value is returned once, on creation, and
never again; the short prefix is kept so that people can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..errors import AuthRequired, NotFound, ValidationFailed
from ..extensions import db
from ..models import ApiToken, User, utcnow
from .text_rules import clean_text

NAME_MAX = 80
TOKEN_PREFIX = "ci_"
# last_used_at is advice for the owner, so it is written at most once a minute per token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_api_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``actor`` called ``name``. Returns the row and the raw token (shown once)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise AuthRequired(_("Sign in to create an API token."))
    errors: dict[str, list[str]] = {}
    name = clean_text(name, "name", errors,
                      required=_("Enter a name for the token, like 'Ward dashboard'"),
                      maximum=NAME_MAX, too_long=_("The name must be 80 characters or fewer"))
    if errors:
        raise ValidationFailed(_("The name is too long.") if name
                               else _("Give the token a name."), errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name, token_hash=hash_api_token(raw),
                     prefix=raw[:10], created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return token, raw


def _require_signed_in(actor: User | None) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise AuthRequired(_("Sign in to manage your API tokens."))


def list_api_tokens(actor: User) -> list[ApiToken]:
    """The actor's tokens that still work, newest first."""
    _require_signed_in(actor)
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens. Someone else's token is 'not found'."""
    _require_signed_in(actor)
    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or token.user_id != actor.id or token.revoked_at is not None:
        raise NotFound(_("There is no such token."))
    token.revoked_at = utcnow()
    db.session.flush()
    return token


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every working token of ``user``, for good (a password change or reset, a
    deactivation). Returns how many were revoked. No permission check: callers are services
    that have checked their own."""
    return db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch")).rowcount


def user_for_api_token(raw: str) -> tuple[User, ApiToken] | None:
    """The active user and token for a raw bearer token, or None if unknown or revoked.

    Notes the time of use (at most once a minute) so owners can see which tokens are in use.
    """
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hash_api_token(raw), ApiToken.revoked_at.is_(None)))
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user, token
