"""Running an action from a route: one commit, SQLite's "database is locked" retried for the
pages and the API alike, and refusals shown on the form again (422 with what was typed, 409
with the current state)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Support, Ward
from citizenideas.services.tokens import create_api_token

from .conftest import csrf_token

# The app waits this long for a lock before SQLite says "database is locked"; the other
# connection holds its lock longer, so the first attempt really fails and only a retry helps.
BUSY_TIMEOUT_MS = 50
HOLD_SECONDS = 0.3


@pytest.fixture
def short_busy_timeout(app):
    """A busy timeout shorter than the lock the test holds, on fresh connections."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("'database is locked' is SQLite's: PostgreSQL waits on row locks")
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = BUSY_TIMEOUT_MS
    db.session.remove()
    db.engine.dispose()  # pooled connections keep the busy timeout they were opened with
    yield
    db.session.remove()
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 10000
    db.engine.dispose()


class LockedErrors(list):
    """The "database is locked" errors met so far; ``met`` is set at the first one."""

    def __init__(self) -> None:
        super().__init__()
        self.met = threading.Event()


@pytest.fixture
def locked_errors(app):
    """The "database is locked" errors the app's engine met (so a test knows it retried)."""
    seen = LockedErrors()

    def record(context) -> None:
        if "locked" in str(context.original_exception).lower():
            seen.append(str(context.original_exception))
            seen.met.set()

    event.listen(db.engine, "handle_error", record)
    yield seen
    event.remove(db.engine, "handle_error", record)


@contextmanager
def write_lock_held_elsewhere(seconds: float = HOLD_SECONDS,
                              until: threading.Event | None = None):
    """Another connection takes SQLite's write lock (BEGIN IMMEDIATE), as a second worker in
    the middle of a write would, and lets it go after ``seconds`` or, given ``until``, as soon
    as that event is set (at most 5 s). Releasing on the app's first "database is locked"
    rather than on a clock keeps the test true on a loaded machine, where the request may
    reach its write only after a fixed hold has already ended."""
    path = make_url(str(db.engine.url)).database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
    other.execute("BEGIN IMMEDIATE")

    def release() -> None:
        if until is not None:
            until.wait(5.0)
        else:
            threading.Event().wait(seconds)
        other.execute("ROLLBACK")

    holder = threading.Thread(target=release)
    holder.start()
    try:
        yield
    finally:
        holder.join()
        other.close()


