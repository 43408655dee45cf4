"""The same second-factor code sent several times at the same moment (two tabs, a replayed
request) is accepted once: real threads, each with its own database connection, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from citizenideas.database import run_with_retry
from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import RecoveryCode, SecondFactor, User
from citizenideas.services import second_factor

from .second_factor_support import code_for, give_second_factor

TRIES = 8


def _all_at_once(app, user_id: int, code: str) -> tuple[list[str], list[str]]:
    """Send ``code`` for ``user_id`` from TRIES threads at once; what each was answered."""
    go = threading.Event()
    answers, errors = [], []
    lock = threading.Lock()

    def work() -> None:
        with app.app_context():
            try:
                go.wait(timeout=30)
                user = db.session.get(User, user_id)
                result = run_with_retry(lambda: second_factor.check_code(user, code))
                answer = result.method
            except ValidationFailed:
                answer = "refused"
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                with lock:
                    errors.append(repr(exc))
                return
            finally:
                db.session.remove()
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=work) for _ in range(TRIES)]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(timeout=120)
    return answers, errors


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
