"""Answers to "Was it done?" at the same moment, on SQLite and PostgreSQL, each in its own
thread with its own connection: one person's concurrent first answers end in one row; many
people's answers all count; the partner is told once that the outcome is disputed."""

from __future__ import annotations

from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Idea, Notification, OutcomeReport, OutcomeVerification, User
from citizenideas.services.verification import verify_outcome

from .concurrency import race
from .verification_world import World


def _fire(app, jobs: list[tuple[int, str]], idea_id: int) -> tuple[list, list]:
    """Run each (user id, answer) in its own thread, app context and session, all at once."""

    def answering(user_id: int, answer: str):
        user = db.session.get(User, user_id)
        idea = db.session.get(Idea, idea_id)
        user.memberships  # loaded before the start, as a request would  # noqa: B018
        return lambda: (user_id, answer, verify_outcome(user, idea, answer)[1])

    results, refused, errors = race(app, [lambda job=job: answering(*job) for job in jobs])
    return results, errors + [repr(exc) for exc in refused]


def _rows(idea_id: int, user_id: int | None = None) -> int:
    db.session.expire_all()
    where = [OutcomeVerification.idea_id == idea_id]
    if user_id is not None:
        where.append(OutcomeVerification.user_id == user_id)
    return db.session.scalar(select(func.count(OutcomeVerification.id)).where(*where))


def test_two_concurrent_first_answers_by_one_person_end_in_one_row(app, make):
    for _trial in range(3):
        world = World(make, title=f"Fruit trees, trial {_trial}")
        world.publish()
        idea_id, user_id = world.idea.id, world.supporter.id
        db.session.remove()
        results, errors = _fire(app, [(user_id, "yes"), (user_id, "no")], idea_id)
        assert errors == []
        assert sorted(created for _u, _a, created in results) == [False, True]
        assert _rows(idea_id, user_id) == 1
        report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea_id))
        assert report.verified_yes + report.verified_no == 1


def test_many_answers_at_once_are_all_counted_and_the_partner_told_once(app, make):
    world = World(make)
    world.publish()
    people = world.residents(make, 8)
    jobs = [(p.id, "no") for p in people[:6]] + [(p.id, "yes") for p in people[6:]]
    idea_id, partner_id = world.idea.id, world.partner.id
    db.session.remove()
    results, errors = _fire(app, jobs, idea_id)
    assert errors == [] and len(results) == 8
    assert _rows(idea_id) == 8
    report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea_id))
    assert (report.verified_yes, report.verified_partly, report.verified_no) == (2, 0, 6)
    assert report.disputed_at is not None
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "outcome_disputed")).all()
    assert told == [partner_id]
