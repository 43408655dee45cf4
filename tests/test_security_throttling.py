"""Throttling: sign-in guesses are limited per IP and per account, shared by the sign-in page
and POST /api/v1/tokens, without locking the owner out; registration is limited per IP and
per address, answers new and taken addresses alike (in the same time) and emails the holder of
a taken address at most once a day."""

from __future__ import annotations

import time
from datetime import timedelta
from statistics import median

from limits import parse_many
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Notification, User, utcnow
from citizenideas.services import accounts

from .accounts_support import latest_link, new_client, path_of
from .conftest import PASSWORD, csrf_token

NEW_PASSWORD = "lantern-orchard-quietly"
GUESS = "Summer-2026-guess"


def _first_limit(app, setting: str) -> int:
    """How many attempts the tightest window of a limit setting allows."""
    return min(item.amount for item in parse_many(app.config[setting]))


def _form_sign_in(client, email, password=GUESS, ip="192.0.2.10"):
    return client.post("/sign-in", environ_base={"REMOTE_ADDR": ip}, data={
        "email": email, "password": password, "csrf_token": csrf_token(client)})


def _api_sign_in(client, email, password=GUESS, ip="192.0.2.10"):
    return client.post("/api/v1/tokens", environ_base={"REMOTE_ADDR": ip},
                       json={"email": email, "password": password, "name": "laptop"})


def _count_notifications(kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == kind))


# --- sign-in: per IP ---------------------------------------------------------------------

def test_spraying_forty_addresses_from_one_ip_at_the_token_api_hits_429(app, client, make,
                                                                         rate_limited):
    for n in range(5):
        make.user(email=f"person{n}@example.org")
    codes = [_api_sign_in(client, f"person{n}@example.org").status_code for n in range(40)]
    assert 429 in codes, codes
    first = codes.index(429)
    assert first == _first_limit(app, "RATELIMIT_SIGN_IN_IP")
    assert set(codes[:first]) == {401} and set(codes[first:]) == {429}


def test_spraying_forty_addresses_from_one_ip_at_the_sign_in_form_hits_429(app, client, make,
                                                                            rate_limited):
    codes = [_form_sign_in(client, f"person{n}@example.org").status_code for n in range(40)]
    assert 429 in codes, codes
    first = codes.index(429)
    assert first == _first_limit(app, "RATELIMIT_SIGN_IN_IP")
    assert set(codes[:first]) == {422} and set(codes[first:]) == {429}


def test_the_sign_in_page_and_the_token_api_share_one_count_per_ip(app, client, rate_limited):
    app.config["RATELIMIT_SIGN_IN_IP"] = "4 per 5 minutes"
    assert [_form_sign_in(client, "a@example.org").status_code,
            _api_sign_in(client, "b@example.org").status_code,
            _form_sign_in(client, "c@example.org").status_code,
            _api_sign_in(client, "d@example.org").status_code] == [422, 401, 422, 401]
    assert _form_sign_in(client, "e@example.org").status_code == 429
    assert _api_sign_in(client, "f@example.org").status_code == 429
    # Another visitor is not affected.
    assert _form_sign_in(client, "g@example.org", ip="198.51.100.77").status_code == 422


# --- sign-in: per account ----------------------------------------------------------------

def test_the_sign_in_page_and_the_token_api_share_one_count_per_account(app, client, make,
                                                                         rate_limited):
    make.user(email="sam@example.org")
    app.config["RATELIMIT_SIGN_IN"] = "4 per 5 minutes"
    # From four addresses, so only the account's count reaches the limit.
    assert [_form_sign_in(client, "sam@example.org", ip="198.51.100.1").status_code,
            _api_sign_in(client, "SAM@example.org", ip="198.51.100.2").status_code,
            _form_sign_in(client, "sam@example.org", ip="198.51.100.3").status_code,
            _api_sign_in(client, "sam@example.org", ip="198.51.100.4").status_code,
            ] == [422, 401, 422, 401]
    assert _api_sign_in(client, "sam@example.org", PASSWORD, ip="203.0.113.9").status_code == 429
    assert _form_sign_in(client, "sam@example.org", PASSWORD, ip="203.0.113.9"
                         ).status_code == 429
    # Someone else's account, from the same addresses, is not affected.
    make.user(email="kim@example.org")
    assert _form_sign_in(client, "kim@example.org", PASSWORD, ip="198.51.100.1"
                         ).status_code == 303


def test_after_the_account_limit_the_owner_is_told_to_reset_and_can_reset_and_sign_in(
        app, make, rate_limited):
    make.user(email="sam@example.org")
    attacker = new_client(app)
    for n in range(_first_limit(app, "RATELIMIT_SIGN_IN")):
        assert _form_sign_in(attacker, "sam@example.org", ip=f"198.51.100.{n + 1}"
                             ).status_code == 422

    owner = new_client(app)
    blocked = _form_sign_in(owner, "sam@example.org", PASSWORD, ip="203.0.113.5")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    html = blocked.get_data(as_text=True)
    assert "reset your password" in html and 'href="/forgot-password"' in html
    assert 'value="sam@example.org"' in html  # what was typed is kept
    api_blocked = _api_sign_in(owner, "sam@example.org", PASSWORD, ip="203.0.113.5")
    assert api_blocked.status_code == 429
    assert api_blocked.mimetype == "application/problem+json"
    assert "reset your password" in api_blocked.get_json()["detail"]
    assert int(api_blocked.headers["Retry-After"]) > 0

    owner.post("/forgot-password", environ_base={"REMOTE_ADDR": "203.0.113.5"}, data={
        "email": "sam@example.org", "csrf_token": csrf_token(owner, "/forgot-password")})
    link = path_of(latest_link("reset_password"))
    assert owner.post(link, environ_base={"REMOTE_ADDR": "203.0.113.5"}, data={
        "password": NEW_PASSWORD, "csrf_token": csrf_token(owner, link)}).status_code == 303
    assert _form_sign_in(owner, "sam@example.org", NEW_PASSWORD, ip="203.0.113.5"
                         ).status_code == 303


