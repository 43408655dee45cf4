"""Security headers: a Content-Security-Policy that allows scripts only from this site and
the GOV.UK template's inline script by nonce, plus the usual hardening headers."""

from __future__ import annotations

import re


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/")
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_inline_script_carries_this_responses_nonce_and_nonces_change(client):
    # A page for someone with a session (the public pages shared by visitors without one
    # carry no nonce: tests/test_page_cache.py).
    first, second = client.get("/sign-in"), client.get("/sign-in")
    nonces = []
    for response in (first, second):
        nonce = next(s[len("'nonce-"):-1] for s in directives(response)["script-src"]
                     if s.startswith("'nonce-"))
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
        assert f'<script nonce="{nonce}">' in html
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_error_pages_and_the_api_docs_page_carry_the_policy_too(client):
    for path in ("/no-such-page", "/api/docs"):
        response = client.get(path)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], path


def test_https_responses_ask_browsers_to_keep_to_https(client):
    assert "max-age=" in client.get("/", base_url="https://localhost").headers[
        "Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/").headers
