"""Sessions: a cookie planted before sign-in never becomes a signed-in session (no session
fixation: sessions are signed cookies, rewritten with the user id at sign-in), a cookie
alone cannot write through the API without the CSRF header, cookies copied before a sign-out,
a password change or reset or a deactivation open nothing afterwards, and signing in starts
a new CSRF secret."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

from citizenideas.extensions import db

from .accounts_support import new_client
from .conftest import PASSWORD, csrf_token


def session_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if "session" in cookie:
            return cookie["session"].value
    return None


def test_a_cookie_from_before_sign_in_stays_signed_out_after_sign_in(app, client, make):
    make.user(email="sam@example.org")
    token = csrf_token(client)  # the anonymous session now exists
    planted = client.get_cookie("session").value
    response = client.post("/sign-in", data={"email": "sam@example.org", "password": PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 303
    fresh = session_cookie(response)
    assert fresh and fresh != planted
    assert client.get("/me").status_code == 200

    attacker = new_client(app)
    attacker.set_cookie("session", planted)
    assert attacker.get("/me").status_code == 302  # sent to sign in


def test_a_cookie_signed_in_api_write_needs_the_csrf_header(client, make, auth):
    make.user(email="sam@example.org")
    idea = make.idea()
    auth.sign_in("sam@example.org")
    refused = client.post(f"/api/v1/ideas/{idea.id}/support", json={})
    assert refused.status_code == 400
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)


    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    accepted = client.post(f"/api/v1/ideas/{idea.id}/support", json={},
                           headers={"X-CSRFToken": token})
    assert accepted.status_code < 300, accepted.get_data(as_text=True)


# --- signed out means out: cookies captured earlier are replayed in another browser ----------

NEW_PASSWORD = "lantern-orchard-quietly"


def _sign_in(client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "1"
    response = client.post("/sign-in", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response


def _captured(client) -> dict[str, str]:
    """The browser's cookies as an eavesdropper (or a shared computer) would keep them."""
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def _opens_me(app, cookies: dict[str, str]) -> bool:
    """Does a fresh browser holding only these cookies get the account page?"""
    replay = new_client(app)
    for name, value in cookies.items():
        replay.set_cookie(name, value)
    response = replay.get("/me")
    if response.status_code == 302:
        assert "/sign-in" in response.headers["Location"]
    return response.status_code == 200


def test_a_session_cookie_captured_before_sign_out_no_longer_opens_me(app, client, make):
    make.user(email="sam@example.org")
    _sign_in(client, "sam@example.org")
    session_only = {"session": client.get_cookie("session").value}
    assert _opens_me(app, session_only)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    assert not _opens_me(app, session_only)


def test_a_remember_me_cookie_captured_before_sign_out_no_longer_signs_in(app, client, make):
    make.user(email="sam@example.org")
    _sign_in(client, "sam@example.org", remember=True)
    remember_only = {"remember_token": client.get_cookie("remember_token").value}
    assert _opens_me(app, remember_only)  # the remember-me cookie alone signs a browser in
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    assert not _opens_me(app, remember_only)


def test_cookies_captured_before_a_password_change_stop_working_but_this_browser_stays(
        app, make):
    make.user(email="sam@example.org")
    other = new_client(app)
    _sign_in(other, "sam@example.org", remember=True)
    stolen = _captured(other)
    client = new_client(app)
    _sign_in(client, "sam@example.org")
    response = client.post("/me/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/me/password")})
    assert response.status_code == 303
    assert client.get("/me").status_code == 200
    assert not _opens_me(app, stolen)
    assert not _opens_me(app, {"remember_token": stolen["remember_token"]})


def test_cookies_captured_before_a_password_reset_stop_working(app, make):
    from .accounts_support import latest_link, path_of

    make.user(email="sam@example.org")
    other = new_client(app)
    _sign_in(other, "sam@example.org", remember=True)
    stolen = _captured(other)
    client = new_client(app)
    client.post("/forgot-password", data={"email": "sam@example.org",
                                          "csrf_token": csrf_token(client, "/forgot-password")})
    link = path_of(latest_link("reset_password"))
    assert client.post(link, data={"password": NEW_PASSWORD,
                                   "csrf_token": csrf_token(client, link)}).status_code == 303
    assert not _opens_me(app, stolen)
    assert not _opens_me(app, {"remember_token": stolen["remember_token"]})


def test_cookies_from_before_a_deactivation_stay_dead_after_reactivation(app, make):
    from citizenideas.services import users

    boss = make.user(role="admin")
    user = make.user(email="sam@example.org")
    client = new_client(app)
    _sign_in(client, "sam@example.org", remember=True)
    stolen = _captured(client)
    users.deactivate_user(boss, user)
    db.session.commit()
    users.reactivate_user(boss, user)
    db.session.commit()
    assert not _opens_me(app, stolen)
    assert not _opens_me(app, {"remember_token": stolen["remember_token"]})


def test_the_csrf_token_from_before_sign_in_is_refused_after_sign_in(client, make):
    """Signing in starts a new CSRF secret: a token planted or read before sign-in (by a
    script on a shared computer, say) cannot be used against the signed-in account."""
    make.user(email="sam@example.org")
    before = csrf_token(client)
    response = client.post("/sign-in", data={"email": "sam@example.org", "password": PASSWORD,
                                             "csrf_token": before})
    assert response.status_code == 303
    refused = client.post("/sign-out", data={"csrf_token": before})
    assert refused.status_code == 400
    assert client.get("/me").status_code == 200  # still signed in: the old token did nothing
    accepted = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    assert accepted.status_code == 303
