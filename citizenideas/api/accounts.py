"""The caller and accounts: GET /me, POST /users (register)."""

from __future__ import annotations

from typing import Annotated

from .. import throttling
from ..services import accounts
from ..services.accounts import MAX_PASSWORD, MIN_PASSWORD
from .base import AUTH_OPTIONAL, AUTH_REQUIRED, bp, caller, committed, responses, signed_in, spec
from .schemas import EMAIL_PATTERN, Body, Out, documented, text_limits


class MembershipOut(Out):
    id: int
    name: str
    verified: bool
    membership_role: str


class MeOut(Out):
    id: int
    display_name: str
    email: str
    role: str
    email_verified: bool
    ward_id: int | None
    organisations: list[MembershipOut]


class RegisterIn(Body):
    email: Annotated[str, documented(
        format="email", minLength=3, maxLength=254, pattern=EMAIL_PATTERN,
        description="An email address, like name@example.com.")]
    password: Annotated[str, documented(
        minLength=MIN_PASSWORD, maxLength=MAX_PASSWORD,
        description=f"{MIN_PASSWORD} to {MAX_PASSWORD} characters, at least 4 of them "
                    "different, and not one of the most common passwords.")]
    display_name: Annotated[str, text_limits(80, required=True)]


class AcceptedOut(Out):
    detail: str


@bp.get("/me")
@signed_in
@spec.validate(resp=responses(200, MeOut, 401), tags=["Accounts"], security=AUTH_REQUIRED)
def me():
    """The caller: role and organisations (with whether each is verified)."""
    user = caller()
    return MeOut(id=user.id, display_name=user.display_name, email=user.email, role=user.role,
                 email_verified=user.is_verified, ward_id=user.ward_id,
                 organisations=[MembershipOut(id=m.organisation.id, name=m.organisation.name,
                                              verified=m.organisation.is_verified,
                                              membership_role=m.role)
                                for m in user.memberships])


@bp.post("/users")
@throttling.registration_per_ip
@throttling.registration_per_address
@spec.validate(resp=responses(202, AcceptedOut, 422), tags=["Accounts"], security=AUTH_OPTIONAL)
def register(json: RegisterIn):
    """Register a resident account; a confirmation link is emailed.

    The answer is the same whether or not the address already has an account.
    A token is optional and changes nothing here.
    """
    committed(lambda: accounts.register_user(json.email, json.display_name, json.password))
    return AcceptedOut(detail="Check your email: we have sent a link to confirm your address."), 202
