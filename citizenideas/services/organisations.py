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
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import AuthRequired, Conflict, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..models import Membership, Organisation, User, UserToken, utcnow
from ..pagination import Page, paginate
from ..permissions import membership, require
from .accounts import (
    _absolute,
    consume_token,
    find_user_by_email,
    issue_token,
    normalise_email,
)
from .audit import record_audit
from .notifications import email_address, notify_user
from .text_rules import clean_text, without_control_characters

INVITE_TOKEN_HOURS = 7 * 24
NAME_MAX = 160
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 5000



def _clean_email(raw: str | None, field: str, errors: dict, required: bool = True) -> str:
    """A normalised email address, or a message under ``field`` in ``errors``."""
    value = (raw or "").strip().lower()
    if not value:
        if required:
            errors[field] = [_("Enter an email address, like name@example.com")]
        return ""
    try:
        value = validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors[field] = [_("Enter an email address in the correct format, like "
                            "name@example.com")]
    if len(value) > 254:
        errors[field] = [_("Email address must be 254 characters or fewer.")]
    return value


def _clean_website(raw: str | None, errors: dict) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        errors["website"] = [_("Enter a web address starting with http:// or https://")]
    elif len(value) > 300:
        errors["website"] = [_("Web address must be 300 characters or fewer.")]
    return value


def register_organisation(actor: User, *, name: str, registered_number: str | None,
                          description: str, website: str | None,
                          contact_email: str) -> Organisation:
    """Create an unverified organisation with ``actor`` as its manager."""
    require(actor, "create_organisation")
    errors: dict[str, list[str]] = {}
    name = clean_text(" ".join(without_control_characters(name or "").split()), "name", errors,
                      required=_("Enter the name of your organisation."), maximum=NAME_MAX,
                      too_long=_("Name must be %(n)s characters or fewer.", n=NAME_MAX))
    if "name" not in errors and db.session.scalar(select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower())) is not None:
        errors["name"] = [_("An organisation with this name is already registered.")]
    registered_number = clean_text(
        registered_number, "registered_number", errors, maximum=40,
        too_long=_("Registered number must be 40 characters or fewer.")) or None
    too_short = _("Describe your organisation in at least %(n)s characters.", n=DESCRIPTION_MIN)
    description = clean_text(description, "description", errors, required=too_short,
                             minimum=DESCRIPTION_MIN, too_short=too_short,
                             maximum=DESCRIPTION_MAX,
                             too_long=_("Description must be %(n)s characters or fewer.",
                                        n=f"{DESCRIPTION_MAX:,}"))
    website = _clean_website(website, errors)
    contact_email = _clean_email(contact_email, "contact_email", errors)
    if errors:
        raise ValidationFailed(_("There is a problem with the organisation's details."), errors)

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
        raise Conflict(_("%(name)s is already verified.", name=org.name))
    org.verified_at = utcnow()
    record_audit(actor, "organisation.verify", org, {"verified": False}, {"verified": True})
    _notify_managers(org, "organisation_verified", _("%(name)s is verified", name=org.name),
                     _("The council has verified %(name)s. Your members can now offer to "
                       "deliver accepted ideas.", name=org.name),
                     link=_absolute("partners.open_for_delivery"))
    db.session.flush()
    return org


def unverify_organisation(actor: User, org: Organisation) -> Organisation:
    """An admin withdraws verification: no new claims, updates or reports until verified."""
    require(actor, "administer")
    if org.verified_at is None:
        raise Conflict(_("%(name)s is not verified.", name=org.name))
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
            errors["email"] = [_("This person is already a member.")]
    if errors:
        raise ValidationFailed(_("Check the email address."), errors)
    raw = issue_token("invite", INVITE_TOKEN_HOURS, email=email, organisation_id=org.id)
    token = db.session.scalar(select(UserToken).where(
        UserToken.token_hash == hashlib.sha256(raw.encode()).hexdigest()))
    link = _absolute("partners.invitation", token=raw)
    subject = _("Join %(name)s on %(site)s", name=org.name,
                site=current_app.config.get("COUNCIL_SHORT_NAME") or "citizenideas")
    body = _("%(person)s has invited you to join %(name)s, a partner organisation that helps "
             "deliver residents' ideas. Sign in or create an account, then use this link "
             "within %(days)s days to accept. It works once:", person=actor.display_name,
             name=org.name, days=INVITE_TOKEN_HOURS // 24)
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
        raise AuthRequired(_("Sign in to accept the invitation."))
    token = consume_token("invite", raw_token)
    # The link is for the address it was sent to: a forwarded link must not let someone else
    # in (members see volunteers' names and messages). The address must be confirmed, or anyone
    # could register the invited address and use the link. Raising here rolls the use back.
    if token.email and (normalise_email(actor.email) != token.email or not actor.is_verified):
        raise NotAllowed(_("This invitation was sent to a different email address. Sign in "
                           "with the address the invitation was sent to (and confirm it), "
                           "or ask the manager to invite this account."))
    org = token.organisation
    if org is None:
        raise NotFound(_("That organisation no longer exists."))
    existing = membership(actor, org)
    if existing is not None:
        db.session.flush()
        return existing
    member = Membership(user_id=actor.id, organisation_id=org.id, role="member",
                        created_at=utcnow())
    db.session.add(member)
    db.session.flush()
    db.session.refresh(actor, ["memberships"])
    _notify_managers(org, "member_joined",
                     _("%(person)s joined %(name)s", person=actor.display_name, name=org.name),
                     _("%(person)s accepted your invitation to join %(name)s.",
                       person=actor.display_name, name=org.name))
    return member


def remove_member(actor: User, org: Organisation, user: User) -> None:
    """Remove ``user`` from ``org``. The last manager cannot be removed."""
    require(actor, "manage_organisation", org)
    member = db.session.scalar(select(Membership).where(Membership.organisation_id == org.id,
                                                        Membership.user_id == user.id))
    if member is None:
        raise NotFound(_("That person is not a member of this organisation."))
    if member.role == "manager":
        managers = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organisation_id == org.id, Membership.role == "manager"))
        if managers <= 1:
            raise Conflict(_("You cannot remove the last manager. Make someone else a manager "
                             "first."))
    if actor.is_admin and membership(actor, org) is None:
        record_audit(actor, "organisation.remove_member", org, {"user_id": user.id}, None)
    db.session.delete(member)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    db.session.expire(org, ["memberships"])


def organisation_page(actor: User, org: Organisation) -> list[Membership]:
    """The organisation's members, for its own members and admins only."""
    require(actor, "view_organisation", org,
            detail=_("Only members of this organisation can see this page."))
    return organisation_members(org)


def organisation_members(org: Organisation) -> list[Membership]:
    """Members with their users, managers first."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(Membership).options(joinedload(Membership.user))
        .where(Membership.organisation_id == org.id)
        .order_by(Membership.role.desc(), Membership.created_at, Membership.id)))


def list_organisations(*, verified: bool | None = None, page: int = 1,
                       per_page: int = 50) -> Page:
    """Organisations for the admin list, unverified first then by name."""
    query = select(Organisation)
    if verified is True:
        query = query.where(Organisation.verified_at.is_not(None))
    elif verified is False:
        query = query.where(Organisation.verified_at.is_(None))
    return paginate(query.order_by(Organisation.verified_at.is_not(None), Organisation.name),
                    page, per_page,
                    count=select(func.count()).select_from(query.subquery()))


def get_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(_("No such organisation."))
    return org
