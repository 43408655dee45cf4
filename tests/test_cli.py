"""`flask create-admin EMAIL`: makes the first admin, or promotes an existing account."""

from __future__ import annotations

from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import User
from citizenideas.services import accounts

GOOD = "lantern-orchard-quietly"


def run(app, *args, env=None):
    return app.test_cli_runner().invoke(args=["create-admin", *args], env=env)


def test_create_admin_makes_a_verified_admin_who_can_sign_in(app):
    result = run(app, "Chief@Example.org", "--password", GOOD, "--name", "Chief Officer")
    assert result.exit_code == 0, result.output
    assert "Created admin chief@example.org" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.display_name) == ("chief@example.org", "admin",
                                                           "Chief Officer")
    assert user.is_verified
    assert accounts.authenticate("chief@example.org", GOOD) == user


def test_the_password_can_come_from_admin_password(app):
    result = run(app, "chief@example.org", env={"ADMIN_PASSWORD": GOOD})
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert accounts.authenticate("chief@example.org", GOOD).role == "admin"


def test_the_password_is_asked_for_when_not_given(app, monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": GOOD)
    result = run(app, "chief@example.org")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert accounts.authenticate("chief@example.org", GOOD) is not None


def test_an_existing_account_is_promoted_and_keeps_its_password(app, make):
    user = make.user(email="mod@example.org", role="moderator", verified=False)
    before = user.password_hash
    result = run(app, "MOD@example.org", "--password", "ignored-for-existing-1")
    assert result.exit_code == 0, result.output
    assert "is now an admin" in result.output
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.role == "admin" and user.is_verified and user.password_hash == before
    assert db.session.query(User).count() == 1


def test_a_weak_password_or_bad_email_creates_nothing(app):
    weak = run(app, "chief@example.org", "--password", "short")
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    bad = run(app, "not-an-email", "--password", GOOD)
    assert bad.exit_code != 0 and "not a valid email" in bad.output
    db.session.expire_all()
    assert db.session.query(User).count() == 0
