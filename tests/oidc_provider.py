"""A small, real OpenID Connect provider for the single sign-on tests, served on loopback.

A WSGI app (werkzeug) in a thread: discovery, ``/authorize`` (approves at once, as the person
set in ``provider.person``, and sends the browser back with a code), ``/token`` (checks the
client secret, the redirect address, the code's single use and the PKCE verifier, then issues
an RS256-signed ID token with joserfc) and ``/jwks``. ``provider.token_changes`` alters the
next ID tokens (a wrong audience, issuer, nonce or expiry, another key) to test refusals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "citizenideas-test"
CLIENT_SECRET = "s3cret-for-tests"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass
class Person:
    """Who signs in at the provider, and what it says about them."""

    email: str = "moderator@example.org"
    email_verified: Any = True
    sub: str = "provider-user-1"
    amr: list[str] | None = None


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str
    nonce: str | None
    person: Person


@dataclass
class OIDCProvider:
    """The provider; ``url`` is its issuer. Reset between tests with ``reset()``."""

    url: str = ""
    signing_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"}))
    # Same key id, different key: a token signed with it must fail the signature check.
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"}))
    person: Person = field(default_factory=Person)
    token_changes: dict[str, Any] = field(default_factory=dict)
    discovery_issuer: str | None = None
    grants: dict[str, Grant] = field(default_factory=dict)
    discovery_requests: int = 0
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def reset(self) -> None:
        self.person = Person()
        self.token_changes = {}
        self.discovery_issuer = None
        self.discovery_requests = 0
        self.grants.clear()
        self.authorize_requests.clear()
        self.token_requests.clear()

    # --- the endpoints -----------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        routes = {"/.well-known/openid-configuration": self.discovery,
                  "/authorize": self.authorize, "/token": self.token, "/jwks": self.jwks}
        handler = routes.get(request.path)
        response = handler(request) if handler else Response("not found", 404)
        return response(environ, start_response)

    def discovery(self, request: Request) -> Response:
        self.discovery_requests += 1
        return _json({
            "issuer": self.discovery_issuer or self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        })

    def jwks(self, request: Request) -> Response:
        return _json(KeySet([self.signing_key]).as_dict(private=False))

    def authorize(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.authorize_requests.append(args)
        if (args.get("client_id") != CLIENT_ID or args.get("response_type") != "code"
                or not args.get("redirect_uri")):
            return _json({"error": "invalid_request"}, 400)
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(CLIENT_ID, args["redirect_uri"],
                                  args.get("code_challenge", ""),
                                  args.get("code_challenge_method", ""), args.get("nonce"),
                                  self.person)
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def token(self, request: Request) -> Response:
        form = request.form.to_dict()
        auth = request.authorization
        self.token_requests.append({**form, "auth": "basic" if auth else "post"})
        client_id, secret = ((auth.username, auth.password) if auth
                             else (form.get("client_id"), form.get("client_secret")))
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return _json({"error": "invalid_client"}, 401)
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if (grant is None or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant.redirect_uri):
            return _json({"error": "invalid_grant"}, 400)
        verifier = form.get("code_verifier", "")
        if (grant.code_challenge_method != "S256" or not verifier
                or s256(verifier) != grant.code_challenge):
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        answer = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                  "expires_in": 300}
        if not self.token_changes.get("no_id_token"):
            answer["id_token"] = self.id_token(grant)
        return _json(answer)

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        person = grant.person
        claims: dict[str, Any] = {
            "iss": self.url, "sub": person.sub, "aud": CLIENT_ID, "iat": now,
            "exp": now + 300, "nonce": grant.nonce, "email": person.email,
            "email_verified": person.email_verified,
        }
        if person.amr is not None:
            claims["amr"] = person.amr
        changes = dict(self.token_changes)
        claims.update(changes.get("claims", {}))
        for name in changes.get("drop", ()):
            claims.pop(name, None)
        if changes.get("alg") == "none":
            header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{b64url(json.dumps(claims).encode())}."
        key = self.other_key if changes.get("other_key") else self.signing_key
        return jwt.encode({"alg": "RS256", "kid": "key-1", "typ": "JWT"}, claims, key)


def _json(data: dict, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


class ProviderServer:
    """The provider on a free loopback port, in a thread."""

    def __init__(self):
        self.provider = OIDCProvider()
        self.server = make_server("127.0.0.1", 0, self.provider, threaded=True)
        self.provider.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
