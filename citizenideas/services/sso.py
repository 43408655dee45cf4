"""Single sign-on for council staff: which account an identity provider's answer may open.

The council's identity provider (OpenID Connect) vouches for an email address; it never
creates an account and never grants a role. It opens only an account that already exists
here, is active, whose own email address is confirmed, and that belongs to council staff
(a moderator or an admin) or to an organisation's manager: the accounts that can change
public records. Roles stay managed in /admin. Anyone else is refused, and the refusal is
audited, so an admin can see who tried.

The protocol itself (discovery, PKCE, state, nonce, the ID token's signature, issuer,
audience and expiry) is checked in web/sso.py before these rules see the claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from ..errors import NotAllowed
from ..extensions import db
from ..models import User
from .accounts import find_user_by_email, normalise_email
from .audit import record_audit

# Why a verified identity opened no account; each has its own words on the refusal page.
REFUSAL_REASONS = {
    "email_not_verified": _l("Your council account does not say that its email address is "
                             "confirmed."),
    "no_account": _l("There is no staff account here with your council email address."),
    "not_staff": _l("Your account here is not a council staff or organisation manager "
                    "account."),
    "account_not_confirmed": _l("The email address of your account here is not confirmed "
                                "yet."),
    "account_closed": _l("Your account here has been closed."),
    "different_person": _l("Your council account is not the one this staff account was "
                           "first opened with. Ask an admin to check it."),
}


class IdentityRefused(NotAllowed):
    """The identity provider's answer opens no account here. ``reason`` is a key of
    REFUSAL_REASONS; ``user`` is the account with that email, if there is one."""

    def __init__(self, reason: str, email: str, user: User | None = None):
        super().__init__(str(REFUSAL_REASONS[reason]))
        self.reason = reason
        self.email = email
        self.user = user


def may_sign_in_with_council_account(user: User) -> bool:
    """Council staff and organisation managers: the accounts that can change public
    records, and the only ones single sign-on opens."""
    return user.is_staff or any(m.role == "manager" for m in user.memberships)


def identity_of(claims: Mapping[str, Any]) -> str:
    """The provider's person, for good: its issuer and subject (``sub``). An email address can
    pass to someone else; the subject stays with the person."""
    return f"{claims.get('iss')} {claims.get('sub')}"


def staff_account_for_identity(claims: Mapping[str, Any],
                               verified_claim: str = "email_verified") -> User:
    """The existing staff account that the provider's verified ``claims`` (from a checked
    ID token) identify, matched on the email address (case-insensitive).

    Raises IdentityRefused when the provider does not vouch for the address (the claim
    ``verified_claim``, OIDC_EMAIL_VERIFIED_CLAIM, must be JSON true, not a string: Entra ID
    sends ``xms_edov`` instead of ``email_verified``), when no account has it, when the
    account is not staff or an organisation manager, is not confirmed, or is closed, or when
    the account was first opened by another of the provider's people (``sso_identity``).
    """
    email = normalise_email(claims.get("email") if isinstance(claims.get("email"), str) else "")
    if not email or claims.get(verified_claim) is not True:
        raise IdentityRefused("email_not_verified", email)
    user = find_user_by_email(email)
    if user is None:
        raise IdentityRefused("no_account", email)
    if not user.is_active:
        raise IdentityRefused("account_closed", email, user)
    if not may_sign_in_with_council_account(user):
        raise IdentityRefused("not_staff", email, user)
    if not user.is_verified:
        raise IdentityRefused("account_not_confirmed", email, user)
    if user.sso_identity is not None and user.sso_identity != identity_of(claims):
        raise IdentityRefused("different_person", email, user)
    return user


def _identity(claims: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of the provider's answer: who vouched, for whom, and how
    the person authenticated there (``amr``, when the provider says)."""
    kept = {"issuer": claims.get("iss"), "subject": claims.get("sub")}
    if isinstance(claims.get("amr"), list):
        kept["methods"] = [str(m) for m in claims["amr"]][:10]
    return kept


def sign_in_with_identity(claims: Mapping[str, Any], *, provider_mfa_trusted: bool = False,
                          verified_claim: str = "email_verified") -> User:
    """The account to sign in for the provider's ``claims``, audited as a single sign-on,
    with whether the provider's own multi-factor sign-in stands for our second factor
    (OIDC_TRUSTED_MFA). Raises IdentityRefused (nothing written: record the refusal with
    record_refusal)."""
    user = staff_account_for_identity(claims, verified_claim)
    if user.sso_identity is None:  # the first council sign-in ties the account to the person
        user.sso_identity = identity_of(claims)
        db.session.flush()
    record_audit(user, "sso.sign_in", user,
                 after={**_identity(claims), "provider_mfa_trusted": provider_mfa_trusted})
    return user


def record_refusal(claims: Mapping[str, Any], refusal: IdentityRefused) -> None:
    """Audit a refused single sign-on: the address the provider gave and why it opened
    nothing. No account is created or changed."""
    record_audit(refusal.user, "sso.refused", refusal.user,
                 after={**_identity(claims), "email": refusal.email, "reason": refusal.reason})


def untie_account(user: User) -> None:
    """Forget which of the provider's people ``user`` was opened by (an admin, from the
    command line: the person's subject changed at the provider, say after a tenant move).
    The next council sign-in with the address ties it again. Audited."""
    before = {"sso_identity": user.sso_identity}
    user.sso_identity = None
    record_audit(None, "sso.untie", user, before=before, after={"sso_identity": None})
    db.session.flush()
