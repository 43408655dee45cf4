"""``flask asset-reports-remind`` (daily cron): the operator's members get one email per
report year, through the outbox and a real SMTP server on loopback; running it again, or
two at once, sends nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Notification, TransferRequest
from citizenideas.notify.outbox import send_pending

from .after_transfer_support import days_ago, report, transferred
from .smtp_support import flask_command, serve_mailroom


@pytest.fixture
def mailroom(app):
    yield from serve_mailroom(app)


@pytest.fixture
def world(make):
    manager = make.user(email="manager@lido.example.org")
    member = make.user(email="member@lido.example.org")
    outsider = make.user(email="someone@example.org")
    trust = make.organisation(name="Elmstead Lido Trust",
                              members=[(manager, "manager"), (member, "member")])
    other = make.organisation(members=[(outsider, "manager")])
    lido = make.asset(name="Elmstead Lido", kind="pool")
    quiet = make.asset(name="Quiet Hall", kind="hall")
    return manager, member, outsider, trust, other, lido, quiet


def test_the_reminder_emails_the_operators_members_once(app, world, mailroom):
    manager, member, outsider, trust, other, lido, quiet = world
    due = transferred(lido, trust, days_ago(365 - 20))          # year 1 due in 20 days
    done = transferred(quiet, other, days_ago(365 + 5))        # year 1 reported
    report(done, 1, days_ago(6))
    first = app.test_cli_runner().invoke(args=["asset-reports-remind"])
    assert first.exit_code == 0, first.output
    assert "reminded 1 operating organisation" in first.output
    assert send_pending().sent == 2
    assert sorted(mailroom.delivered) == [
        ("manager@lido.example.org", "Elmstead Lido: your yearly report is due"),
        ("member@lido.example.org", "Elmstead Lido: your yearly report is due")]
    again = app.test_cli_runner().invoke(args=["asset-reports-remind"])
    assert "reminded 0 operating organisations" in again.output
    assert send_pending().sent == 0 and len(mailroom.delivered) == 2
    db.session.expire_all()
    assert db.session.get(TransferRequest, due.id).reminded_for_year == 1
    body = db.session.scalar(select(Notification.body).where(
        Notification.kind == "asset_report_due"))
    assert "Year 1: due on" in body and f"/assets/{lido.id}/reports/new" in body


def test_two_reminder_runs_at_once_remind_once(app, world, mailroom):
    manager, member, outsider, trust, other, lido, quiet = world
    transferred(lido, trust, days_ago(400))                    # year 1 overdue
    db.session.remove()
    runs = [flask_command(app, "asset-reports-remind") for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted(out for out, _err in outputs) == [
        "reminded 0 operating organisations\n", "reminded 1 operating organisation\n"]
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "asset_report_due")) == 2
    assert send_pending().sent == 2
    assert {to for to, _subject in mailroom.delivered} == {"manager@lido.example.org",
                                                           "member@lido.example.org"}
