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
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

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
from .notifications import Words, email_address, notify_user
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


def _clean_details(*, name: str, registered_number: str | None, description: str,
                   website: str | None, contact_email: str,
                   other_than: Organisation | None = None) -> dict:
    """An organisation's details, cleaned, or ValidationFailed with each field's problem (the
    same rules at sign-up and when a manager changes them)."""
    errors: dict[str, list[str]] = {}
    name = clean_text(" ".join(without_control_characters(name or "").split()), "name", errors,
                      required=_("Enter the name of your organisation."), maximum=NAME_MAX,
                      too_long=_("Name must be %(n)s characters or fewer.", n=NAME_MAX))
    same_name = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if other_than is not None:
        same_name = same_name.where(Organisation.id != other_than.id)
    if "name" not in errors and db.session.scalar(same_name) is not None:
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
    return {"name": name, "registered_number": registered_number, "description": description,
            "website": website, "contact_email": contact_email}


def register_organisation(actor: User, *, name: str, registered_number: str | None,
                          description: str, website: str | None,
                          contact_email: str) -> Organisation:
    """Create an unverified organisation with ``actor`` as its manager."""
    require(actor, "create_organisation")
    details = _clean_details(name=name, registered_number=registered_number,
                             description=description, website=website,
                             contact_email=contact_email)
    org = Organisation(**details, created_at=utcnow())
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=actor.id, organisation_id=org.id, role="manager",
                              created_at=utcnow()))
    db.session.flush()
    db.session.refresh(actor, ["memberships"])
    return org


def _lock_organisation(org: Organisation) -> Organisation:
    """Hold ``org`` until the transaction ends and reload it (as ``lifecycle.lock_idea`` does
    for ideas): two managers demoting each other at once cannot leave it with none."""
    db.session.execute(update(Organisation).where(Organisation.id == org.id)
                       .values(name=Organisation.name)
                       .execution_options(synchronize_session=False))
    db.session.refresh(org)
    return org


def edit_organisation(actor: User, org: Organisation, *, name: str,
                      registered_number: str | None, description: str, website: str | None,
                      contact_email: str) -> Organisation:
    """A manager (or an admin) changes the organisation's details; audited.

    The council verified the organisation against its registered number, so when a manager
    changes the number of a verified organisation it goes back to the council: verification
    is withdrawn until an admin verifies it again, and the admins are told. An admin's own
    change keeps the verification.
    """
    require(actor, "edit_organisation", org,
            detail=_("Only a manager of this organisation can change its details."))
    _lock_organisation(org)
    details = _clean_details(name=name, registered_number=registered_number,
                             description=description, website=website,
                             contact_email=contact_email, other_than=org)
    before = {key: getattr(org, key) for key in details}
    after = dict(details)
    renumbered = (details["registered_number"] or "") != (org.registered_number or "")
    for key, value in details.items():
        setattr(org, key, value)
    if renumbered and org.verified_at is not None and not actor.is_admin:
        org.verified_at = None
        before["verified"], after["verified"] = True, False
        link = _absolute("partners.organisation", org_id=org.id)
        admins = db.session.scalars(select(User).where(
            User.role == "admin", User.deleted_at.is_(None), User.deactivated_at.is_(None)))
        for admin in admins:
            notify_user(admin, "organisation_changed",
                        _l("%(name)s changed its registered number", name=org.name),
                        _l("%(name)s changed its registered number to %(number)s, so it needs "
                           "verifying again. Until then it cannot offer to deliver ideas.",
                           name=org.name, number=org.registered_number or _l("none")),
                        link=link)
    record_audit(actor, "organisation.edit", org, before, after)
    db.session.flush()
    return org


MEMBER_ROLES = ("member", "manager")


def change_member_role(actor: User, org: Organisation, user: User, role: str) -> Membership:
    """A manager (or an admin) makes a member a manager, or a manager a member; audited.
    An organisation always keeps at least one manager."""
    require(actor, "change_member_role", org,
            detail=_("Only a manager of this organisation can change members' roles."))
    if role not in MEMBER_ROLES:
        raise ValidationFailed(_("Choose manager or member."),
                               {"role": [_("Choose manager or member.")]})
    _lock_organisation(org)
    member = db.session.scalar(select(Membership).where(Membership.organisation_id == org.id,
                                                        Membership.user_id == user.id)
                               .execution_options(populate_existing=True))
    if member is None:
        raise NotFound(_("That person is not a member of this organisation."))
    if member.role == role:
        return member
    if member.role == "manager":
        managers = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organisation_id == org.id, Membership.role == "manager"))
        if managers <= 1:
            raise Conflict(_("An organisation needs at least one manager. Make someone else a "
                             "manager first."))
    before = {"user_id": user.id, "role": member.role}
    member.role = role
    record_audit(actor, "organisation.member_role", org, before,
                 {"user_id": user.id, "role": role})
    if user.id != actor.id and user.deleted_at is None:
        if role == "manager":
            subject = _l("You are now a manager of %(name)s", name=org.name)
            body = _l("You can now change %(name)s's details, invite and remove members, and "
                      "choose its managers.", name=org.name)
        else:
            subject = _l("You are now a member of %(name)s", name=org.name)
            body = _l("You are no longer a manager of %(name)s. You can still act for it.",
                      name=org.name)
        notify_user(user, "member_role", subject, body,
                    link=_absolute("partners.organisation", org_id=org.id))
    db.session.flush()
    db.session.expire(user, ["memberships"])
    return member


def _notify_managers(org: Organisation, kind: str, subject: Words, body: Words,
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
    _notify_managers(org, "organisation_verified", _l("%(name)s is verified", name=org.name),
                     _l("The council has verified %(name)s. Your members can now offer to "
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
    subject = _l("Join %(name)s on %(site)s", name=org.name,
                 site=current_app.config.get("COUNCIL_SHORT_NAME") or "citizenideas")
    body = _l("%(person)s has invited you to join %(name)s, a partner organisation that helps "
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
                     _l("%(person)s joined %(name)s", person=actor.display_name, name=org.name),
                     _l("%(person)s accepted your invitation to join %(name)s.",
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
