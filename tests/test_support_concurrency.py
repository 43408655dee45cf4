"""Fifty supports at once: the counter on the idea equals the Support rows, on SQLite and
PostgreSQL alike, and nobody's request fails with "database is locked"."""

from __future__ import annotations

from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Idea, Support, User
from citizenideas.services import engagement
from tests.concurrency import race


def _fire(app, jobs: list[tuple[str, int]], idea_id: int) -> tuple[list, list]:
    """Run each (action, user id) in its own thread with its own app context and session."""

    def acting(action: str, user_id: int):
        user = db.session.get(User, user_id)
        idea = db.session.get(Idea, idea_id)
        call = engagement.support_idea if action == "support" else engagement.withdraw_support
        return lambda: (action, user_id, call(user, idea))

    results, refused, errors = race(app, [lambda job=job: acting(*job) for job in jobs],
                                    load_first=False)
    return results, errors + [repr(exc) for exc in refused]


def _counts(idea_id: int) -> tuple[int, int]:
    db.session.expire_all()
    counter = db.session.scalar(select(Idea.support_count).where(Idea.id == idea_id))
    rows = db.session.scalar(select(func.count(Support.id)).where(Support.idea_id == idea_id))
    return counter, rows


def test_fifty_concurrent_supports_keep_the_count_exact(app, make):
    idea = make.idea()
    others = [make.user() for _ in range(30)]
    repeated = make.user()
    jobs = [("support", u.id) for u in others] + [("support", repeated.id)] * 20
    idea_id, repeated_id = idea.id, repeated.id
    db.session.remove()

    results, errors = _fire(app, jobs, idea_id)

    assert errors == []
    assert len(results) == 50
    assert sum(1 for _a, uid, ok in results if uid == repeated_id and ok) == 1
    assert _counts(idea_id) == (31, 31)


def test_concurrent_supports_and_withdrawals_keep_the_count_exact(app, make):
    idea = make.idea()
    supporters = [make.user() for _ in range(25)]
    for user in supporters:
        engagement.support_idea(user, idea)
    db.session.commit()
    newcomers = [make.user() for _ in range(25)]
    jobs = [("withdraw", u.id) for u in supporters] + [("support", u.id) for u in newcomers]
    idea_id = idea.id
    db.session.remove()

    results, errors = _fire(app, jobs, idea_id)

    assert errors == [] and len(results) == 50
    assert _counts(idea_id) == (25, 25)
