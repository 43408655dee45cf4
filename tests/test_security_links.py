"""Emailed links survive link scanners: opening a link (GET) never uses it up; only the
button on the page (a POST with the CSRF token) does."""

from __future__ import annotations

from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Organisation, User, UserToken
from citizenideas.services import accounts

from .accounts_support import confirm_email, new_client


def test_opening_a_confirmation_link_many_times_does_not_confirm_or_use_it_up(app, make):
    user = make.user(verified=False)
    raw = accounts.issue_token("verify_email", 1, user=user)
    db.session.commit()
    scanner = new_client(app)
    for _ in range(3):
        page = scanner.get(f"/verify-email/{raw}")
        assert page.status_code == 200
        assert "Confirm email address" in page.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_verified
    assert db.session.scalar(select(UserToken)).used_at is None

    assert confirm_email(new_client(app), f"/verify-email/{raw}").status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).is_verified


def test_confirming_without_the_csrf_token_is_refused(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make.user(verified=False)
    raw = accounts.issue_token("verify_email", 1, user=user)
    db.session.commit()
    response = new_client(app).post(f"/verify-email/{raw}")
    assert response.status_code == 400
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_verified


def test_opening_a_reset_link_does_not_use_it_up(app, make):
    user = make.user()
    raw = accounts.issue_token("reset_password", 1, user=user)
    db.session.commit()
    client = new_client(app)
    assert client.get(f"/reset-password/{raw}").status_code == 200
    assert client.get(f"/reset-password/{raw}").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(UserToken)).used_at is None


def test_opening_an_invitation_link_does_not_use_it_up(app, make, auth):
    manager = make.user(email="manager@example.org")
    org = make.organisation(members=[(manager, "manager")])
    invitee = make.user(email="invitee@example.org")
    raw = accounts.issue_token("invite", 1, email="invitee@example.org", organisation_id=org.id)
    db.session.commit()
    auth.sign_in("invitee@example.org")
    assert auth.client.get(f"/organisations/invitations/{raw}").status_code == 200
    assert auth.client.get(f"/organisations/invitations/{raw}").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(UserToken)).used_at is None
    assert all(m.user_id != invitee.id for m in db.session.get(Organisation, org.id).memberships)
