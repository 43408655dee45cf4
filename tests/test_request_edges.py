"""Edges of every request: a body over the size cap is 413, malformed or deeply nested JSON
is 400 problem+json, private answers are never stored by caches, and a Permissions-Policy
keeps powerful browser features off."""

from __future__ import annotations

import pytest

from citizenideas.config import load_config
from citizenideas.extensions import db
from citizenideas.services.tokens import create_api_token

from .conftest import csrf_token

MB = 1024 * 1024


def bearer(user) -> dict:
    _token, raw = create_api_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


# ------------------------------------------------------------------ size cap

def test_the_request_size_cap_is_16_mb_by_default_and_set_from_the_environment(monkeypatch):
    assert load_config({"APP_ENV": "test"})["MAX_CONTENT_LENGTH"] == 16 * MB
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1048576")
    assert load_config({"APP_ENV": "test"})["MAX_CONTENT_LENGTH"] == MB


def test_a_form_over_the_size_cap_is_413_with_a_page(client):
    token = csrf_token(client)
    body = {"csrf_token": token, "email": "a@example.org", "password": "x" * (17 * MB)}
    response = client.post("/sign-in", data=body, content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "too large" in response.get_data(as_text=True)


def test_a_json_body_over_the_size_cap_is_413_problem_json(client, make):
    headers = bearer(make.user())
    idea = make.idea()
    response = client.post(f"/api/v1/ideas/{idea.id}/comments", headers=headers,
                           data='{"body": "' + "x" * (17 * MB) + '"}',
                           content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 413


def test_a_smaller_configured_cap_refuses_a_body_the_default_allows(app, client, make):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    headers = bearer(make.user())
    idea = make.idea()
    response = client.post(f"/api/v1/ideas/{idea.id}/comments", headers=headers,
                           json={"body": "Thanks, a good idea. " * 200})
    assert response.status_code == 413


# ------------------------------------------------------------------ malformed JSON

@pytest.mark.parametrize("body", [
    '{"body": "unfinished',
    "[" * 100_000 + "]" * 100_000,
    '{"body": ' * 50_000 + '"x"' + "}" * 50_000,
    "\xff\xfe not text",
], ids=["unfinished", "nested-arrays", "nested-objects", "not-utf8"])
def test_malformed_or_deeply_nested_json_is_400_problem_json(client, make, body):
    headers = bearer(make.user())
    idea = make.idea()
    response = client.post(f"/api/v1/ideas/{idea.id}/comments", headers=headers,
                           data=body.encode("latin-1"), content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 400


def test_json_that_parses_but_is_not_an_object_is_refused_cleanly(client, make):
    headers = bearer(make.user())
    idea = make.idea()
    response = client.post(f"/api/v1/ideas/{idea.id}/comments", headers=headers,
                           json=[1, 2, 3])
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


# ------------------------------------------------------------------ caching of private answers

@pytest.fixture
def moderator_signed_in(make, auth):
    user = make.user(role="moderator", email="mod@example.org")
    auth.sign_in(user.email)
    return user


@pytest.mark.parametrize("path", ["/me", "/me/notifications", "/council", "/", "/ideas",
                                  "/accountability.csv", "/api/v1/me"])
def test_every_answer_to_someone_signed_in_is_never_stored(client, moderator_signed_in, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers.get("Cache-Control") == "no-store", path


def test_every_api_answer_to_a_token_holder_is_never_stored(client, make):
    headers = bearer(make.user())
    for path in ("/api/v1/me", "/api/v1/ideas", "/api/v1/no-such-thing"):
        assert client.get(path, headers=headers).headers.get("Cache-Control") == "no-store"


def test_public_pages_keep_their_own_caching_for_visitors_not_signed_in(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/accountability.csv").headers.get("Cache-Control", "")


def test_static_files_stay_cacheable_for_someone_signed_in(client, moderator_signed_in):
    response = client.get("/static/css/citizenideas.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# ------------------------------------------------------------------ Permissions-Policy

@pytest.mark.parametrize("path", ["/", "/no-such-page", "/api/v1/ideas", "/api/docs"])
def test_a_permissions_policy_keeps_powerful_features_off(client, path):
    header = client.get(path).headers.get("Permissions-Policy", "")
    policy = {part.split("=")[0].strip(): part.split("=")[1].strip()
              for part in header.split(",") if "=" in part}
    for feature in ("camera", "microphone", "payment", "usb"):
        assert policy.get(feature) == "()", (path, feature)
    assert policy.get("geolocation") == "(self)", path


def test_deeply_nested_json_to_the_rate_limited_token_endpoint_is_400(client, rate_limited):
    response = client.post("/api/v1/tokens", data="[" * 100_000 + "]" * 100_000,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
