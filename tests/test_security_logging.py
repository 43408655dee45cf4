"""Secrets never reach the logs: passwords, emailed-link tokens and raw API tokens."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from citizenideas.error_handlers import loggable_path
from citizenideas.extensions import db
from citizenideas.models import Notification
from citizenideas.notify.outbox import send_pending
from citizenideas.services import accounts

from .conftest import PASSWORD, csrf_token


def test_a_logged_path_hides_the_token_of_an_emailed_link(app):
    for path in ("/reset-password/s3cret-Token_value", "/verify-email/s3cret-Token_value",
                 "/organisations/invitations/s3cret-Token_value"):
        with app.test_request_context(path):
            assert "s3cret-Token_value" not in loggable_path()
            assert loggable_path().endswith("/[token]")
    with app.test_request_context("/ideas/12"):
        assert loggable_path() == "/ideas/12"


def test_production_without_smtp_never_prints_emails_and_keeps_them_unsent(app, make, capsys):
    app.config.update(APP_ENV="production", SMTP_HOST="")
    user = make.user()
    accounts.request_password_reset(user.email)
    db.session.commit()
    link = db.session.scalar(select(Notification)).link
    raw = link.rsplit("/", 1)[1]
    assert send_pending() == (0, 1, 0)  # kept for a retry, not failed
    out = capsys.readouterr()
    assert raw not in out.err and raw not in out.out
    assert db.session.scalar(select(Notification)).email_state != "sent"


def test_signing_in_and_creating_an_api_token_log_no_secret(app, client, make, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    make.user(email="sam@example.org")
    client.post("/sign-in", data={"email": "sam@example.org", "password": "wrong-password-1",
                                  "csrf_token": csrf_token(client)})
    client.post("/sign-in", data={"email": "sam@example.org", "password": PASSWORD,
                                  "csrf_token": csrf_token(client)})
    page = client.post("/me/tokens", data={"name": "Dashboard",
                                           "csrf_token": csrf_token(client, "/me/tokens")})
    raw = re.search(r"ci_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)
    out = capsys.readouterr()
    for secret in (raw, PASSWORD, "wrong-password-1"):
        assert secret not in caplog.text
        assert secret not in out.err and secret not in out.out
