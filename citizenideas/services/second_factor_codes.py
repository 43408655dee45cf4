"""The parts of a second factor that need no database: TOTP codes (RFC 6238, pyotp), the
authenticator's secret encrypted at rest, recovery codes and the QR code (segno).

Nothing here logs or returns a secret or a code except to the person it belongs to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup

STEP_SECONDS = 30
DIGITS = 6
# A code is accepted during its own 30 seconds and one step either side (clocks drift, and
# typing takes time); the step of an accepted code and every earlier one are used up.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# Crockford's base32: no I, L, O or U to confuse. 16 characters hold 80 random bits.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_LENGTH = 16
_ENCRYPTED_PREFIX = "f1:"


def _fernet() -> Fernet:
    """Fernet with a key derived from SECRET_KEY (HKDF-SHA256, its own purpose label), so a
    database dump alone does not hold the authenticator secrets."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"citizenideas second factor secret").derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh authenticator secret: 160 random bits, base32 (as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def seal_secret(secret: str) -> str:
    """The secret as stored: encrypted."""
    return _ENCRYPTED_PREFIX + _fernet().encrypt(secret.encode()).decode()


def open_secret(stored: str) -> str | None:
    """The secret from its stored form; None when it cannot be read (SECRET_KEY changed)."""
    if not stored.startswith(_ENCRYPTED_PREFIX):
        return None
    try:
        return _fernet().decrypt(stored[len(_ENCRYPTED_PREFIX):].encode()).decode()
    except (InvalidToken, ValueError):
        return None


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def looks_like_totp(code: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", code))


def clean_code(raw: str | None) -> str:
    """What someone typed, without spaces and hyphens (apps show "123 456")."""
    return re.sub(r"[\s\-]", "", raw or "")[:64]


def matching_step(secret: str | None, code: str, now: float | None = None) -> int | None:
    """The time step whose code ``code`` is (within the drift allowed), or None."""
    if secret is None or not looks_like_totp(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    here = current_step(now)
    for step in range(here - DRIFT_STEPS, here + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like ``7k2m-9q4t-hx3p-0w8d`` (80 random bits each)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def normal_recovery_code(code: str) -> str | None:
    """A typed recovery code in its one stored form, or None if it cannot be one."""
    text = clean_code(code).lower().translate(str.maketrans("ilo", "110"))
    if len(text) != _RECOVERY_LENGTH or any(c not in _RECOVERY_ALPHABET for c in text):
        return None
    return text


def hash_recovery_code(normal: str) -> str:
    return hashlib.sha256(normal.encode()).hexdigest()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer)


def qr_svg(uri: str, label: str) -> Markup:
    """The otpauth URI as an inline SVG QR code, labelled for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff",
                                                svgclass="ci-qr", lineclass=None)
    safe_label = Markup.escape(label)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{safe_label}" ', 1))
