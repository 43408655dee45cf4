"""Partner organisations: sign-up, verification by an admin, members and invitations.

Any signed-in resident with a confirmed email may register an organisation and becomes its
manager. It cannot claim ideas until an admin verifies it. Managers invite members by email
(a hashed, expiring, single-use token) and remove them, but never the last manager.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select

from ..errors import AuthRequired, Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import Membership, Organisation, User, UserToken, utcnow
from ..permissions import membership, require
from .accounts import _absolute, consume_token, find_user_by_email, issue_token
from .audit import record_audit
from .notifications import email_address, notify_user

INVITE_TOKEN_HOURS = 7 * 24
NAME_MAX = 160
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 5000



def _clean_email(raw: str | None, field: str, errors: dict, required: bool = True) -> str:
    """A normalised email address, or a message under ``field`` in ``errors``."""
    value = (raw or "").strip().lower()
    if not value:
        if required:
            errors[field] = ["Enter an email address, like name@example.com"]
        return ""
    try:
        value = validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors[field] = ["Enter an email address in the correct format, like name@example.com"]
    if len(value) > 254:
        errors[field] = ["Email address must be 254 characters or fewer."]
    return value


def _clean_website(raw: str | None, errors: dict) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        errors["website"] = ["Enter a web address starting with http:// or https://"]
    elif len(value) > 300:
        errors["website"] = ["Web address must be 300 characters or fewer."]
    return value


def register_organisation(actor: User, *, name: str, registered_number: str | None,
                          description: str, website: str | None,
                          contact_email: str) -> Organisation:
    """Create an unverified organisation with ``actor`` as its manager."""
    require(actor, "create_organisation")
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    registered_number = (registered_number or "").strip() or None
    description = (description or "").strip()
    if not name:
        errors["name"] = ["Enter the name of your organisation."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"Name must be {NAME_MAX} characters or fewer."]
    elif db.session.scalar(select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower())) is not None:
        errors["name"] = ["An organisation with this name is already registered."]
    if registered_number and len(registered_number) > 40:
        errors["registered_number"] = ["Registered number must be 40 characters or fewer."]
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = [
            f"Describe your organisation in at least {DESCRIPTION_MIN} characters."]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"Description must be {DESCRIPTION_MAX:,} characters or fewer."]
    website = _clean_website(website, errors)
    contact_email = _clean_email(contact_email, "contact_email", errors)
    if errors:
        raise ValidationFailed("There is a problem with the organisation's details.", errors)

    org = Organisation(name=name, registered_number=registered_number, description=description,
                       website=website, contact_email=contact_email, created_at=utcnow())
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=actor.id, organisation_id=org.id, role="manager",
                              created_at=utcnow()))
    db.session.flush()
    db.session.refresh(actor, ["memberships"])
    return org


def _notify_managers(org: Organisation, kind: str, subject: str, body: str,
                     link: str | None = None) -> None:
    for m in org.memberships:
        if m.role == "manager" and m.user.deleted_at is None:
            notify_user(m.user, kind, subject, body, link=link)


def verify_organisation(actor: User, org: Organisation) -> Organisation:
    """An admin confirms the organisation is genuine: its members may now claim ideas."""
    require(actor, "administer")
    if org.verified_at is not None:
        raise Conflict(f"{org.name} is already verified.")
    org.verified_at = utcnow()
    record_audit(actor, "organisation.verify", org, {"verified": False}, {"verified": True})
    _notify_managers(org, "organisation_verified", f"{org.name} is verified",
                     f"The council has verified {org.name}. Your members can now offer to "
                     "deliver accepted ideas.", link=_absolute("partners.open_for_delivery"))
    db.session.flush()
    return org


def unverify_organisation(actor: User, org: Organisation) -> Organisation:
    """An admin withdraws verification: no new claims, updates or reports until verified."""
    require(actor, "administer")
    if org.verified_at is None:
        raise Conflict(f"{org.name} is not verified.")
    org.verified_at = None
    record_audit(actor, "organisation.unverify", org, {"verified": True}, {"verified": False})
    db.session.flush()
    return org


def invite_member(actor: User, org: Organisation, email: str) -> UserToken:
    """Email an invitation to join ``org``. Only a manager (or an admin) may invite."""
    require(actor, "manage_organisation", org)
    errors: dict[str, list[str]] = {}
    email = _clean_email(email, "email", errors)
    if not errors:
        existing = find_user_by_email(email)
        if existing is not None and membership(existing, org) is not None:
            errors["email"] = ["This person is already a member."]
    if errors:
        raise ValidationFailed("Check the email address.", errors)
    raw = issue_token("invite", INVITE_TOKEN_HOURS, email=email, organisation_id=org.id)
    token = db.session.scalar(select(UserToken).where(
        UserToken.token_hash == hashlib.sha256(raw.encode()).hexdigest()))
    link = _absolute("partners.invitation", token=raw)
    subject = f"Join {org.name} on {current_app.config.get('COUNCIL_SHORT_NAME') or 'citizenideas'}"
    body = (f"{actor.display_name} has invited you to join {org.name}, a partner organisation "
            "that helps deliver residents' ideas. Sign in or create an account, then use this "
            f"link within {INVITE_TOKEN_HOURS // 24} days to accept. It works once:")
    existing = find_user_by_email(email)
    if existing is not None and existing.deleted_at is None:
        notify_user(existing, "invitation", subject, body, link=link, email_always=True)
    else:
        email_address(email, "invitation", subject, body, link=link)
    db.session.flush()
    return token


def accept_invitation(actor: User, raw_token: str) -> Membership:
    """Join the organisation an invitation is for, with the account that is signed in."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise AuthRequired("Sign in to accept the invitation.")
    token = consume_token("invite", raw_token)
    org = token.organisation
    if org is None:
        raise NotFound("That organisation no longer exists.")
    existing = membership(actor, org)
    if existing is not None:
        db.session.flush()
        return existing
    member = Membership(user_id=actor.id, organisation_id=org.id, role="member",
                        created_at=utcnow())
    db.session.add(member)
    db.session.flush()
    db.session.refresh(actor, ["memberships"])
    _notify_managers(org, "member_joined", f"{actor.display_name} joined {org.name}",
                     f"{actor.display_name} accepted your invitation to join {org.name}.")
    return member


