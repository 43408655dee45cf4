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
