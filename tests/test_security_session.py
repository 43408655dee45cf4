"""Sessions: a cookie planted before sign-in never becomes a signed-in session (no session
fixation: sessions are signed cookies, rewritten with the user id at sign-in), and a cookie
alone cannot write through the API without the CSRF header."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

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
