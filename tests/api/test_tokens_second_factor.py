"""POST /api/v1/tokens and the second factor: staff who have one (or must have one) send its
code in "otp"; residents are never asked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import ApiToken, AuditLog
from tests.factories import PASSWORD
from tests.second_factor_support import code_for, give_second_factor

from .support import assert_problem


def _ask(api, email: str, **extra):
    return api.post("/tokens", json={"email": email, "password": PASSWORD, "name": "Script",
                                     **extra})


@pytest.fixture
def required(app):
    app.config["STAFF_2FA_REQUIRED"] = True


def test_staff_with_a_second_factor_and_no_otp_get_401_saying_a_code_is_needed(api, make):
    give_second_factor(make.user(role="moderator", email="mo@example.org"))
    body = assert_problem(_ask(api, "mo@example.org"), 401)
    assert "code is needed" in body["detail"] and '"otp"' in body["detail"]
    assert db.session.query(ApiToken).count() == 0


def test_staff_with_a_wrong_otp_get_a_clear_401(api, make):
    secret, _codes = give_second_factor(make.user(role="admin", email="ad@example.org"))
    wrong = "000000" if code_for(secret) != "000000" else "111111"
    body = assert_problem(_ask(api, "ad@example.org", otp=wrong), 401)
    assert "not right" in body["detail"]
    assert db.session.query(ApiToken).count() == 0


def test_staff_with_the_right_otp_get_a_token_and_the_code_works_once(api, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, codes = give_second_factor(moderator)
    code = code_for(secret)
    made = _ask(api, "mo@example.org", otp=code)
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.headers["Cache-Control"] == "no-store"
    assert_problem(_ask(api, "mo@example.org", otp=code), 401)  # replayed
    assert _ask(api, "mo@example.org", otp=codes[0]).status_code == 201  # a recovery code
    entries = db.session.scalars(select(AuditLog).where(
        AuditLog.action == "user.sign_in_second_factor")).all()
    assert [e.after for e in entries] == [{"method": "totp", "via": "api_token"},
                                          {"method": "recovery", "via": "api_token"}]


def test_staff_who_must_set_up_a_second_factor_are_told_to_do_it_first(api, make, required):
    make.user(role="moderator", email="mo@example.org")
    body = assert_problem(_ask(api, "mo@example.org", otp="123456"), 401)
    assert "set up an authenticator app" in body["detail"]


def test_residents_are_never_asked_for_a_code(api, make, required):
    make.user(email="rita@example.org")
    assert _ask(api, "rita@example.org").status_code == 201
    assert _ask(api, "rita@example.org", otp="999999").status_code == 201


def test_with_the_setting_off_staff_without_a_second_factor_get_a_token(api, make):
    make.user(role="moderator", email="mo@example.org")
    assert _ask(api, "mo@example.org").status_code == 201


def test_wrong_otps_are_limited(api, make, rate_limited):
    secret, _codes = give_second_factor(make.user(role="moderator", email="mo@example.org"))
    wrong = "000000" if code_for(secret) != "000000" else "111111"
    for _ in range(5):
        assert_problem(_ask(api, "mo@example.org", otp=wrong), 401)
    assert_problem(_ask(api, "mo@example.org", otp=code_for(secret)), 429)


def test_the_document_describes_otp(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["TokenIn"]
    assert "otp" in schema["properties"] and "otp" not in schema["required"]
    assert "recovery" in schema["properties"]["otp"]["description"]
