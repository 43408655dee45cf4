"""The caller and accounts: GET /me, POST /users (register)."""

from __future__ import annotations

from .. import throttling
from ..services import accounts
from .base import AUTH_REQUIRED, bp, caller, committed, responses, signed_in, spec
from .schemas import Body, Out, Text


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
    email: Text
    password: Text
    display_name: Text


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
@spec.validate(resp=responses(202, AcceptedOut, 422), tags=["Accounts"], security=[{}])
def register(json: RegisterIn):
    """Register a resident account; a confirmation link is emailed.

    The answer is the same whether or not the address already has an account.
    """
    committed(lambda: accounts.register_user(json.email, json.display_name, json.password))
    return AcceptedOut(detail="Check your email: we have sent a link to confirm your address."), 202