# --- register ----------------------------------------------------------------------------

def _register(client, email, ip="192.0.2.10", name="New Person", password=NEW_PASSWORD):
    return client.post("/register", environ_base={"REMOTE_ADDR": ip}, data={
        "email": email, "display_name": name, "password": password,
        "csrf_token": csrf_token(client, "/register")})


def _api_register(client, email, ip="192.0.2.10"):
    return client.post("/api/v1/users", environ_base={"REMOTE_ADDR": ip}, json={
        "email": email, "display_name": "New Person", "password": NEW_PASSWORD})


def test_registering_is_rate_limited_per_ip_across_the_page_and_the_api(app, client,
                                                                         rate_limited):
    app.config["RATELIMIT_REGISTER_IP"] = "3 per hour"
    assert [_register(client, "one@example.org").status_code,
            _api_register(client, "two@example.org").status_code,
            _register(client, "three@example.org").status_code] == [303, 202, 303]
    assert _register(client, "four@example.org").status_code == 429
    assert _api_register(client, "five@example.org").status_code == 429
    assert _register(client, "six@example.org", ip="198.51.100.7").status_code == 303


def test_registering_is_rate_limited_per_address_across_ips(app, client, make, rate_limited):
    make.user(email="taken@example.org")
    app.config["RATELIMIT_REGISTER_ADDRESS"] = "2 per hour"
    assert [_register(client, "taken@example.org", ip="198.51.100.1").status_code,
            _api_register(client, "Taken@example.org", ip="198.51.100.2").status_code,
            ] == [303, 202]
    assert _register(client, "taken@example.org", ip="198.51.100.3").status_code == 429
    assert _register(client, "other@example.org", ip="198.51.100.3").status_code == 303


def test_a_taken_address_is_emailed_at_most_once_a_day(app, client, make):
    holder = make.user(email="taken@example.org")
    for n in range(3):
        assert _register(client, "taken@example.org", name=f"Try {n}").status_code == 303
    assert _count_notifications("account_exists") == 1
    db.session.refresh(holder)
    assert holder.account_exists_emailed_at is not None
    holder.account_exists_emailed_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert _register(client, "taken@example.org").status_code == 303
    assert _count_notifications("account_exists") == 2
    assert _register(client, "taken@example.org").status_code == 303
    assert _count_notifications("account_exists") == 2


def test_registering_hashes_the_password_whether_or_not_the_address_is_taken(
        app, client, make, monkeypatch):
    """The expensive step runs on both paths: that is what makes their timing alike."""
    make.user(email="taken@example.org")
    hashed: list[str] = []
    real = accounts.hash_password

    def counting(password: str) -> str:
        hashed.append(password)
        return real(password)

    monkeypatch.setattr(accounts, "hash_password", counting)
    assert _register(client, "taken@example.org", password="taken-path-password").status_code \
        == 303
    assert _register(client, "new@example.org", password="new-path-password").status_code == 303
    assert hashed == ["taken-path-password", "new-path-password"]


def test_register_answers_new_and_taken_addresses_in_about_the_same_time(app, base_config,
                                                                          make):
    from citizenideas import create_app

    production_like = create_app({**base_config, "TESTING": False})  # real argon2 costs
    try:
        make.user(email="taken@example.org")
        client = production_like.test_client()
        token = csrf_token(client, "/register")
        times: dict[str, list[float]] = {"new": [], "taken": []}
        for n in range(5):  # interleaved, so load on the machine hits both alike
            for kind, email in (("new", f"new{n}@example.org"), ("taken", "taken@example.org")):
                start = time.perf_counter()
                response = client.post("/register", data={
                    "email": email, "display_name": "Timing", "password": NEW_PASSWORD,
                    "csrf_token": token})
                times[kind].append(time.perf_counter() - start)
                assert response.status_code == 303
        new, taken = median(times["new"]), median(times["taken"])
        assert max(new, taken) / min(new, taken) < 2, (new, taken)
    finally:
        with production_like.app_context():
            db.session.remove()
            db.engine.dispose()
    assert db.session.scalar(select(func.count()).select_from(User)) == 6


# --- password reset requests: per address ------------------------------------------------

def _forgot(client, email, ip):
    return client.post("/forgot-password", environ_base={"REMOTE_ADDR": ip}, data={
        "email": email, "csrf_token": csrf_token(client)})


def test_reset_emails_to_one_address_are_limited_whichever_ip_asks(app, client, make,
                                                                   rate_limited):
    """Asking from many addresses must not flood one resident's inbox with reset links."""
    make.user(email="rita@example.org")
    allowed = _first_limit(app, "RATELIMIT_RESET_ADDRESS")
    answers = [_forgot(client, "Rita@example.org", ip=f"198.51.100.{n}").status_code
               for n in range(1, allowed + 2)]
    assert answers == [200] * allowed + [429]
    assert _count_notifications("reset_password") == allowed
    assert _forgot(client, "someone-else@example.org", ip="198.51.100.99").status_code == 200