def test_an_api_support_is_retried_while_another_writer_holds_the_database(
        app, client, make, short_busy_timeout, locked_errors):
    idea = make.idea(status="accepted")
    resident = make.user()
    _token, raw = create_api_token(resident, "tests")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    # The token's "last used" time is written on first use: not while the lock is held.
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with write_lock_held_elsewhere(until=locked_errors.met):
        response = client.post(f"/api/v1/ideas/{idea.id}/support", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["support_count"] == 1
    assert locked_errors, "the first attempt should have met the lock"
    assert db.session.scalar(select(func.count(Support.id))) == 1


def test_a_comment_posted_on_the_page_is_retried_while_the_database_is_locked(
        app, client, auth, make, short_busy_timeout, locked_errors):
    idea = make.idea(status="accepted")
    resident = make.user()
    auth.sign_in(resident.email)
    token = csrf_token(client, f"/ideas/{idea.id}")
    with write_lock_held_elsewhere(until=locked_errors.met):
        response = client.post(f"/ideas/{idea.id}/comments",
                               data={"body": "Count me in.", "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert locked_errors, "the first attempt should have met the lock"
    assert "Count me in." in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


# ---------------------------------------------------------------- the runner's contract

@pytest.fixture
def commits(app):
    """How many times the app's session committed."""
    count = []
    listener = lambda _session: count.append(1)  # noqa: E731
    event.listen(db.session, "after_commit", listener)
    yield count
    event.remove(db.session, "after_commit", listener)


def _ward_names() -> list[str]:
    return list(db.session.scalars(select(Ward.name).order_by(Ward.name)))


def _add_ward(name: str) -> Ward:
    ward = Ward(name=name)
    db.session.add(ward)
    db.session.flush()
    return ward


def test_a_successful_action_commits_once_and_answers_with_done(app, commits):
    from citizenideas.web.actions import run_action

    with app.test_request_context("/", method="POST"):
        answer = run_action(lambda: _add_ward("Elm"), done=lambda ward: (f"done {ward.name}", 303),
                            failed=lambda exc: ("failed", 422))
    assert answer == ("done Elm", 303)
    assert len(commits) == 1
    db.session.remove()
    assert _ward_names() == ["Elm"]


def test_a_validation_failure_rolls_back_and_shows_the_form_with_what_was_typed(app, commits):
    from citizenideas.web.actions import form_status, run_action

    typed = {"name": "Oak  "}

    def work():
        _add_ward("Half-written")
        raise ValidationFailed("Check the name.", {"name": ["Enter a shorter name."]})

    with app.test_request_context("/", method="POST"):
        body, status = run_action(work, done=lambda _r: ("done", 303),
                                  failed=lambda exc: ((typed, exc.errors), form_status(exc)))
    assert status == 422
    assert body == ({"name": "Oak  "}, {"name": ["Enter a shorter name."]})
    assert commits == []
    assert _ward_names() == []


def test_a_conflict_shows_the_page_again_with_409_and_the_current_state(app, make, commits):
    from citizenideas.web.actions import form_status, run_action

    make.ward("Current")
    commits.clear()

    def work():
        _add_ward("Lost")
        raise Conflict("Someone changed this a moment ago.")

    with app.test_request_context("/", method="POST"):
        body, status = run_action(work, done=lambda _r: ("done", 303),
                                  failed=lambda exc: (_ward_names(), form_status(exc)))
    assert status == 409
    assert body == ["Current"]  # re-read after the rollback: what is there now
    assert commits == []


def test_a_refusal_is_left_to_the_error_pages(app, commits):
    from citizenideas.web.actions import run_action

    def work():
        _add_ward("Refused")
        raise NotAllowed("You may not.")

    with app.test_request_context("/", method="POST"), pytest.raises(NotAllowed):
        run_action(work, done=lambda _r: "done", failed=lambda exc: "failed")
    assert commits == []
    assert _ward_names() == []


def test_a_preview_checks_the_input_and_keeps_nothing(app, commits):
    from citizenideas.web.actions import run_action

    with app.test_request_context("/", method="POST"):
        answer = run_action(lambda: _add_ward("Preview"), done=lambda ward: ward.name,
                            commit=False)
    assert answer == "Preview"
    assert commits == []
    assert _ward_names() == []


# ---------------------------------------------------------------- conflicts on partner forms

PLAN = "We will run weekly sessions in the community hall with our volunteers."


@pytest.fixture
def delivery_world(make):
    from citizenideas.services import claims

    class World:
        pass

    w = World()
    w.moderator = make.user(role="moderator", email="mod@example.org")
    w.partner = make.user(email="partner@example.org")
    w.org = make.organisation(name="Elm Park Friends", members=[(w.partner, "manager")])
    w.idea = make.idea(status="accepted", title="Plant trees on Elm Road")
    w.claim = claims.claim_idea(w.partner, w.idea, w.org, plan=PLAN)
    db.session.commit()
    return w


def test_withdrawing_a_claim_rejected_meanwhile_shows_the_form_with_409(delivery_world, client,
                                                                        auth):
    from citizenideas.services import claims

    w = delivery_world
    auth.sign_in(w.partner.email)
    page = f"/partners/claims/{w.claim.id}/withdraw"
    token = csrf_token(client, page)
    claims.decide_claim(w.moderator, w.claim, "reject", "Another group is doing this.")
    db.session.commit()
    response = client.post(page, data={"reason": "We are too busy.", "csrf_token": token})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already been rejected or withdrawn" in html
    assert "We are too busy." in html  # what was typed is kept


def test_saving_an_outcome_report_waiting_for_review_shows_the_form_with_409(delivery_world,
                                                                            client, auth):
    from citizenideas.services import claims, outcomes

    w = delivery_world
    claims.decide_claim(w.moderator, w.claim, "approve", "")
    outcomes.save_outcome_report(w.partner, w.idea, result="delivered", submit=True,
                                 summary="Twenty trees planted along Elm Road.")
    db.session.commit()
    auth.sign_in(w.partner.email)
    page = f"/partners/ideas/{w.idea.id}/outcome"
    response = client.post(page, data={"result": "delivered", "summary": "Thirty trees.",
                                       "action": "draft",
                                       "csrf_token": csrf_token(client, "/sign-out")})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "waiting for the council to review it" in html
    # The report as it is now: with the council, locked.
    assert "This report is with the council and cannot be changed now." in html
