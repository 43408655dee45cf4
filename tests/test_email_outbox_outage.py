"""An SMTP outage delays email and loses none: transient refusals back off and stay pending,
only a permanent refusal for one mailbox marks that email failed, and failed email can be put
back with ``flask notify-requeue``. Real SMTP (aiosmtpd on loopback), real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Notification, utcnow
from citizenideas.notify.outbox import send_pending
from citizenideas.services import accounts
from citizenideas.services.notifications import notify_user

from .smtp_support import free_port, serve_mailroom

BASE, CAP = 60, 900


@pytest.fixture
def mailroom(app):
    yield from serve_mailroom(app)


@pytest.fixture(autouse=True)
def _backoff(app):
    app.config.update(NOTIFY_RETRY_BASE_SECONDS=BASE, NOTIFY_RETRY_MAX_SECONDS=CAP)


def _notes() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def _queue_account_and_ordinary_mail(make) -> None:
    """A verification link, a reset link and an ordinary notification, all waiting."""
    accounts.register_user("new@example.org", "New", "lantern-orchard-quietly")
    make.user(email="forgetful@example.org")
    accounts.request_password_reset("forgetful@example.org")
    notify_user(make.user(email="follower@example.org"), "status", "Your idea changed", "Body")
    db.session.commit()


def test_an_smtp_outage_delays_email_but_loses_none(app, make, mailroom):
    _queue_account_and_ordinary_mail(make)
    smtp_port = app.config["SMTP_PORT"]
    now = utcnow()

    # Down: nothing listens. Ten rounds, far past the old five-attempt limit.
    app.config["SMTP_PORT"] = free_port()
    for _round in range(10):
        assert send_pending(now=now) == (0, 3, 0)
        now += timedelta(seconds=CAP + 1)
    # Up but refusing for now (451 to every recipient).
    app.config["SMTP_PORT"] = smtp_port
    mailroom.refuse_now = "451 4.3.0 Mail system busy, try again later"
    assert send_pending(now=now) == (0, 3, 0)
    notes = _notes()
    assert {n.email_state for n in notes} == {"pending"}
    assert all(n.email_attempts == 11 for n in notes)
    assert all(n.email_next_attempt_at > now for n in notes)
    assert all("451" in n.email_last_error for n in notes)
    assert mailroom.delivered == []

    # Back: every email arrives exactly once, the account links included.
    mailroom.refuse_now = None
    now += timedelta(seconds=CAP + 1)
    assert send_pending(now=now) == (3, 0, 0)
    assert sorted(to for to, _subject in mailroom.delivered) == [
        "follower@example.org", "forgetful@example.org", "new@example.org"]
    assert {"Confirm your email address", "Your idea changed"} <= set(mailroom.subjects())
    assert {n.email_state for n in _notes()} == {"sent"}
    assert send_pending(now=now + timedelta(days=1)) == (0, 0, 0)
    assert len(mailroom.delivered) == 3


def test_an_email_that_could_not_be_sent_waits_until_its_next_attempt_time(app, make, mailroom):
    notify_user(make.user(), "test", "Patience", "Body")
    db.session.commit()
    mailroom.refuse_now = "421 4.7.0 Too busy, come back later"
    start = utcnow()
    assert send_pending(now=start) == (0, 1, 0)
    [note] = _notes()
    assert note.email_state == "pending"
    assert note.email_next_attempt_at == start + timedelta(seconds=BASE)

    mailroom.refuse_now = None
    connections = mailroom.connections
    assert send_pending(now=start + timedelta(seconds=BASE - 1)) == (0, 0, 0)
    assert mailroom.connections == connections  # not even tried before its time
    assert _notes()[0].email_attempts == 1
    assert send_pending(now=start + timedelta(seconds=BASE)) == (1, 0, 0)
    assert mailroom.subjects() == ["Patience"]


def test_a_server_closing_with_421_is_left_alone_for_the_rest_of_the_round(app, make, mailroom):
    user = make.user()
    for n in range(3):
        notify_user(user, "test", f"Email {n}", "Body")
    db.session.commit()
    mailroom.refuse_now = "421 4.3.2 Shutting down, closing channel"
    assert send_pending() == (0, 3, 0)
    assert mailroom.connections == 1  # not reconnected for every email
    assert {(n.email_state, n.email_attempts) for n in _notes()} == {("pending", 1)}


def test_the_wait_between_attempts_doubles_up_to_a_cap(app, make):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    notify_user(make.user(), "test", "Hello", "Body")
    db.session.commit()
    now = utcnow()
    waits = []
    for _round in range(7):
        send_pending(now=now)
        [note] = _notes()
        waits.append((note.email_next_attempt_at - now).total_seconds())
        now = note.email_next_attempt_at
    assert waits == [60, 120, 240, 480, 900, 900, 900]
    assert (note.email_state, note.email_attempts) == ("pending", 7)
    assert "connect" in note.email_last_error


def test_a_permanent_refusal_fails_only_that_recipient(app, make, mailroom):
    for address in ("ada@example.org", "gone@example.org", "bo@example.org"):
        notify_user(make.user(email=address), "test", f"For {address}", "Body")
    db.session.commit()
    mailroom.refuse_for_good = {"gone@example.org"}
    assert send_pending() == (2, 0, 1)
    states = {n.user.email: (n.email_state, n.email_attempts) for n in _notes()}
    assert states == {"ada@example.org": ("sent", 1), "gone@example.org": ("failed", 1),
                      "bo@example.org": ("sent", 1)}
    gone = next(n for n in _notes() if n.user.email == "gone@example.org")
    assert "550" in gone.email_last_error
    assert sorted(to for to, _s in mailroom.delivered) == ["ada@example.org", "bo@example.org"]
    assert send_pending(now=utcnow() + timedelta(days=1)) == (0, 0, 0)  # failed stays failed


def test_notify_requeue_puts_failed_email_back_and_it_is_then_delivered(app, make, mailroom):
    notify_user(make.user(email="gone@example.org"), "test", "Second chance", "Body")
    db.session.commit()
    mailroom.refuse_for_good = {"gone@example.org"}
    assert send_pending() == (0, 0, 1)
    mailroom.refuse_for_good = set()  # the mailbox was fixed

    result = app.test_cli_runner().invoke(args=["notify-requeue"])
    assert result.exit_code == 0, result.output
    assert "1 failed email put back" in result.output
    [note] = _notes()
    assert (note.email_state, note.email_next_attempt_at) == ("pending", None)
    assert send_pending() == (1, 0, 0)
    assert mailroom.delivered == [("gone@example.org", "Second chance")]


def test_notify_requeue_since_puts_back_only_email_that_failed_after_that_time(
        app, make, mailroom):
    mailroom.refuse_for_good = {"old@example.org", "new@example.org"}
    notify_user(make.user(email="old@example.org"), "test", "Old", "Body")
    db.session.commit()
    send_pending(now=utcnow() - timedelta(days=3))
    notify_user(make.user(email="new@example.org"), "test", "New", "Body")
    db.session.commit()
    send_pending()
    assert [n.email_state for n in _notes()] == ["failed", "failed"]

    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    result = app.test_cli_runner().invoke(args=["notify-requeue", "--since", since])
    assert result.exit_code == 0, result.output
    assert "1 failed email put back" in result.output
    assert {n.subject: n.email_state for n in _notes()} == {"Old": "failed", "New": "pending"}
