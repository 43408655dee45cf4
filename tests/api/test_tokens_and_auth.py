"""Tokens, authentication, CSRF for cookie callers, and the error format."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import ApiToken
from citizenideas.services.tokens import hash_api_token
from tests.conftest import csrf_token
from tests.factories import PASSWORD

from .support import assert_problem


def test_resident_creates_a_token_with_email_and_password_and_it_is_stored_hashed(api, make):
    user = make.user(email="rita@example.org")
    response = api.post("/tokens", json={"email": "RITA@example.org", "password": PASSWORD,
                                         "name": "Dashboard"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "Dashboard" and body["token"].startswith("ci_")
    stored = db.session.get(ApiToken, body["id"])
    assert stored.user_id == user.id
    assert stored.token_hash == hash_api_token(body["token"]) and body["token"] not in (
        stored.token_hash, stored.prefix)
    me = api.get("/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == user.id
    assert db.session.get(ApiToken, body["id"]).last_used_at is not None


def test_wrong_password_gets_401_and_no_token(api, make):
    make.user(email="rita@example.org")
    response = api.post("/tokens", json={"email": "rita@example.org", "password": "nope-nope-1",
                                         "name": "x"})
    assert_problem(response, 401)
    assert db.session.query(ApiToken).count() == 0


def test_token_needs_a_name(api, make):
    make.user(email="rita@example.org")
    response = api.post("/tokens", json={"email": "rita@example.org", "password": PASSWORD,
                                         "name": "  "})
    assert_problem(response, 422, "name")


def test_token_list_shows_my_tokens_without_their_values(api, make):
    user, other = make.user(), make.user()
    api.token(other)
    raw = api.token(user)
    response = api.get("/tokens", user)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [t["name"] for t in items] == ["tests"]
    assert raw not in response.get_data(as_text=True)


def test_revoked_token_gets_401_with_a_bearer_challenge(api, make):
    user = make.user()
    raw = api.token(user)
    token_id = api.get("/tokens", user).get_json()["items"][0]["id"]
    assert api.delete(f"/tokens/{token_id}", user).status_code == 204
    response = api.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_cannot_revoke_someone_elses_token(api, make):
    user, other = make.user(), make.user()
    api.token(other)
    other_id = db.session.query(ApiToken).filter_by(user_id=other.id).one().id
    assert_problem(api.delete(f"/tokens/{other_id}", user), 404)
    assert db.session.get(ApiToken, other_id).revoked_at is None


def test_no_token_on_a_route_that_needs_one_is_401_with_challenge(api):
    for method, path in (("GET", "/me"), ("GET", "/tokens"), ("GET", "/notifications"),
                         ("POST", "/ideas"), ("POST", "/ideas/1/support")):
        response = api.call(method, path, json={} if method == "POST" else None)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="citizenideas"'


def test_a_bad_token_is_401_even_on_public_reads(api):
    response = api.get("/ideas", headers={"Authorization": "Bearer not-a-token"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_public_reads_need_no_token(api, make):
    make.idea()
    for path in ("/ideas", "/wards", "/categories", "/organisations", "/assets", "/stats",
                 "/openapi.json"):
        assert api.get(path).status_code == 200, path


def test_bearer_requests_never_set_or_use_the_session_cookie(api, auth, client, make):
    make.user(email="cookie@example.org")
    token_user = make.user()
    auth.sign_in("cookie@example.org")
    response = api.get("/me", token_user)
    assert response.get_json()["id"] == token_user.id  # the token wins over the cookie
    assert "Set-Cookie" not in response.headers
    fresh = client.application.test_client()
    response = fresh.get("/api/v1/me", headers=api.headers(token_user))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_cookie_authenticated_write_needs_the_csrf_header(api, auth, client, make):
    user = make.user(email="cookie@example.org")
    idea = make.idea()
    auth.sign_in(user.email)
    assert_problem(client.post(f"/api/v1/ideas/{idea.id}/follow"), 400)
    token = csrf_token(client, "/me")
    response = client.post(f"/api/v1/ideas/{idea.id}/follow", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json() == {"following": True}


def test_bearer_write_needs_no_csrf_token(api, make):
    idea = make.idea()
    assert api.post(f"/ideas/{idea.id}/follow", make.user()).status_code == 200


def test_malformed_json_is_400_never_500(api, make):
    user = make.user()
    response = api.client.post("/api/v1/ideas", data="{not json",
                               content_type="application/json", headers=api.headers(user))
    assert_problem(response, 400)


def test_a_body_that_is_not_json_is_refused(api, make):
    response = api.client.post("/api/v1/ideas", data="title=x", headers=api.headers(make.user()),
                               content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


def test_wrong_types_and_unknown_fields_are_422_with_field_errors(api, make):
    body = assert_problem(api.post("/ideas", make.user(), json={
        "title": 5, "description": "d", "category_id": "1", "ward_id": 1, "colour": "red"}), 422)
    assert {"title", "category_id", "colour"} <= set(body["errors"])


def test_unknown_paths_and_methods_answer_problems(api):
    assert_problem(api.get("/no-such-thing"), 404)
    response = api.call("PUT", "/ideas")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_token_creation_is_rate_limited_with_retry_after(api, app, make, rate_limited):
    make.user(email="rita@example.org")
    app.config["RATELIMIT_SIGN_IN"] = "2 per minute"
    for _ in range(2):
        api.post("/tokens", json={"email": "rita@example.org", "password": "wrong-pass-1",
                                  "name": "x"})
    response = api.post("/tokens", json={"email": "rita@example.org", "password": PASSWORD,
                                         "name": "x"})
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0


def test_register_answers_the_same_for_new_and_existing_addresses(api, make):
    make.user(email="taken@example.org")
    new = api.post("/users", json={"email": "new@example.org", "password": "a-long-passphrase-9",
                                   "display_name": "New"})
    taken = api.post("/users", json={"email": "taken@example.org",
                                     "password": "a-long-passphrase-9", "display_name": "X"})
    assert new.status_code == taken.status_code == 202
    assert new.get_json() == taken.get_json()
    assert_problem(api.post("/users", json={"email": "bad", "password": "short",
                                            "display_name": ""}), 422, "email")


def test_me_lists_organisations_with_verification_and_role(api, make):
    user = make.user()
    make.organisation(name="Verified group", members=[(user, "manager")])
    make.organisation(name="New group", verified=False, members=[(user, "member")])
    body = api.get("/me", user).get_json()
    assert body["role"] == "resident" and body["display_name"] == user.display_name
    assert sorted((o["name"], o["verified"], o["membership_role"])
                  for o in body["organisations"]) == [("New group", False, "member"),
                                                      ("Verified group", True, "manager")]


# --- tokens minted before a password change, a reset or a deactivation stop working ------

NEW_PASSWORD = "lantern-orchard-quietly"


def _works(api, raw: str) -> bool:
    return api.get("/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_tokens_from_before_a_password_reset_stop_working(api, client, make):
    from tests.accounts_support import latest_link, path_of

    user = make.user(email="rita@example.org")
    raw = api.token(user)
    assert _works(api, raw)
    client.post("/forgot-password", data={"email": "rita@example.org",
                                          "csrf_token": csrf_token(client, "/forgot-password")})
    link = path_of(latest_link("reset_password"))
    assert client.post(link, data={"password": NEW_PASSWORD,
                                   "csrf_token": csrf_token(client, link)}).status_code == 303
    assert_problem(api.get("/me", headers={"Authorization": f"Bearer {raw}"}), 401)
    assert api.get("/tokens", user).status_code == 401  # the helper's cached token is dead too


def test_tokens_from_before_a_password_change_stop_working(api, app, make):
    from tests.accounts_support import new_client
    from tests.conftest import Auth

    user = make.user(email="rita@example.org")
    raw = api.token(user)
    browser = new_client(app)
    Auth(browser).sign_in("rita@example.org")
    assert browser.post("/me/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "csrf_token": csrf_token(browser, "/me/password")}).status_code == 303
    assert not _works(api, raw)
    fresh = api.post("/tokens", json={"email": "rita@example.org", "password": NEW_PASSWORD,
                                      "name": "New laptop"})
    assert fresh.status_code == 201 and _works(api, fresh.get_json()["token"])


def test_reactivating_an_account_does_not_revive_its_old_tokens(api, make):
    from citizenideas.services import users

    boss = make.user(role="admin")
    user = make.user(email="rita@example.org")
    raw = api.token(user)
    users.deactivate_user(boss, user)
    db.session.commit()
    assert not _works(api, raw)
    users.reactivate_user(boss, user)
    db.session.commit()
    assert not _works(api, raw)
    assert db.session.get(ApiToken, db.session.query(ApiToken).one().id).revoked_at is not None
    fresh = api.post("/tokens", json={"email": "rita@example.org", "password": PASSWORD,
                                      "name": "After"})
    assert fresh.status_code == 201 and _works(api, fresh.get_json()["token"])
