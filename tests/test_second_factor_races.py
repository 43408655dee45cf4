"""The same second-factor code sent several times at the same moment (two tabs, a replayed
request) is accepted once: real threads, each with its own database connection, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import func, select

from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import RecoveryCode, SecondFactor, User
from citizenideas.services import second_factor
from tests.concurrency import race

from .second_factor_support import code_for, give_second_factor

TRIES = 8


def _all_at_once(app, user_id: int, code: str) -> tuple[list[str], list[str]]:
    """Send ``code`` for ``user_id`` from TRIES threads at once; what each was answered."""

    def sending():
        user = db.session.get(User, user_id)
        return lambda: second_factor.check_code(user, code).method

    methods, refused, errors = race(app, [sending] * TRIES)
    errors += [repr(exc) for exc in refused if not isinstance(exc, ValidationFailed)]
    return methods + ["refused"] * (len(refused)), errors


def test_the_same_authenticator_code_sent_at_once_is_accepted_once(app, make):
    moderator = make.user(role="moderator")
    secret, _codes = give_second_factor(moderator)
    user_id = moderator.id
    db.session.remove()

    answers, errors = _all_at_once(app, user_id, code_for(secret))

    assert errors == []
    assert sorted(answers) == ["refused"] * (TRIES - 1) + ["totp"]
    assert db.session.scalar(select(SecondFactor.last_step).where(
        SecondFactor.user_id == user_id)) is not None


def test_the_same_recovery_code_sent_at_once_is_used_once(app, make):
    moderator = make.user(role="moderator")
    _secret, codes = give_second_factor(moderator)
    user_id = moderator.id
    db.session.remove()

    answers, errors = _all_at_once(app, user_id, codes[0])

    assert errors == []
    assert sorted(answers) == ["recovery"] + ["refused"] * (TRIES - 1)
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) == 9
