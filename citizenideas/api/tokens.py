"""API tokens: POST /tokens (email and password), GET /tokens, DELETE /tokens/{id}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from .. import throttling
from ..errors import AuthRequired
from ..services import accounts, second_factor
from ..services.tokens import NAME_MAX, create_api_token, list_api_tokens, revoke_api_token
from .base import AUTH_OPTIONAL, AUTH_REQUIRED, bp, caller, committed, responses, signed_in, spec
from .schemas import Body, Out, Text, text_limits


class TokenIn(Body):
    email: Text
    password: Text
    name: Annotated[str, text_limits(NAME_MAX, required=True)]
    otp: Annotated[Text | None, Field(max_length=64, description=(
        "Second-factor code: the 6-digit code from the account's authenticator app, or one "
        "of its recovery codes. Needed for moderators, admins and organisations' managers "
        "who have a second factor (or must have one); residents never send it."))] = None


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


@bp.post("/tokens")
@spec.validate(resp=responses(201, NewTokenOut, 401, 422), tags=["Tokens"], security=AUTH_OPTIONAL)
def create_token(json: TokenIn):
    """Create an API token from an email address and password.

    The token is returned once, in `token`; only its hash is stored. Failed attempts are
    limited per IP address and per account, together with the sign-in page: past the limit
    the answer is 429 whatever the password, until the wait ends or the password is reset.

    Staff accounts (moderators, admins, organisations' managers) with a second factor, or
    that must have one, also send `otp`: without it the answer is 401 with a detail saying a
    code is needed; a wrong or already used code is 401 too, and wrong codes are limited like
    failed sign-ins (429). A code is accepted once. Residents never send `otp`.

    A token is optional and changes nothing here: the email address, password and code decide.
    """
    throttling.refuse_if_too_many_failed_sign_ins(json.email)
    user = accounts.authenticate(json.email, json.password)
    if user is None:
        throttling.record_failed_sign_in(json.email)
        raise AuthRequired("The email address or password is not right.")

    def create():
        second_factor.require_code_for_api_token(user, json.otp)
        return create_api_token(user, json.name)

    token, raw = committed(create)
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
    committed(lambda: revoke_api_token(caller(), token_id))
    return "", 204
