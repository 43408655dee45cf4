"""Accounts: register, verify email, sign in, reset and change password, erase."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ..errors import ValidationFailed
from ..extensions import db
from ..models import User, UserToken, utcnow
from .notifications import absolute_url, notify_user
from .text_rules import clean_text
from .tokens import revoke_all_api_tokens

# Argon2id with argon2-cffi's recommended parameters (RFC 9106 low-memory profile).
_STRONG = PasswordHasher()
# The test suite (TESTING=True only, never in production) hashes with the cheapest parameters
# so hundreds of sign-ins stay fast; verifying reads the parameters from each hash anyway.
_CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
# Hashes to verify against when no such user exists, so timing does not reveal accounts.
_DUMMY_HASHES: dict[int, str] = {}


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING"):
        return _CHEAP
    return _STRONG


def _dummy_hash(hasher: PasswordHasher) -> str:
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("not-a-real-password-0000")
    return _DUMMY_HASHES[id(hasher)]

MIN_PASSWORD = 10
MAX_PASSWORD = 256
# The holder of a taken address hears about registration attempts at most this often.
ACCOUNT_EXISTS_EMAIL_EVERY = timedelta(days=1)
_common: frozenset[str] | None = None


def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from zxcvbn's frequency lists, refused as too common."""
    global _common
    if _common is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        _common = frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])
    return _common


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True if ``password`` is the user's. Spends the same time whether or not user exists."""
    hasher = _hasher()
    stored = user.password_hash if user is not None and user.password_hash else \
        _dummy_hash(hasher)
    try:
        ok = hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if user is None or not user.password_hash:
        return False
    if ok and hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return ok


def normalise_email(raw: str) -> str:
    return (raw or "").strip().lower()


def password_problems(password: str, email: str = "", display_name: str = "") -> list[str]:
    """What is wrong with a new password, as messages (empty if fine)."""
    if len(password) < MIN_PASSWORD:
        return [gettext("Your password must be at least %(n)d characters.", n=MIN_PASSWORD)]
    if len(password) > MAX_PASSWORD:
        return [gettext("Your password must be %(n)d characters or fewer.", n=MAX_PASSWORD)]
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        return [gettext("That password is too common. Choose a password that is harder to guess.")]
    if len(set(password)) < 4:
        return [gettext("That password is too easy to guess. Use a mix of different characters.")]
    return []


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register_user(email: str, display_name: str, password: str) -> tuple[User | None, bool]:
    """Create a resident account and send a verification link.

    Returns (user, created). If the email is already registered, nothing is created and the
    account holder is emailed instead (at most once a day), so the caller can show the same
    message either way; the password is hashed either way, so the answer takes as long.
    """
    errors: dict[str, list[str]] = {}
    email = normalise_email(email)
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors["email"] = [gettext("Enter an email address in the correct format, like "
                                   "name@example.com")]
    if len(email) > 254:
        errors["email"] = [gettext("Email address must be 254 characters or fewer.")]
    display_name = clean_text(
        display_name, "display_name", errors,
        required=gettext("Enter the name to show next to your ideas and comments."),
        maximum=80, too_long=gettext("Display name must be 80 characters or fewer."))
    problems = password_problems(password or "", email, display_name)
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationFailed(gettext("There is a problem with your details."), errors)

    # Hashed before looking the address up, and whatever the lookup finds: argon2 is most of
    # the time this takes, so a taken address cannot be told from a new one by the clock.
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        if _claim_account_exists_email(existing):
            notify_user(existing, "account_exists",
                        _l("Someone tried to register with your email"),
                        _l("Someone (perhaps you) tried to create an account with this email "
                           "address. You already have an account. If you have forgotten your "
                           "password, reset it here:"),
                        link=_absolute("auth.forgot_password"), email_always=True)
        db.session.flush()
        return existing, False

    user = User(email=email, display_name=display_name, password_hash=password_hash,
                role="resident", notify_pref="immediate", created_at=utcnow())
    db.session.add(user)
    db.session.flush()
    send_verification(user)
    return user, True


