"""API tokens on the account pages: /me/tokens."""

from __future__ import annotations

import re

from citizenideas.extensions import db
from citizenideas.models import ApiToken
from tests.conftest import csrf_token


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/me/tokens")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_create_shows_the_token_once_and_it_works_on_the_api(auth, client, make):
    user = make.user(email="pat@example.org")
    auth.sign_in(user.email)
    response = client.post("/me/tokens", data={"name": "Ward dashboard",
                                               "csrf_token": csrf_token(client, "/me/tokens")})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    raw = re.search(r'id="new-token" type="text" readonly spellcheck="false" value="([^"]+)"',
                    html).group(1)
    assert "Ward dashboard" in html and response.headers["Cache-Control"] == "no-store"
    assert raw not in client.get("/me/tokens").get_data(as_text=True)
    me = client.application.test_client().get("/api/v1/me",
                                              headers={"Authorization": f"Bearer {raw}"})
    assert me.get_json()["id"] == user.id


def test_a_token_needs_a_name(auth, client, make):
    auth.sign_in(make.user(email="pat@example.org").email)
    response = client.post("/me/tokens", data={"name": "",
                                               "csrf_token": csrf_token(client, "/me/tokens")})
    assert response.status_code == 422
    assert "Enter a name for the token" in response.get_data(as_text=True)


def test_revoke_stops_the_token_and_only_for_its_owner(auth, client, make, api):
    user, other = make.user(email="pat@example.org"), make.user()
    raw = api.token(user)
    api.token(other)
    mine = db.session.query(ApiToken).filter_by(user_id=user.id).one()
    theirs = db.session.query(ApiToken).filter_by(user_id=other.id).one()
    auth.sign_in(user.email)
    token = csrf_token(client, "/me/tokens")
    assert client.post(f"/me/tokens/{theirs.id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    response = client.post(f"/me/tokens/{mine.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiToken, mine.id).revoked_at is not None
    assert db.session.get(ApiToken, theirs.id).revoked_at is None
    assert client.application.test_client().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
