"""API tokens: POST /tokens (email and password), GET /tokens, DELETE /tokens/{id}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import current_app, request

from ..errors import AuthRequired
from ..extensions import db, limiter
from ..services import accounts
from ..services.tokens import NAME_MAX, create_api_token, list_api_tokens, revoke_api_token
from .base import AUTH_REQUIRED, bp, caller, responses, signed_in, spec
from .schemas import Body, Out, Text, text_limits


class TokenIn(Body):
    email: Text
    password: Text
    name: Annotated[str, text_limits(NAME_MAX, required=True)]


class NewTokenOut(Out):
    """The raw token is in this response only: store it now, it cannot be shown again."""

    id: int
    token: str
    name: str


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenListOut(Out):
    items: list[TokenOut]


def _sign_in_limit() -> str:
    return current_app.config["RATELIMIT_SIGN_IN"]


def _email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else ""
    return "api-token:" + accounts.normalise_email(email if isinstance(email, str) else "")[:254]


@bp.post("/tokens")
@limiter.limit(_sign_in_limit, key_func=_email_key)
@spec.validate(resp=responses(201, NewTokenOut, 401, 422), tags=["Tokens"], security=[{}])
def create_token(json: TokenIn):
    """Create an API token from an email address and password.

    The token is returned once, in `token`; only its hash is stored.
    """
    user = accounts.authenticate(json.email, json.password)
    if user is None:
        raise AuthRequired("The email address or password is not right.")
    token, raw = create_api_token(user, json.name)
    db.session.commit()
    return NewTokenOut(id=token.id, token=raw, name=token.name), 201


@bp.get("/tokens")
@signed_in
@spec.validate(resp=responses(200, TokenListOut, 401), tags=["Tokens"], security=AUTH_REQUIRED)
def list_tokens():
    """The caller's tokens (never the raw values)."""
    return TokenListOut(items=[TokenOut.model_validate(t) for t in list_api_tokens(caller())])


@bp.delete("/tokens/<int:token_id>")
@signed_in
@spec.validate(resp=responses(204, None, 401), tags=["Tokens"], security=AUTH_REQUIRED)
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens. It stops working at once."""
    revoke_api_token(caller(), token_id)
    db.session.commit()
    return "", 204
