"""The accounts service: registering, tokens, passwords, profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Notification, User, UserToken, utcnow
from citizenideas.services import accounts

from .conftest import PASSWORD

GOOD = "lantern-orchard-quietly"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_register_creates_an_unverified_resident_with_a_hashed_password(app):
    user, created = accounts.register_user(" Sam@Example.ORG ", "  Sam  ", GOOD)
    db.session.commit()
    assert created
    assert (user.email, user.display_name, user.role) == ("sam@example.org", "Sam", "resident")
    assert not user.is_verified
    assert user.password_hash.startswith("$argon2")
    assert accounts.check_password(user, GOOD)
    assert not accounts.check_password(user, GOOD.upper())


def test_registering_a_taken_email_creates_nothing_and_tells_the_holder(app, make):
    holder = make.user(email="sam@example.org")
    user, created = accounts.register_user("SAM@example.org", "Other", GOOD)
    db.session.commit()
    assert not created and user.id == holder.id
    assert count(User) == 1 and count(UserToken) == 0
    note = db.session.scalar(select(Notification))
    assert (note.user_id, note.kind, note.email_state) == (holder.id, "account_exists", "pending")


def test_a_bad_registration_writes_nothing(app):
    with pytest.raises(ValidationFailed) as caught:
        accounts.register_user("nope", "", "short")
    assert set(caught.value.errors) == {"email", "display_name", "password"}
    db.session.rollback()
    assert count(User) == 0 and count(Notification) == 0


@pytest.mark.parametrize("password, ok", [
    ("correct-horse-battery", True),
    ("1234567890", False),  # too common
    ("Password1234", False),  # too common, whatever the case
    ("sam@example.org", False),  # the email itself
    ("abababababab", False),
    ("nine-char", False),
])
def test_password_rules(app, password, ok):
    assert (accounts.password_problems(password, "sam@example.org") == []) is ok


def test_the_common_password_list_is_large(app):
    assert len(accounts.common_passwords()) > 20_000
    assert "password1234" in accounts.common_passwords()


def test_a_token_works_once_and_only_for_its_purpose(app, make):
    user = make.user()
    raw = accounts.issue_token("verify_email", 1, user=user)
    with pytest.raises(ValidationFailed):
        accounts.consume_token("reset_password", raw)
    assert accounts.consume_token("verify_email", raw).user_id == user.id
    with pytest.raises(ValidationFailed) as caught:
        accounts.consume_token("verify_email", raw)
    assert "token" in caught.value.errors


def test_an_expired_token_is_refused(app, make):
    user = make.user()
    raw = accounts.issue_token("reset_password", 1, user=user)
    db.session.scalar(select(UserToken)).expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(ValidationFailed) as caught:
        accounts.consume_token("reset_password", raw)
    assert "expired" in caught.value.detail


def test_only_the_hash_of_a_token_is_stored(app, make):
    raw = accounts.issue_token("verify_email", 1, user=make.user())
    stored = db.session.scalar(select(UserToken))
    assert stored.token_hash != raw and raw not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_authenticate_ignores_case_and_refuses_deactivated_and_erased_accounts(app, make):
    user = make.user(email="sam@example.org")
    assert accounts.authenticate("SAM@example.org", PASSWORD) == user
    assert accounts.authenticate("sam@example.org", "wrong-password") is None
    assert accounts.authenticate("nobody@example.org", PASSWORD) is None
    user.deactivated_at = utcnow()
    assert accounts.authenticate("sam@example.org", PASSWORD) is None
    user.deactivated_at, user.deleted_at = None, utcnow()
    assert accounts.authenticate("sam@example.org", PASSWORD) is None


def test_a_reset_proves_the_address_and_retires_other_reset_links(app, make):
    user = make.user(email="sam@example.org", verified=False)
    accounts.request_password_reset("sam@example.org")
    first = db.session.scalar(select(Notification)).link.rsplit("/", 1)[1]
    accounts.request_password_reset("sam@example.org")
    second = db.session.scalars(select(Notification).order_by(Notification.id.desc())
                                ).first().link.rsplit("/", 1)[1]
    accounts.reset_password(second, GOOD)
    assert user.is_verified
    assert accounts.check_password(user, GOOD)
    with pytest.raises(ValidationFailed):
        accounts.reset_password(first, "another-good-password")


def test_no_reset_mail_for_unknown_or_deactivated_accounts(app, make):
    make.user(email="gone@example.org", deactivated_at=utcnow())
    accounts.request_password_reset("gone@example.org")
    accounts.request_password_reset("nobody@example.org")
    assert count(Notification) == 0 and count(UserToken) == 0


def test_change_password_needs_the_current_password_and_a_good_new_one(app, make):
    user = make.user()
    with pytest.raises(ValidationFailed) as caught:
        accounts.change_password(user, "wrong", "short")
    assert set(caught.value.errors) == {"current_password", "new_password"}
    accounts.change_password(user, PASSWORD, GOOD)
    assert accounts.check_password(user, GOOD)


def test_update_profile_validates(app, make):
    user = make.user()
    with pytest.raises(ValidationFailed) as caught:
        accounts.update_profile(user, "x" * 81, 999_999, "hourly")
    assert set(caught.value.errors) == {"display_name", "ward_id", "notify_pref"}
    ward = make.ward()
    accounts.update_profile(user, "  New name ", ward.id, "daily")
    assert (user.display_name, user.ward_id, user.notify_pref) == ("New name", ward.id, "daily")


def test_passwords_use_argon2id_with_strong_parameters_outside_tests(app, base_config):
    from citizenideas import create_app

    production_like = create_app({**base_config, "TESTING": False})
    with production_like.app_context():
        strong = accounts.hash_password(GOOD)
    assert strong.startswith("$argon2id$") and "m=65536,t=3" in strong
    user = User(email="x@example.org", display_name="X", password_hash=strong)
    assert accounts.check_password(user, GOOD)  # a strong hash verifies in tests too


def test_a_retired_ward_cannot_be_chosen_as_home(app, make):
    user = make.user()
    ward = make.ward()
    ward.retired_at = utcnow()
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        accounts.update_profile(user, "Name", ward.id, "immediate")
    assert "ward_id" in caught.value.errors
