"""Helpers for second-factor tests: give someone an authenticator directly, and compute its
codes with pyotp as their phone would."""

from __future__ import annotations

import re
import time

import pyotp

from citizenideas.extensions import db
from citizenideas.models import RecoveryCode, SecondFactor, User, utcnow
from citizenideas.services.second_factor_codes import (
    hash_recovery_code,
    new_recovery_codes,
    new_secret,
    normal_recovery_code,
    seal_secret,
)

from .conftest import csrf_token


def give_second_factor(user: User) -> tuple[str, list[str]]:
    """A confirmed authenticator and ten recovery codes for ``user`` (committed). Returns the
    secret and the recovery codes."""
    secret = new_secret()
    db.session.add(SecondFactor(user_id=user.id, secret=seal_secret(secret),
                                created_at=utcnow(), confirmed_at=utcnow()))
    recovery = new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id,
                                    code_hash=hash_recovery_code(normal_recovery_code(c)))
                       for c in recovery)
    db.session.commit()
    return secret, recovery


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` 30-second steps later: still accepted,
    one step of clock drift is allowed)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def secret_on_page(html: str) -> str:
    match = re.search(r'data-totp-secret="([A-Z2-7]+)"', html)
    assert match, "no data-totp-secret on the page"
    return match.group(1)


def recovery_codes_on_page(html: str) -> list[str]:
    return re.findall(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>", html)


def password_step(client, email: str, password: str, **extra):
    """Post the sign-in form (email and password)."""
    return client.post("/sign-in", data={"email": email, "password": password,
                                         "csrf_token": csrf_token(client), **extra})


def code_step(client, code: str, field: str = "code"):
    return client.post("/sign-in/code", data={field: code, "csrf_token": csrf_token(client)})
