"""Several senders at once, a sender killed mid-batch, and the ``flask notify-worker`` loop:
each email is sent exactly once, and every attempt is counted. Real threads and processes,
each with its own database connection, against a real SMTP server on loopback."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Notification, utcnow
from citizenideas.notify.outbox import send_pending
from citizenideas.services.notifications import notify_user

from .smtp_support import flask_command, serve_mailroom

LEASE = 300


@pytest.fixture
def mailroom(app):
    yield from serve_mailroom(app)


@pytest.fixture(autouse=True)
def _lease(app):
    app.config["NOTIFY_LEASE_SECONDS"] = LEASE


def _queue(make, count: int) -> list[int]:
    user = make.user()
    notes = [notify_user(user, "test", f"Email {n}", "Body") for n in range(count)]
    db.session.commit()
    return [n.id for n in notes]


def _rows() -> dict[int, tuple[str, int]]:
    db.session.expire_all()
    return {n.id: (n.email_state, n.email_attempts)
            for n in db.session.scalars(select(Notification))}


def _run_senders(app, senders: int, limit: int) -> list[str]:
    """Run ``send_pending`` in several threads at once, each with its own session."""
    go = threading.Barrier(senders)
    errors: list[str] = []

    def sender() -> None:
        with app.app_context():
            try:
                go.wait(timeout=30)
                while sum(send_pending(limit=limit)):
                    pass
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return errors


def test_overlapping_senders_deliver_each_email_exactly_once(app, make, mailroom):
    ids = _queue(make, 40)
    mailroom.delay = 0.02  # slow enough that the senders overlap
    db.session.remove()

    errors = _run_senders(app, senders=4, limit=8)

    assert errors == []
    assert Counter(mailroom.subjects()) == Counter(f"Email {n}" for n in range(40))
    assert _rows() == {note_id: ("sent", 1) for note_id in ids}


def test_overlapping_senders_on_an_smtp_outage_count_one_attempt_each(app, make, mailroom):
    ids = _queue(make, 20)
    mailroom.refuse_now = "451 4.3.0 Try again later"
    db.session.remove()

    errors = _run_senders(app, senders=4, limit=5)

    assert errors == []
    assert _rows() == {note_id: ("pending", 1) for note_id in ids}


def test_a_sender_killed_mid_batch_leaves_its_email_to_be_sent_once_after_the_lease(
        app, make, mailroom):
    ids = _queue(make, 5)
    mailroom.hold = True
    mailroom.answer_after_hold = "451 4.4.2 Connection lost"  # the held email never arrives
    db.session.remove()
    sender = flask_command(app, "notify-send", NOTIFY_LEASE_SECONDS=str(LEASE))
    try:
        assert mailroom.held.wait(timeout=60), sender.stderr.read() if sender.poll() else ""
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.communicate(timeout=30)
    mailroom.release.set()
    mailroom.hold = False

    rows = _rows()
    assert {state for state, _attempts in rows.values()} == {"sending"}
    assert sorted(attempts for _state, attempts in rows.values()) == [0, 0, 0, 0, 1]
    assert send_pending() == (0, 0, 0)  # the lease still holds them
    assert mailroom.delivered == []

    assert send_pending(now=utcnow() + timedelta(seconds=LEASE + 1)) == (5, 0, 0)
    assert Counter(mailroom.subjects()) == Counter(f"Email {n}" for n in range(5))
    rows = _rows()
    assert {state for state, _attempts in rows.values()} == {"sent"}
    assert sorted(attempts for _state, attempts in rows.values()) == [1, 1, 1, 1, 2]
    assert set(rows) == set(ids)


def test_notify_worker_delivers_over_a_bounded_number_of_rounds(app, make, mailroom):
    _queue(make, 3)
    result = app.test_cli_runner().invoke(
        args=["notify-worker", "--rounds", "2", "--interval", "0.1", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert sorted(mailroom.subjects()) == ["Email 0", "Email 1", "Email 2"]
    assert {state for state, _attempts in _rows().values()} == {"sent"}


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_notify_worker_stops_gracefully_finishing_the_email_in_hand(app, make, mailroom, stop):
    _queue(make, 3)
    mailroom.hold = True  # the first email is held, then accepted
    db.session.remove()
    worker = flask_command(app, "notify-worker", "--interval", "60")
    try:
        assert mailroom.held.wait(timeout=60), worker.stderr.read() if worker.poll() else ""
        worker.send_signal(stop)
        mailroom.release.set()
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert "stopped" in out
    assert len(mailroom.delivered) == 1
    # The email in hand was finished; the rest went back to the queue, not left leased.
    assert sorted(_rows().values()) == [("pending", 0), ("pending", 0), ("sent", 1)]


def test_notify_worker_waits_the_interval_between_rounds_and_stops_on_sigterm(app, mailroom):
    worker = flask_command(app, "notify-worker", "--interval", "600")
    try:
        # Asleep between rounds with nothing to send; a stop wakes it at once.
        assert worker.stdout.readline().startswith("notify-worker")
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert "stopped" in out


def test_overlapping_digest_runs_send_each_person_one_digest(app, make, mailroom):
    """Two `flask notify-digest` runs at once (an overlapping cron, two hosts): each person
    gets one digest, not one per run."""
    from citizenideas.notify.outbox import send_digests

    people = [make.user(notify_pref="daily", email=f"daily{n}@example.org") for n in range(6)]
    for person in people:
        for n in range(2):
            notify_user(person, "status", f"Idea {n} changed", "Details")
    db.session.commit()
    mailroom.delay = 0.05
    db.session.remove()
    go = threading.Barrier(3)
    errors: list[str] = []

    def run() -> None:
        with app.app_context():
            try:
                go.wait(timeout=30)
                send_digests()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert len(mailroom.subjects()) == len(people)
    assert set(_rows().values()) == {("sent", 1)}