def remove_member(actor: User, org: Organisation, user: User) -> None:
    """Remove ``user`` from ``org``. The last manager cannot be removed."""
    require(actor, "manage_organisation", org)
    member = db.session.scalar(select(Membership).where(Membership.organisation_id == org.id,
                                                        Membership.user_id == user.id))
    if member is None:
        raise NotFound("That person is not a member of this organisation.")
    if member.role == "manager":
        managers = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organisation_id == org.id, Membership.role == "manager"))
        if managers <= 1:
            raise Conflict("You cannot remove the last manager. Make someone else a manager "
                           "first.")
    if actor.is_admin and membership(actor, org) is None:
        record_audit(actor, "organisation.remove_member", org, {"user_id": user.id}, None)
    db.session.delete(member)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    db.session.expire(org, ["memberships"])


def organisation_members(org: Organisation) -> list[Membership]:
    """Members with their users, managers first."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(Membership).options(joinedload(Membership.user))
        .where(Membership.organisation_id == org.id)
        .order_by(Membership.role.desc(), Membership.created_at, Membership.id)))


def list_organisations(*, verified: bool | None = None, page: int = 1,
                       per_page: int = 50) -> tuple[list[Organisation], int]:
    """Organisations for the admin list, unverified first then by name."""
    query = select(Organisation)
    if verified is True:
        query = query.where(Organisation.verified_at.is_not(None))
    elif verified is False:
        query = query.where(Organisation.verified_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(db.session.scalars(
        query.order_by(Organisation.verified_at.is_not(None), Organisation.name)
        .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return items, total


def get_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org
