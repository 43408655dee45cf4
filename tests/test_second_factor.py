"""Staff second factor on the pages: setting it up, signing in with a code, codes used once,
recovery codes, wrong codes limited, turning it off, an admin's reset, and residents (and
everyone, with STAFF_2FA_REQUIRED off) signing in with a password alone."""

from __future__ import annotations

import pytest
from flask import session
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import AuditLog, Notification, SecondFactor, User
from citizenideas.notify.outbox import send_pending
from citizenideas.services import accounts, second_factor

from .conftest import csrf_token
from .factories import PASSWORD
from .second_factor_support import (
    code_for,
    code_step,
    give_second_factor,
    password_step,
    recovery_codes_on_page,
    secret_on_page,
)
from .smtp_support import serve_mailroom


@pytest.fixture
def required(app):
    app.config["STAFF_2FA_REQUIRED"] = True


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _signed_in_page(client, path: str = "/me") -> bool:
    return client.get(path).status_code == 200


def test_a_resident_signs_in_with_a_password_alone_while_staff_need_a_code(client, make,
                                                                           required):
    make.user(email="rita@example.org")
    response = password_step(client, "rita@example.org", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert _signed_in_page(client)


def test_a_moderator_without_a_second_factor_sets_one_up_before_any_page_opens(client, make,
                                                                               required):
    moderator = make.user(role="moderator", email="mo@example.org")
    response = password_step(client, "mo@example.org", PASSWORD, next="/council")
    assert response.status_code == 303
    assert response.headers["Location"] == "/second-factor/set-up"
    # Half signed in: nothing opens.
    assert client.get("/council").status_code in (302, 303)
    assert client.get("/me").status_code in (302, 303)

    page = client.get("/second-factor/set-up")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = secret_on_page(html)
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "<svg" in html and 'role="img"' in html
    stored = db.session.scalar(select(SecondFactor.secret).where(
        SecondFactor.user_id == moderator.id))
    assert secret not in stored  # encrypted at rest

    token = csrf_token(client, "/second-factor/set-up")
    wrong = client.post("/second-factor/set-up", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 422 and "The code is not right" in wrong.get_data(as_text=True)
    assert secret_on_page(wrong.get_data(as_text=True)) == secret  # the same secret again

    done = client.post("/second-factor/set-up", data={"code": code_for(secret),
                                                      "csrf_token": token})
    assert done.status_code == 200
    codes = recovery_codes_on_page(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/council"' in done.get_data(as_text=True)
    assert client.get("/council").status_code == 200
    assert [e.target_id for e in _audit("user.second_factor_enrol")] == [moderator.id]


def test_an_enrolled_moderator_enters_a_code_after_the_password(client, make):
    """Anyone with a second factor is asked for it, whatever STAFF_2FA_REQUIRED says."""
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    response = password_step(client, "mo@example.org", PASSWORD, next="/council")
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/council").status_code in (302, 303)
    page = client.get("/sign-in/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    assert code_step(client, "123456" if code_for(secret) != "123456" else "654321"
                     ).status_code == 422
    assert client.get("/council").status_code in (302, 303)
    done = code_step(client, code_for(secret))
    assert done.status_code == 303 and done.headers["Location"] == "/council"
    assert client.get("/council").status_code == 200
    entry = _audit("user.sign_in_second_factor")[0]
    assert entry.target_id == moderator.id and entry.after == {"method": "totp",
                                                               "via": "sign_in"}


def test_a_code_is_accepted_once(app, client, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    code = code_for(secret)
    password_step(client, "mo@example.org", PASSWORD)
    assert code_step(client, code).status_code == 303
    other = app.test_client()
    password_step(other, "mo@example.org", PASSWORD)
    again = code_step(other, code)
    assert again.status_code == 422
    assert "used already" in again.get_data(as_text=True)
    assert code_step(other, code_for(secret, 1)).status_code == 303  # the next one works


def test_remember_me_is_set_only_once_the_code_is_right(client, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD, remember="1")
    assert client.get_cookie("remember_token") is None
    code_step(client, code_for(secret))
    assert client.get_cookie("remember_token") is not None


def test_a_half_signed_in_session_opens_nothing_and_ends_with_the_session_version(
        app, client, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    for path in ("/council", "/admin", "/me", "/me/second-factor", "/me/tokens"):
        assert client.get(path).status_code in (302, 303, 403), path
    assert client.get("/api/v1/me").status_code == 401
    # Signed out everywhere (or the password changed) meanwhile: the pending sign-in ends.
    accounts.end_all_sessions(db.session.get(User, moderator.id))
    db.session.commit()
    response = code_step(client, code_for(secret))
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert client.get("/council").status_code in (302, 303)


def test_wrong_codes_are_limited_and_past_the_limit_a_right_one_is_refused_too(
        client, make, rate_limited):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    wrong = "000000" if code_for(secret) != "000000" else "111111"
    for _ in range(5):
        assert code_step(client, wrong).status_code == 422
    blocked = code_step(client, code_for(secret))
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert "too many wrong codes" in blocked.get_data(as_text=True)
    assert client.get("/council").status_code in (302, 303)


def test_a_recovery_code_works_once_and_says_how_many_are_left(app, client, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    _secret, codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    done = code_step(client, codes[3].upper(), field="recovery_code")
    assert done.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "You have 9 recovery codes left" in home
    assert "9 recovery codes left" in client.get("/me/second-factor").get_data(as_text=True)
    other = app.test_client()
    password_step(other, "mo@example.org", PASSWORD)
    assert code_step(other, codes[3], field="recovery_code").status_code == 422
    assert _audit("user.sign_in_second_factor")[0].after["method"] == "recovery"


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, client, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, old = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    code_step(client, code_for(secret))
    page = client.get("/me/second-factor/recovery-codes")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(
        as_text=True)
    token = csrf_token(client, "/me/second-factor/recovery-codes")
    assert client.post("/me/second-factor/recovery-codes",
                       data={"code": "", "csrf_token": token}).status_code == 422
    made = client.post("/me/second-factor/recovery-codes",
                       data={"code": code_for(secret, 1), "csrf_token": token})
    fresh = recovery_codes_on_page(made.get_data(as_text=True))
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    assert len(fresh) == 10 and not set(fresh) & set(old)
    other = app.test_client()
    password_step(other, "mo@example.org", PASSWORD)
    assert code_step(other, old[0], field="recovery_code").status_code == 422
    assert code_step(other, fresh[0], field="recovery_code").status_code == 303
    assert _audit("user.recovery_codes")


def test_staff_cannot_turn_the_second_factor_off_while_it_is_required(app, client, make,
                                                                       required):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    code_step(client, code_for(secret))
    assert "cannot be turned off" in client.get("/me/second-factor").get_data(as_text=True)
    response = client.post("/me/second-factor/turn-off", data={
        "code": code_for(secret, 1), "csrf_token": csrf_token(client, "/me")})
    assert response.status_code == 403
    assert second_factor.has_second_factor(db.session.get(User, moderator.id))


def test_a_second_factor_can_be_turned_off_with_a_code_when_not_required(client, make):
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    code_step(client, code_for(secret))
    token = csrf_token(client, "/me/second-factor")
    assert client.post("/me/second-factor/turn-off", data={
        "code": "", "csrf_token": token}).status_code == 422
    response = client.post("/me/second-factor/turn-off", data={
        "code": code_for(secret, 1), "csrf_token": token})
    assert response.status_code == 303
    assert not second_factor.has_second_factor(db.session.get(User, moderator.id))
    assert _audit("user.second_factor_off")
    # Off: the password alone signs in again.
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    assert password_step(client, "mo@example.org", PASSWORD).headers["Location"] == "/"


def test_with_the_setting_off_staff_without_a_second_factor_sign_in_with_a_password(
        client, make):
    make.user(role="admin", email="ad@example.org")
    response = password_step(client, "ad@example.org", PASSWORD, next="/admin")
    assert response.status_code == 303 and response.headers["Location"] == "/admin"
    assert client.get("/admin").status_code == 200


def test_staff_may_set_up_a_second_factor_from_their_account_when_not_required(client, make,
                                                                              auth):
    make.user(role="moderator", email="mo@example.org")
    auth.sign_in("mo@example.org")
    assert "Second factor" in client.get("/me").get_data(as_text=True)
    assert "Set up an authenticator app" in client.get("/me/second-factor").get_data(
        as_text=True)
    secret = secret_on_page(client.get("/second-factor/set-up").get_data(as_text=True))
    done = client.post("/second-factor/set-up", data={
        "code": code_for(secret), "csrf_token": csrf_token(client, "/second-factor/set-up")})
    assert done.status_code == 200 and len(recovery_codes_on_page(done.get_data(as_text=True)
                                                                  )) == 10
    assert "10 recovery codes left" in client.get("/me/second-factor").get_data(as_text=True)


def test_residents_are_not_offered_a_second_factor(client, make, auth):
    make.user(email="rita@example.org")
    auth.sign_in("rita@example.org")
    assert "Second factor" not in client.get("/me").get_data(as_text=True)
    assert "Set up an authenticator app" not in client.get("/me/second-factor").get_data(
        as_text=True)
    assert client.get("/second-factor/set-up").status_code == 403


def test_a_signed_in_manager_without_a_second_factor_is_sent_to_set_one_up(app, client, make,
                                                                           auth):
    """Made a manager (or the setting turned on) while signed in: the next page is set-up."""
    manager = make.user(email="pat@example.org")
    auth.sign_in("pat@example.org")
    make.organisation(members=[(manager, "manager")])
    assert client.get("/me").status_code == 200
    app.config["STAFF_2FA_REQUIRED"] = True
    response = client.get("/me")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith("/second-factor/set-up")
    assert client.get("/second-factor/set-up").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


@pytest.fixture
def mailroom(app):
    yield from serve_mailroom(app)


def test_an_admin_resets_someones_second_factor_audited_and_emailed(app, client, make, auth,
                                                                     mailroom):
    make.user(role="admin", email="ad@example.org")
    moderator = make.user(role="moderator", email="mo@example.org")
    give_second_factor(moderator)
    version = moderator.session_version
    auth.sign_in("ad@example.org")
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert "Reset second factor" in users_page
    response = client.post(f"/admin/users/{moderator.id}/second-factor/reset",
                           data={"csrf_token": csrf_token(client, "/admin/users")})
    assert response.status_code == 303
    moderator = db.session.get(User, moderator.id)
    assert not second_factor.has_second_factor(moderator)
    assert moderator.session_version == version + 1  # signed out everywhere
    entry = _audit("user.second_factor_reset")[0]
    assert entry.target_id == moderator.id and entry.actor.email == "ad@example.org"
    note = db.session.scalar(select(Notification).where(
        Notification.kind == "second_factor_reset"))
    assert note.user_id == moderator.id and not note.in_app
    assert send_pending() == (1, 0, 0)  # through the outbox, over real SMTP
    assert mailroom.delivered == [("mo@example.org", "Your second factor has been reset")]


def test_an_admin_cannot_reset_their_own_and_others_cannot_reset_at_all(client, make, auth):
    admin = make.user(role="admin", email="ad@example.org")
    moderator = make.user(role="moderator", email="mo@example.org")
    give_second_factor(admin)
    give_second_factor(make.user(email="someone@example.org"))
    with pytest.raises(Exception, match="own second factor"):
        second_factor.reset_second_factor(admin, admin)
    db.session.rollback()
    with pytest.raises(Exception, match="permission"):
        second_factor.reset_second_factor(moderator, admin)


def test_single_sign_on_with_the_providers_mfa_signs_staff_in_at_once(app, make):
    from citizenideas.web.auth import finish_first_factor

    app.config["STAFF_2FA_REQUIRED"] = True
    moderator = make.user(role="moderator", email="mo@example.org")
    with app.test_request_context("/sso/callback"):
        response = finish_first_factor(moderator, next_url="/council", second_factor_done=True)
        assert response.status_code == 303 and response.headers["Location"] == "/council"
        assert session.get("_user_id") == f"{moderator.id}:{moderator.session_version}"
    assert _audit("user.sign_in_second_factor")[0].after["method"] == "provider"
    with app.test_request_context("/sso/callback"):
        response = finish_first_factor(moderator, next_url="/council")
        assert response.headers["Location"] == "/second-factor/set-up"
        assert "_user_id" not in session


def test_the_pages_outside_the_sweeps_are_valid_html(app, client, make, tmp_path):
    """The code step (with an error), the recovery codes shown once and the page that makes
    new ones need an account with a second factor, so the shared page list cannot visit them:
    the Nu HTML Checker reads them here."""
    from .test_html_validity import checker, validate

    checker()
    moderator = make.user(role="moderator", email="mo@example.org")
    secret, _codes = give_second_factor(moderator)
    password_step(client, "mo@example.org", PASSWORD)
    pages = {"code step": client.get("/sign-in/code"),
             "code step with an error": code_step(client, "")}
    code_step(client, code_for(secret))
    pages["new recovery codes form"] = client.get("/me/second-factor/recovery-codes")
    pages["recovery codes shown once"] = client.post(
        "/me/second-factor/recovery-codes", data={
            "code": code_for(secret, 1),
            "csrf_token": csrf_token(client, "/me/second-factor/recovery-codes")})
    files = {}
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        path = tmp_path / f"page-{len(files)}.html"
        path.write_bytes(response.get_data())
        files[path] = name
    assert validate(files) == []


def test_the_last_admin_who_lost_their_phone_is_reset_from_the_console(app, make):
    admin = make.user(role="admin", email="ad@example.org")
    give_second_factor(admin)
    result = app.test_cli_runner().invoke(args=["second-factor-reset", "AD@example.org"])
    assert result.exit_code == 0, result.output
    assert not second_factor.has_second_factor(db.session.get(User, admin.id))
    entry = _audit("user.second_factor_reset")[0]
    assert entry.actor_id is None and entry.target_id == admin.id
    again = app.test_cli_runner().invoke(args=["second-factor-reset", "ad@example.org"])
    assert again.exit_code != 0 and "no second factor" in again.output
    unknown = app.test_cli_runner().invoke(args=["second-factor-reset", "no@example.org"])
    assert unknown.exit_code != 0


def test_a_session_restored_from_remember_me_signs_in_again_before_setting_up(app, client, make,
                                                                              required):
    """Whoever holds only the remember-me cookie must show the password before tying their own
    authenticator to the account; the password then leads to the set-up as usual."""
    make.user(role="moderator", email="mo@example.org")
    app.config["STAFF_2FA_REQUIRED"] = False
    password_step(client, "mo@example.org", PASSWORD, remember="1")
    app.config["STAFF_2FA_REQUIRED"] = True
    client.delete_cookie("session")  # the browser was closed: only remember-me is left
    response = client.get("/second-factor/set-up")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=")
    again = password_step(client, "mo@example.org", PASSWORD, next="/second-factor/set-up")
    assert again.headers["Location"] == "/second-factor/set-up"
    assert client.get("/second-factor/set-up").status_code == 200
