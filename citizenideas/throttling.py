"""Limits on guessing passwords and on registering, shared by the pages and the API.

Failed sign-ins are counted in Flask-Limiter's storage (Redis in production), per IP address
and per account, for the sign-in page and ``POST /api/v1/tokens`` together. They are counted
by hand rather than with decorators because only failures count, and because completing a
password reset clears the account's count: the limit slows someone guessing a resident's
password without locking the resident out.

Registration (``/register`` and ``POST /api/v1/users``) is limited per IP address and per
email address with Flask-Limiter's shared limits.

Residents' actions (proposing, supporting, commenting, reporting) are limited per account and
per IP address by ``action_limits``, one count for the page and the API together: a second
door must not double the allowance.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable

from flask import current_app, request
from flask_babel import gettext, ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import RateLimitItem, parse_many

from .errors import TooManyAttempts
from .extensions import limiter

_PER_IP = ("RATELIMIT_SIGN_IN_IP", "sign-in-failures:ip")
_PER_ACCOUNT = ("RATELIMIT_SIGN_IN", "sign-in-failures:account")


def address_key(email: str) -> str:
    """A keyed hash of the normalised address, so the limit store holds no email addresses."""
    normal = (email or "").strip().lower()[:254]
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normal.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def _items(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


def limit_scope(name: str) -> str:
    """A scope for counts kept by hand, under ``RATELIMIT_KEY_PREFIX`` like Flask-Limiter's
    own (two sites sharing one Redis must not share counts)."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return f"{prefix}/{name}" if prefix else name


def _counts(email: str) -> list[tuple[str, str, str]]:
    """(setting, scope, key) for each count a sign-in attempt with ``email`` belongs to."""
    return [(_PER_IP[0], limit_scope(_PER_IP[1]), get_remote_address()),
            (_PER_ACCOUNT[0], limit_scope(_PER_ACCOUNT[1]), address_key(email))]


def _wait_text(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def refuse_if_too_many_failed_sign_ins(email: str) -> None:
    """TooManyAttempts if this IP address or this account has had too many failed sign-ins.

    Checked before the password, and whatever the password: a correct guess after the limit
    must look exactly like a wrong one.
    """
    if not limiter.enabled:
        return
    for setting, scope, key in _counts(email):
        for item in _items(setting):
            if limiter.limiter.test(item, scope, key):
                continue
            reset_at = limiter.limiter.get_window_stats(item, scope, key).reset_time
            wait = max(1, math.ceil(reset_at - time.time()))
            if scope == limit_scope(_PER_ACCOUNT[1]):
                message = gettext(
                    "You have tried to sign in to this account too many times. Wait %(wait)s "
                    "and try again, or reset your password with the \u201cForgotten your "
                    "password?\u201d link: we will email you a link, and you can sign in as "
                    "soon as you have chosen a new password.", wait=_wait_text(wait))
            else:
                message = gettext("You have tried to sign in too many times from this network. "
                                  "Wait %(wait)s and try again.", wait=_wait_text(wait))
            raise TooManyAttempts(message, wait, {"email": [message]})


def record_failed_sign_in(email: str) -> None:
    """Count one failed sign-in against this IP address and this account."""
    if not limiter.enabled:
        return
    for setting, scope, key in _counts(email):
        for item in _items(setting):
            limiter.limiter.hit(item, scope, key)


def forget_failed_sign_ins(email: str) -> None:
    """Clear the account's count (its owner has just proved who they are with a reset link)."""
    if not limiter.enabled:
        return
    setting, scope = _PER_ACCOUNT
    for item in _items(setting):
        limiter.limiter.clear(item, limit_scope(scope), address_key(email))


def _registration_address() -> str:
    """The email address a registration (or a reset request) is for, from the form or the
    JSON body, as a keyed hash."""
    if request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else ""
    else:
        email = request.form.get("email", "")
    return address_key(email if isinstance(email, str) else "")


registration_per_ip = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_REGISTER_IP"], scope="register:ip", methods=["POST"])
registration_per_address = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_REGISTER_ADDRESS"], scope="register:address",
    key_func=_registration_address, methods=["POST"])
password_reset_per_address = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_RESET_ADDRESS"], scope="reset:address",
    key_func=_registration_address, methods=["POST"])


def _account_key() -> str:
    """The signed-in account (by session or API token), or the address when signed out."""
    if current_user and current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"ip:{get_remote_address()}"


def action_limits(setting: str, *, methods: list[str] | None = None) -> Callable:
    """Two limits from one setting, per account and per IP address, each one count shared by
    every route decorated with the same setting (the page's and the API's)."""
    def rate() -> str:
        return current_app.config[setting]

    def decorate(view: Callable) -> Callable:
        view = limiter.shared_limit(rate, scope=f"{setting}:account", key_func=_account_key,
                                    methods=methods)(view)
        return limiter.shared_limit(rate, scope=f"{setting}:ip", key_func=get_remote_address,
                                    methods=methods)(view)
    return decorate


# Wrong second-factor codes, counted like failed sign-ins: per account (by user id, as a keyed
# hash) and per IP address, for the pages and the API together. A correct code past the limit
# is refused like a wrong one.
_CODES_PER_IP = ("RATELIMIT_SECOND_FACTOR_IP", "second-factor-failures:ip")
_CODES_PER_ACCOUNT = ("RATELIMIT_SECOND_FACTOR", "second-factor-failures:account")


def _code_counts(user_id: int) -> list[tuple[str, str, str]]:
    return [(_CODES_PER_IP[0], limit_scope(_CODES_PER_IP[1]), get_remote_address()),
            (_CODES_PER_ACCOUNT[0], limit_scope(_CODES_PER_ACCOUNT[1]),
             address_key(f"user:{user_id}"))]


def refuse_if_too_many_wrong_codes(user_id: int, field: str = "code") -> None:
    """TooManyAttempts if this account or this IP address has sent too many wrong codes."""
    if not limiter.enabled:
        return
    for setting, scope, key in _code_counts(user_id):
        for item in _items(setting):
            if limiter.limiter.test(item, scope, key):
                continue
            reset_at = limiter.limiter.get_window_stats(item, scope, key).reset_time
            wait = max(1, math.ceil(reset_at - time.time()))
            message = gettext("You have entered too many wrong codes. Wait %(wait)s and try "
                              "again.", wait=_wait_text(wait))
            raise TooManyAttempts(message, wait, {field: [message]})


def record_wrong_code(user_id: int) -> None:
    """Count one wrong code against this account and this IP address."""
    if not limiter.enabled:
        return
    for setting, scope, key in _code_counts(user_id):
        for item in _items(setting):
            limiter.limiter.hit(item, scope, key)
