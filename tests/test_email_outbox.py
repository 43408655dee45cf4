"""The email outbox: Notification rows delivered over real SMTP (aiosmtpd on loopback)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Notification, utcnow
from citizenideas.notify.outbox import send_digests, send_pending
from citizenideas.services import accounts
from citizenideas.services.notifications import notify_user

from .accounts_support import confirm_email, new_client, path_of
from .conftest import csrf_token


class Inbox:
    """Collects every message the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, msg))
        return "250 Message accepted for delivery"

    def bodies(self):
        return [m.get_body(("plain",)).get_content() for _to, m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free loopback port; the app is configured to use it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TIMEOUT=5)
    yield inbox
    controller.stop()



def test_send_pending_delivers_a_verification_email_whose_link_works(app, smtp):
    user, _ = accounts.register_user("sam@example.org", "Sam", "lantern-orchard-quietly")
    db.session.commit()
    assert send_pending() == (1, 0, 0)
    [(to, msg)] = smtp.messages
    assert to == ["sam@example.org"]
    assert msg["Subject"] == "Confirm your email address"
    body = msg.get_body(("plain",)).get_content()
    link = next(line for line in body.splitlines() if "/verify-email/" in line).strip()
    note = db.session.scalar(select(Notification))
    assert (note.email_state, note.email_attempts) == ("sent", 1)
    assert note.email_sent_at is not None

    response = confirm_email(new_client(app), path_of(link))
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.is_verified
    assert send_pending() == (0, 0, 0)  # nothing is sent twice
    assert len(smtp.messages) == 1


def test_a_notification_in_a_rolled_back_transaction_is_never_sent(app, make, smtp):
    user = make.user()
    notify_user(user, "test", "Never", "This change was rolled back")
    db.session.flush()
    db.session.rollback()
    assert send_pending() == (0, 0, 0)
    assert smtp.messages == []
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_daily_digest_groups_several_notifications_into_one_email(app, make, smtp):
    user = make.user(email="daily@example.org", notify_pref="daily")
    for n in range(3):
        notify_user(user, "status", f"Idea {n} changed", "Details", link=f"http://x/ideas/{n}")
    db.session.commit()
    assert send_pending() == (0, 0, 0)  # digest rows are not sent one by one
    assert send_digests() == 1
    [(to, msg)] = smtp.messages
    assert to == ["daily@example.org"]
    assert "3 changes" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert all(f"Idea {n} changed" in body for n in range(3))
    states = set(db.session.scalars(select(Notification.email_state)))
    assert states == {"sent"}
    assert send_digests() == 0  # not again the same day
    notify_user(user, "status", "Later news", "Details")
    db.session.commit()
    assert send_digests(now=utcnow() + timedelta(hours=24)) == 1
    assert len(smtp.messages) == 2


def test_people_who_turned_email_off_get_no_email_but_see_it_in_the_app(app, make, smtp):
    user = make.user(notify_pref="off")
    note = notify_user(user, "status", "Your idea changed", "Details")
    db.session.commit()
    assert send_pending() == (0, 0, 0) and send_digests() == 0
    assert smtp.messages == []
    assert (note.email_state, note.in_app) == ("skipped", True)


def test_account_email_ignores_the_off_preference(app, make, smtp):
    make.user(email="quiet@example.org", notify_pref="off")
    accounts.request_password_reset("quiet@example.org")
    db.session.commit()
    assert send_pending() == (1, 0, 0)
    assert "Reset your password" in smtp.messages[0][1]["Subject"]


def test_without_smtp_host_the_message_and_link_are_printed(app, make, capfd):
    app.config["SMTP_HOST"] = ""
    accounts.register_user("sam@example.org", "Sam", "lantern-orchard-quietly")
    db.session.commit()
    assert send_pending() == (1, 0, 0)
    out, err = capfd.readouterr()
    printed = out + err
    link = db.session.scalar(select(Notification)).link
    assert "Confirm your email address" in printed
    assert link in printed


def test_a_subject_with_a_line_break_is_still_sent_safely(app, make, smtp):
    user = make.user()
    notify_user(user, "test", "Injected\r\nBcc: victim@example.org", "Body")
    db.session.commit()
    assert send_pending() == (1, 0, 0)
    [(to, msg)] = smtp.messages
    assert to == [user.email]
    assert msg["Bcc"] is None


def test_flask_notify_send_delivers_the_outbox(app, make, smtp):
    user = make.user()
    notify_user(user, "test", "Hello from the command", "Body")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify-send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert smtp.messages[0][1]["Subject"] == "Hello from the command"


def test_flask_notify_digest_sends_digests(app, make, smtp):
    user = make.user(notify_pref="daily")
    notify_user(user, "status", "Something changed", "Details")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notify-digest"])
    assert result.exit_code == 0, result.output
    assert "digests sent: 1" in result.output
    assert len(smtp.messages) == 1


def test_registering_through_the_page_then_sending_delivers_a_working_link(app, smtp):
    client = new_client(app)
    client.post("/register", data={"email": "web@example.org", "display_name": "Web",
                                   "password": "lantern-orchard-quietly",
                                   "csrf_token": csrf_token(client, "/register")})
    send_pending()
    body = smtp.bodies()[0]
    link = next(line for line in body.splitlines() if "/verify-email/" in line).strip()
    assert link.startswith(app.config["SITE_URL"])
    assert confirm_email(client, path_of(link)).status_code == 303


def test_someone_who_switches_from_daily_to_off_gets_no_digest(app, make, smtp):
    user = make.user(notify_pref="daily")
    notify_user(user, "status", "Something changed", "Details")
    user.notify_pref = "off"
    db.session.commit()
    assert send_digests() == 0
    assert smtp.messages == []
    assert db.session.scalar(select(Notification.email_state)) == "skipped"


def test_in_development_the_outbox_is_delivered_straight_after_the_request(
        app, base_config, smtp):
    from citizenideas import create_app

    dev = create_app({**base_config, "NOTIFY_SEND_AFTER_REQUEST": True,
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": app.config["SMTP_PORT"]})
    client = new_client(dev)
    response = client.post("/register", data={
        "email": "dev@example.org", "display_name": "Dev", "password": "lantern-orchard-quietly",
        "csrf_token": csrf_token(client, "/register")})
    assert response.status_code == 303
    assert [to for to, _msg in smtp.messages] == [["dev@example.org"]]
    db.session.expire_all()
    assert db.session.scalar(select(Notification.email_state)) == "sent"


def test_a_very_long_subject_is_shortened_to_fit_not_refused(app, make):
    user = make.user()
    note = notify_user(user, "status", "A" * 300, "Body")
    db.session.commit()
    assert len(note.subject) == 200 and note.subject.endswith("…")


def test_idea_links_in_emails_work_outside_a_request(app, make):
    from citizenideas.services.notifications import idea_link

    idea = make.idea()
    app.config["SITE_URL"] = "https://ideas.example.gov.uk/council"
    link = idea_link(idea)
    assert link.startswith("https://ideas.example.gov.uk/council/")
    assert str(idea.id) in link


def test_a_digest_the_mail_server_refused_goes_out_on_the_next_run(app, make, smtp):
    person = make.user(email="daily@example.org", notify_pref="daily")
    notify_user(person, "status", "Something changed", "Details")
    db.session.commit()
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1  # nothing listens: the server is down
    assert send_digests() == 0
    assert db.session.scalar(select(Notification.email_state)) == "digest"
    app.config["SMTP_PORT"] = port
    assert send_digests() == 1  # the same day: the failed turn was given back
    assert [to for to, _msg in smtp.messages] == [["daily@example.org"]]
