"""Accounts through the real pages: register, verify, sign in and out, reset and change a
password, CSRF, rate limits, safe redirects and cookies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Notification, User, UserToken, utcnow

from .accounts_support import confirm_email, latest_link, new_client, path_of
from .conftest import PASSWORD, csrf_token

NEW_PASSWORD = "lantern-orchard-quietly"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


_SIGNED_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


def scrub(html: str, *emails: str) -> str:
    """The page without its CSRF tokens (they carry a timestamp), its CSP nonce and the given
    emails."""
    html = _SIGNED_TOKEN.sub("TOKEN", html)
    html = re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', html)  # the per-response CSP nonce
    for email in emails:
        html = html.replace(email, "X")
    return html


def register(client, email="new.person@example.org", name="New Person", password=NEW_PASSWORD,
             **extra):
    data = {"email": email, "display_name": name, "password": password,
            "csrf_token": csrf_token(client, "/register")}
    data.update(extra)
    return client.post("/register", data=data)


def sign_in_post(client, email, password, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    data.update(extra)
    return client.post("/sign-in", data=data)


def signed_in(client) -> bool:
    return client.get("/me").status_code == 200


# --- register ---------------------------------------------------------------------------

def test_csrf_protection_is_on_in_these_tests(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_registering_creates_an_unverified_resident_and_emails_a_confirmation_link(client):
    response = register(client, email="New.Person@Example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/register/check-email"  # no address in the URL
    assert "New.Person@Example.org" in client.get("/register/check-email").get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert user.email == "new.person@example.org"
    assert user.role == "resident"
    assert not user.is_verified
    assert user.password_hash != NEW_PASSWORD
    note = db.session.scalar(select(Notification).where(Notification.kind == "verify_email"))
    assert note.user_id == user.id and note.email_state == "pending"
    assert "/verify-email/" in note.link


def test_a_duplicate_email_gets_the_same_answer_writes_nothing_new_and_tells_the_holder(
        client, make):
    holder = make.user(email="taken@example.org")
    first = register(client, email="someone.new@example.org")
    page_new = client.get(first.headers["Location"]).get_data(as_text=True)
    second = register(client, email="TAKEN@example.org", name="Impostor")
    page_dup = client.get(second.headers["Location"]).get_data(as_text=True)
    assert second.status_code == first.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert scrub(page_new, "someone.new@example.org") == \
        scrub(page_dup, "TAKEN@example.org", "taken@example.org")
    assert count(User) == 2  # the holder and the genuinely new person
    db.session.refresh(holder)
    assert holder.display_name != "Impostor"
    told = db.session.scalars(select(Notification).where(Notification.user_id == holder.id))
    assert [n.kind for n in told] == ["account_exists"]
    assert db.session.scalar(select(func.count()).select_from(UserToken)
                             .where(UserToken.user_id == holder.id)) == 0


@pytest.mark.parametrize("password, message", [
    ("short1", "at least 10 characters"),
    ("password123", "too common"),
    ("qwertyuiop", "too common"),
    ("aaaaaaaaaaaa", "too easy to guess"),
    ("x" * 300, "256 characters or fewer"),
])
def test_a_weak_password_is_refused_with_a_clear_message_keeping_the_other_fields(
        client, password, message):
    response = register(client, email="keep.me@example.org", name="Kept Name",
                        password=password)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "There is a problem" in html
    assert 'value="keep.me@example.org"' in html
    assert 'value="Kept Name"' in html
    assert password not in html
    assert count(User) == 0 and count(Notification) == 0 and count(UserToken) == 0


@pytest.mark.parametrize("field, value, message", [
    ("email", "a" * 250 + "@example.org", "254 characters or fewer"),
    ("email", "not-an-email", "correct format"),
    ("display_name", "N" * 81, "80 characters or fewer"),
    ("display_name", "   ", "Enter the name"),
])
def test_bad_details_are_refused_and_nothing_is_written(client, field, value, message):
    data = {"email": "fine@example.org", "name": "Fine Name"}
    if field == "email":
        data["email"] = value
    else:
        data["name"] = value
    response = register(client, email=data["email"], name=data["name"],
                        password="battery-staple-horse-9")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "battery-staple-horse-9" not in html
    assert count(User) == 0 and count(Notification) == 0


# --- verify -----------------------------------------------------------------------------

def test_the_check_email_page_states_the_configured_link_lifetime(app, client):
    app.config["VERIFY_TOKEN_HOURS"] = 24
    html = client.get("/register/check-email").get_data(as_text=True)
    assert "expires in 24 hours" in html


def test_the_emailed_link_verifies_the_address_once(client):
    register(client)
    link = path_of(latest_link("verify_email"))
    opened = client.get(link)  # an email link scanner opening it does not use it up
    assert opened.status_code == 200 and "Confirm email address" in opened.get_data(as_text=True)
    assert not db.session.scalar(select(User)).is_verified
    first = confirm_email(client, link)
    assert first.status_code == 303 and "/sign-in" in first.headers["Location"]
    assert db.session.scalar(select(User)).is_verified
    again = client.get(link)
    assert again.status_code == 400
    assert "There is a problem with this link" in again.get_data(as_text=True)


def test_an_expired_verification_link_gets_a_clear_400_page(client):
    register(client)
    link = path_of(latest_link("verify_email"))
    token = db.session.scalar(select(UserToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert not db.session.scalar(select(User)).is_verified


def test_a_made_up_verification_link_gets_a_400_page(client):
    response = client.get("/verify-email/not-a-real-token")
    assert response.status_code == 400
    assert "There is a problem with this link" in response.get_data(as_text=True)


def test_tokens_are_stored_hashed(client):
    register(client)
    raw = path_of(latest_link("verify_email")).rsplit("/", 1)[1]
    stored = db.session.scalar(select(UserToken))
    assert raw not in stored.token_hash
    assert stored.token_hash != raw
    assert db.session.scalar(select(func.count()).select_from(UserToken)
                             .where(UserToken.token_hash == raw)) == 0


# --- sign in and out --------------------------------------------------------------------

def test_signing_in_and_out(client, make):
    make.user(email="resident@example.org")
    response = sign_in_post(client, "Resident@Example.org ", PASSWORD)
    assert response.status_code == 303
    assert signed_in(client)
    assert client.get("/sign-out").status_code == 200  # a confirmation page, not a sign-out
    assert signed_in(client)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    assert response.status_code == 303
    assert not signed_in(client)


def test_a_wrong_password_and_an_unknown_email_get_the_same_generic_message(client, make):
    make.user(email="resident@example.org")
    wrong = sign_in_post(client, "resident@example.org", "not-the-password")
    unknown = sign_in_post(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 422
    wrong_html = scrub(wrong.get_data(as_text=True), "resident@example.org")
    unknown_html = scrub(unknown.get_data(as_text=True), "nobody@example.org")
    assert "Enter a correct email address and password" in wrong_html
    assert wrong_html == unknown_html
    assert "not-the-password" not in wrong_html
    assert not signed_in(client)


def test_a_deactivated_account_cannot_sign_in(client, make):
    make.user(email="gone@example.org", deactivated_at=utcnow())
    assert sign_in_post(client, "gone@example.org", PASSWORD).status_code == 422
    assert not signed_in(client)


def test_deactivating_an_account_ends_its_sessions(client, make):
    user = make.user(email="soon.gone@example.org")
    sign_in_post(client, "soon.gone@example.org", PASSWORD)
    assert signed_in(client)
    user.deactivated_at = utcnow()
    db.session.commit()
    assert not signed_in(client)


@pytest.mark.parametrize("evil", [
    "//evil.com", "https://evil.com", "http://evil.com/", r"/\evil.com", "\\\\evil.com",
    "javascript:alert(1)", "/\t/evil.com", " //evil.com", "///evil.com", "https:evil.com",
    "evil.com", "/\n/evil.com",
])
def test_next_only_ever_redirects_to_this_site(client, make, evil):
    make.user(email="resident@example.org")
    response = sign_in_post(client, "resident@example.org", PASSWORD, next=evil)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == "/", location


def test_next_redirects_to_a_page_on_this_site(client, make):
    make.user(email="resident@example.org")
    client.get("/me")  # sends us to sign in with next=/me
    response = sign_in_post(client, "resident@example.org", PASSWORD, next="/me?tab=1")
    assert response.headers["Location"] == "/me?tab=1"


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client, make):
    make.user(email="resident@example.org")
    response = client.get("/me")
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/me"' in page


# --- forgotten and changed passwords -----------------------------------------------------

def forgot(client, email):
    return client.post("/forgot-password", data={
        "email": email, "csrf_token": csrf_token(client, "/forgot-password")})


def test_forgotten_password_says_the_same_whether_or_not_the_email_exists(client, make):
    make.user(email="resident@example.org")
    known = forgot(client, "resident@example.org").get_data(as_text=True)
    unknown = forgot(client, "nobody@example.org").get_data(as_text=True)
    assert scrub(known, "resident@example.org") == scrub(unknown, "nobody@example.org")
    assert [n.kind for n in db.session.scalars(select(Notification))] == ["reset_password"]


def test_a_reset_link_changes_the_password_once_and_signs_out_other_sessions(app, make):
    make.user(email="resident@example.org")
    other_device = new_client(app)
    sign_in_post(other_device, "resident@example.org", PASSWORD)
    assert signed_in(other_device)

    client = new_client(app)
    forgot(client, "resident@example.org")
    link = path_of(latest_link("reset_password"))
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD,
                                       "csrf_token": csrf_token(client, link)})
    assert response.status_code == 303
    assert not signed_in(other_device)
    assert sign_in_post(client, "resident@example.org", PASSWORD).status_code == 422
    assert sign_in_post(client, "resident@example.org", NEW_PASSWORD).status_code == 303

    fresh = new_client(app)
    assert fresh.get(link).status_code == 400
    reused = fresh.post(link, data={"password": "another-long-password-1",
                                    "csrf_token": csrf_token(fresh, "/sign-in")})
    assert reused.status_code == 400
    assert "There is a problem with this link" in reused.get_data(as_text=True)


def test_a_reset_link_expires_after_reset_token_hours(app, client, make):
    make.user(email="resident@example.org")
    forgot(client, "resident@example.org")
    link = path_of(latest_link("reset_password"))
    token = db.session.scalar(select(UserToken))
    hours = app.config["RESET_TOKEN_HOURS"]
    assert token.expires_at - token.created_at == timedelta(hours=hours)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 400
    response = client.post(link, data={"password": NEW_PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_a_weak_new_password_on_the_reset_page_keeps_the_link_usable(client, make):
    make.user(email="resident@example.org")
    forgot(client, "resident@example.org")
    link = path_of(latest_link("reset_password"))
    weak = client.post(link, data={"password": "short", "csrf_token": csrf_token(client, link)})
    assert weak.status_code == 422
    assert "at least 10 characters" in weak.get_data(as_text=True)
    ok = client.post(link, data={"password": NEW_PASSWORD, "csrf_token": csrf_token(client, link)})
    assert ok.status_code == 303


def test_changing_password_needs_the_current_one_and_signs_out_other_sessions(app, make):
    make.user(email="resident@example.org")
    other = new_client(app)
    sign_in_post(other, "resident@example.org", PASSWORD)
    client = new_client(app)
    sign_in_post(client, "resident@example.org", PASSWORD)

    wrong = client.post("/me/password", data={
        "current_password": "not-my-password", "new_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/me/password")})
    assert wrong.status_code == 422
    assert "current password is not correct" in wrong.get_data(as_text=True)
    assert signed_in(other)

    ok = client.post("/me/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/me/password")})
    assert ok.status_code == 303
    assert signed_in(client)  # this session stays signed in
    assert not signed_in(other)


# --- CSRF, rate limits, cookies -----------------------------------------------------------

@pytest.mark.parametrize("path, data", [
    ("/register", {"email": "x@example.org", "display_name": "X", "password": NEW_PASSWORD}),
    ("/sign-in", {"email": "resident@example.org", "password": PASSWORD}),
    ("/forgot-password", {"email": "resident@example.org"}),
])
def test_a_form_without_a_csrf_token_gets_a_400_page_and_writes_nothing(client, make, path,
                                                                       data):
    make.user(email="resident@example.org")
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True).lower()
    assert count(User) == 1 and count(Notification) == 0 and count(UserToken) == 0
    assert not signed_in(client)


def test_sign_out_without_a_csrf_token_does_not_sign_out(client, make):
    make.user(email="resident@example.org")
    sign_in_post(client, "resident@example.org", PASSWORD)
    assert client.post("/sign-out").status_code == 400
    assert signed_in(client)


def test_repeated_failed_sign_ins_are_rate_limited(app, client, make, rate_limited):
    make.user(email="resident@example.org")
    limit = int(app.config["RATELIMIT_SIGN_IN"].split()[0])
    token = csrf_token(client)
    for _ in range(limit):
        response = client.post("/sign-in", data={"email": "resident@example.org",
                                                  "password": "wrong-guess-123",
                                                  "csrf_token": token})
        assert response.status_code == 422
    blocked = client.post("/sign-in", data={"email": "resident@example.org",
                                             "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "<html" in html.lower() and "too many times" in html
    assert not signed_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(client, make):
    make.user(email="resident@example.org")
    response = sign_in_post(client, "resident@example.org", PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_remember_me_cookie_is_httponly_and_samesite_lax(client, make):
    make.user(email="resident@example.org")
    response = sign_in_post(client, "resident@example.org", PASSWORD, remember="1")
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_does_not_carry_the_password_hash(client, make):
    user = make.user(email="resident@example.org")
    sign_in_post(client, "resident@example.org", PASSWORD)
    with client.session_transaction() as session:
        stored = session["_user_id"]
    assert user.password_hash[-12:] not in stored


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client, make, rate_limited):
    make.user(email="resident@example.org")
    app.config["RATELIMIT_SIGN_IN"] = "2 per 5 minutes"
    for _ in range(4):
        assert sign_in_post(client, "resident@example.org", PASSWORD).status_code == 303
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    for _ in range(2):
        assert sign_in_post(client, "resident@example.org", "wrong-guess-123").status_code == 422
    assert sign_in_post(client, "resident@example.org", PASSWORD).status_code == 429


def test_two_registrations_racing_for_one_address_give_the_same_answer(app, make):
    """Another transaction inserts the address after our check and commits while our insert
    waits on the unique index: we answer as for a taken address, not with an error."""
    import threading
    import time

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's row locks to stage the race")
    client = new_client(app)
    token = csrf_token(client, "/register")
    other = Session(db.engine)
    other.add(User(email="race@example.org", display_name="First", password_hash="x",
                   role="resident", notify_pref="immediate", created_at=utcnow()))
    other.flush()  # inserted, not committed: holds the unique key
    result = {}

    def second_registration():
        with app.app_context():
            result["response"] = client.post("/register", data={
                "email": "race@example.org", "display_name": "Second", "password": NEW_PASSWORD,
                "csrf_token": token})

    thread = threading.Thread(target=second_registration)
    thread.start()
    deadline = time.monotonic() + 10
    with db.engine.connect() as watcher:
        while thread.is_alive() and time.monotonic() < deadline and not watcher.execute(text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
            time.sleep(0.02)
    other.commit()
    other.close()
    thread.join(timeout=10)
    assert result["response"].status_code == 303
    db.session.expire_all()
    assert [u.display_name for u in db.session.scalars(select(User))] == ["First"]
    kinds = [n.kind for n in db.session.scalars(select(Notification))]
    assert kinds == ["account_exists"]


def test_behind_a_trusted_proxy_sign_in_limits_are_per_visitor(app, base_config, make,
                                                                 rate_limited):
    from citizenideas import create_app

    proxied = create_app({**base_config, "TRUSTED_PROXIES": 1,
                          "RATELIMIT_SIGN_IN_IP": "2 per 5 minutes"})
    limiter_on = rate_limited
    limiter_on.enabled = True
    make.user(email="resident@example.org")

    def attempt(client, ip, email="resident@example.org"):
        return client.post("/sign-in", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           headers={"X-Forwarded-For": ip},
                           data={"email": email, "password": "wrong-guess-123",
                                 "csrf_token": token})

    client = new_client(proxied)
    token = csrf_token(client)
    assert [attempt(client, "203.0.113.7", f"a{n}@example.org").status_code
            for n in range(3)] == [422, 422, 429]
    # Someone else, through the same proxy, is not blocked.
    assert attempt(client, "198.51.100.9", "b@example.org").status_code == 422