def _claim_account_exists_email(user: User) -> bool:
    """True if the holder of a taken address may be told about this registration attempt:
    at most once a day. A conditional UPDATE, so two attempts at once send one email."""
    now = utcnow()
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(
            User.account_exists_emailed_at.is_(None),
            User.account_exists_emailed_at <= now - ACCOUNT_EXISTS_EMAIL_EVERY))
        .values(account_exists_emailed_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(user, ["account_exists_emailed_at"])
    return claimed == 1


def _absolute(endpoint: str, **values) -> str:
    return absolute_url(endpoint, **values)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(purpose: str, hours: int, user: User | None = None, email: str | None = None,
                organisation_id: int | None = None) -> str:
    """Create a single-use token and return its raw value (only the hash is stored)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserToken(user_id=user.id if user else None, email=email,
                             organisation_id=organisation_id, purpose=purpose,
                             token_hash=_hash_token(raw), created_at=now,
                             expires_at=now + timedelta(hours=hours)))
    db.session.flush()
    return raw


def check_token(purpose: str, raw: str) -> UserToken:
    """The unused, unexpired token for ``raw``; ValidationFailed if unknown, expired or used.
    Does not use it up."""
    token = db.session.scalar(select(UserToken).where(
        UserToken.token_hash == _hash_token(raw or ""), UserToken.purpose == purpose))
    if token is None or token.used_at is not None:
        message = gettext("This link has already been used or is not valid.")
        raise ValidationFailed(message, {"token": [message]})
    if token.expires_at < utcnow():
        message = gettext("This link has expired.")
        raise ValidationFailed(message, {"token": [message]})
    return token


def consume_token(purpose: str, raw: str) -> UserToken:
    """Mark a token used and return it; ValidationFailed if unknown, expired or used.

    The UPDATE is conditional on the token still being unused, so two requests racing with
    the same link cannot both use it.
    """
    token = check_token(purpose, raw)
    now = utcnow()
    claimed = db.session.execute(
        update(UserToken).where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        message = gettext("This link has already been used or is not valid.")
        raise ValidationFailed(message, {"token": [message]})
    token.used_at = now
    return token


def send_verification(user: User) -> None:
    raw = issue_token("verify_email", current_app.config["VERIFY_TOKEN_HOURS"], user=user)
    notify_user(user, "verify_email", _l("Confirm your email address"),
                _l("Hello %(name)s,\n\nConfirm your email address to propose, support and "
                   "comment on ideas. This link works once and expires in %(hours)s hours:",
                   name=user.display_name, hours=current_app.config["VERIFY_TOKEN_HOURS"]),
                link=_absolute("auth.verify_email", token=raw), email_always=True)


def verify_email(raw: str) -> User:
    token = consume_token("verify_email", raw)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        # Ideas the council recorded for a resident with this address become theirs.
        from .assisted import claim_represented_ideas

        claim_represented_ideas(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match an active account, else None."""
    user = find_user_by_email(email)
    if not check_password(user, password or ""):
        return None
    if user is None or not user.is_active:
        return None
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    raw = issue_token("reset_password", current_app.config["RESET_TOKEN_HOURS"], user=user)
    notify_user(user, "reset_password", _l("Reset your password"),
                _l("Someone asked to reset the password for your account. If it was you, use "
                   "this link within %(hours)s hours. It works once. If it was not you, ignore "
                   "this email.", hours=current_app.config["RESET_TOKEN_HOURS"]),
                link=_absolute("auth.reset_password", token=raw), email_always=True)


def reset_password(raw: str, new_password: str) -> User:
    """Set a new password from a reset link. A bad link is reported before a weak password,
    and a weak password leaves the link usable."""
    token = check_token("reset_password", raw)
    if token.user is None or not token.user.is_active:
        message = gettext("This link has already been used or is not valid.")
        raise ValidationFailed(message, {"token": [message]})
    problems = password_problems(new_password or "", token.user.email)
    if problems:
        raise ValidationFailed(gettext("Choose a stronger password."), {"password": problems})
    token = consume_token("reset_password", raw)
    user = token.user
    # Any other reset links still in the user's inbox stop working too.
    db.session.execute(
        update(UserToken).where(UserToken.user_id == user.id,
                                UserToken.purpose == "reset_password",
                                UserToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    user.password_hash = hash_password(new_password)
    revoke_access(user)  # whoever knew the old password is out: sessions and API tokens
    # Following a reset link proves the address too.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


def change_password(user: User, current: str, new_password: str) -> None:
    errors: dict[str, list[str]] = {}
    if not check_password(user, current or ""):
        errors["current_password"] = [gettext("Your current password is not correct.")]
    problems = password_problems(new_password or "", user.email)
    if problems:
        errors["new_password"] = problems
    if errors:
        raise ValidationFailed(gettext("There is a problem."), errors)
    user.password_hash = hash_password(new_password)
    # Every session and API token ends; the caller signs its own session in again.
    revoke_access(user)


def end_all_sessions(user: User) -> None:
    """Sign ``user`` out everywhere, server-side: every session and remember-me cookie issued
    so far stops working (they carry the session version this raises)."""
    user.session_version = User.session_version + 1  # in SQL: two at once both count
    db.session.flush()


def revoke_access(user: User) -> None:
    """End every session and revoke every API token of ``user``, for good (a password change
    or reset, a deactivation). Nothing comes back if the account is later reactivated."""
    revoke_all_api_tokens(user)
    end_all_sessions(user)


def update_profile(user: User, display_name: str, ward_id: int | None,
                   notify_pref: str) -> None:
    from ..models import NOTIFY_PREFS, Ward

    errors: dict[str, list[str]] = {}
    display_name = clean_text(display_name, "display_name", errors,
                              required=gettext("Enter a display name."), maximum=80,
                              too_long=gettext("Display name must be 80 characters or fewer."))
    if notify_pref not in NOTIFY_PREFS:
        errors["notify_pref"] = [gettext("Choose how often you want to hear from us.")]
    ward = db.session.get(Ward, ward_id) if ward_id is not None else None
    if ward_id is not None and (ward is None or ward.retired_at is not None):
        errors["ward_id"] = [gettext("Choose a ward from the list.")]
    if errors:
        raise ValidationFailed(gettext("There is a problem."), errors)
    user.display_name = display_name
    user.ward_id = ward_id
    user.notify_pref = notify_pref
    db.session.flush()
