"""Administration: users, categories, wards, site settings, response templates, audit log."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import g
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..input import whole_number
from ..models import (
    ROLES,
    STATUSES,
    AuditLog,
    Category,
    ResponseTemplate,
    SiteSetting,
    User,
    Ward,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from .accounts import revoke_access
from .audit import record_audit
from .site import EDITABLE, site_settings
from .text_rules import clean_text

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
ONS_CODE = re.compile(r"^[EWSN][0-9]{8}$")


# --- Users ------------------------------------------------------------------------------


def search_users(actor: User, q: str = "", role: str = "", page: int = 1,
                 per_page: int = 25) -> Page:
    """Users by name or email, newest first."""
    require(actor, "administer")
    where = [User.deleted_at.is_(None)]
    if q:
        like = f"%{q.strip().lower()}%"
        where.append(or_(func.lower(User.email).like(like),
                         func.lower(User.display_name).like(like)))
    if role in ROLES:
        where.append(User.role == role)
    return paginate(select(User).where(*where).order_by(User.created_at.desc(), User.id.desc()),
                    page, per_page, count=select(func.count(User.id)).where(*where))


def change_role(actor: User, user: User, role: str) -> User:
    require(actor, "administer")
    if role not in ROLES:
        raise ValidationFailed(_("Choose a role."), {"role": [_("Choose a role from the list.")]})
    if user.id == actor.id and role != "admin":
        raise Conflict(_("You cannot remove your own admin role. Ask another admin."))
    before = {"role": user.role}
    user.role = role
    record_audit(actor, "user.role", user, before, {"role": role})
    db.session.flush()
    return user


def deactivate_user(actor: User, user: User) -> User:
    """Stop an account signing in (its contributions stay)."""
    require(actor, "administer")
    if user.id == actor.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        # Sessions and API tokens end now and stay ended if the account is reactivated.
        revoke_access(user)
        record_audit(actor, "user.deactivate", user, {"deactivated_at": None},
                     {"deactivated_at": user.deactivated_at.isoformat()})
    db.session.flush()
    return user


def reactivate_user(actor: User, user: User) -> User:
    require(actor, "administer")
    if user.deactivated_at is not None:
        before = {"deactivated_at": user.deactivated_at.isoformat()}
        user.deactivated_at = None
        record_audit(actor, "user.reactivate", user, before, {"deactivated_at": None})
    db.session.flush()
    return user


# --- Categories and wards ---------------------------------------------------------------


def _name(raw: str, model, current_id: int | None = None, field: str = "name") -> str:
    errors: dict[str, list[str]] = {}
    name = clean_text(raw, field, errors, required=_("Enter a name."), maximum=120,
                      too_long=_("The name must be 120 characters or fewer."))
    if errors:
        raise ValidationFailed(_("The name is too long.") if name else _("Enter a name."), errors)
    clash = db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower()))
    if clash is not None and clash != current_id:
        raise ValidationFailed(_("That name is already used."),
                               {field: [_("There is already one called %(name)s.", name=name)]})
    return name


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "category"
    slug, n = base, 1
    while db.session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def add_category(actor: User, name: str, description: str = "") -> Category:
    require(actor, "administer")
    name = _name(name, Category)
    category = Category(name=name, slug=_slug(name), description=(description or "").strip())
    db.session.add(category)
    db.session.flush()
    record_audit(actor, "category.add", category, None, {"name": name})
    db.session.flush()
    return category


def _rename(actor: User, thing: Category | Ward, name: str, audit_name: str):
    """Rename a category or ward (names stay unique), with an audit entry."""
    require(actor, "administer")
    name = _name(name, type(thing), thing.id)
    before = {"name": thing.name}
    thing.name = name
    record_audit(actor, f"{audit_name}.rename", thing, before, {"name": name})
    db.session.flush()
    return thing


def _retire(actor: User, thing: Category | Ward, retire: bool, audit_name: str):
    """Retire (offered for nothing new; what already uses it keeps it) or bring it back."""
    require(actor, "administer")
    before = {"retired": thing.retired_at is not None}
    thing.retired_at = utcnow() if retire else None
    record_audit(actor, f"{audit_name}.retire" if retire else f"{audit_name}.restore", thing,
                 before, {"retired": retire})
    db.session.flush()
    return thing


def rename_category(actor: User, category: Category, name: str) -> Category:
    return _rename(actor, category, name, "category")


def retire_category(actor: User, category: Category, retire: bool = True) -> Category:
    """Retire (no new ideas filed under it; old ones keep it) or bring back a category."""
    return _retire(actor, category, retire, "category")


def _ons(raw: str | None, current_id: int | None) -> str | None:
    code = (raw or "").strip().upper() or None
    if code is None:
        return None
    if not ONS_CODE.match(code):
        raise ValidationFailed(_("Enter a real ONS code."),
                               {"ons_code": [_("An ONS ward code is a letter and 8 digits, "
                                               "like E05013825.")]})
    clash = db.session.scalar(select(Ward.id).where(Ward.ons_code == code))
    if clash is not None and clash != current_id:
        raise ValidationFailed(_("That ONS code is already used."),
                               {"ons_code": [_("Another ward has that ONS code.")]})
    return code


def add_ward(actor: User, name: str, ons_code: str | None = None) -> Ward:
    require(actor, "administer")
    name = _name(name, Ward)
    ward = Ward(name=name, ons_code=_ons(ons_code, None))
    db.session.add(ward)
    db.session.flush()
    record_audit(actor, "ward.add", ward, None, {"name": name, "ons_code": ward.ons_code})
    db.session.flush()
    return ward


def rename_ward(actor: User, ward: Ward, name: str) -> Ward:
    return _rename(actor, ward, name, "ward")


def retire_ward(actor: User, ward: Ward, retire: bool = True) -> Ward:
    """Retire (not offered for new ideas, assets or home wards) or bring back a ward."""
    return _retire(actor, ward, retire, "ward")


# --- Settings ---------------------------------------------------------------------------


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on ``colour`` (#rrggbb): the header and panels
    put white text on the brand colour, so it must reach 4.5:1 (WCAG 1.4.3)."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g_, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g_ + 0.0722 * b + 0.05)


def save_settings(actor: User, values: dict[str, str]) -> dict:
    """Store council name, short name, logo, colour, response target, contact email."""
    require(actor, "administer")
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for key in EDITABLE:
        if key in values:
            clean[key] = (values.get(key) or "").strip()
    if "COUNCIL_NAME" in clean and not clean["COUNCIL_NAME"]:
        errors["COUNCIL_NAME"] = [_("Enter the council's name.")]
    if "COUNCIL_SHORT_NAME" in clean and not clean["COUNCIL_SHORT_NAME"]:
        errors["COUNCIL_SHORT_NAME"] = [_("Enter a short name.")]
    for key in ("COUNCIL_NAME", "COUNCIL_SHORT_NAME"):
        if len(clean.get(key, "")) > 120:
            errors[key] = [_("This must be 120 characters or fewer.")]
    logo = clean.get("COUNCIL_LOGO_URL", "")
    if logo and not (logo.startswith("https://") or logo.startswith("/")):
        errors["COUNCIL_LOGO_URL"] = [_("Enter a web address starting with https://")]
    if "COUNCIL_COLOUR" in clean and not COLOUR.match(clean["COUNCIL_COLOUR"]):
        errors["COUNCIL_COLOUR"] = [_("Enter a colour as # and 6 hex digits, like #1d5e7a.")]
    elif "COUNCIL_COLOUR" in clean and contrast_with_white(clean["COUNCIL_COLOUR"]) < 4.5:
        errors["COUNCIL_COLOUR"] = [_(
            "Choose a darker colour: white text on it needs a contrast ratio of at least 4.5 "
            "to 1, and this colour gives %(ratio)s to 1.",
            ratio=f"{contrast_with_white(clean['COUNCIL_COLOUR']):.1f}")]
    if "RESPONSE_TARGET_DAYS" in clean:
        raw = clean["RESPONSE_TARGET_DAYS"]
        if not 1 <= (whole_number(raw) or 0) <= 365:
            errors["RESPONSE_TARGET_DAYS"] = [_("Enter a whole number of days from 1 to 365.")]
        else:
            clean["RESPONSE_TARGET_DAYS"] = str(int(raw))
    if clean.get("CONTACT_EMAIL"):
        try:
            validate_email(clean["CONTACT_EMAIL"], check_deliverability=False)
        except EmailNotValidError:
            errors["CONTACT_EMAIL"] = [_("Enter an email address like name@example.org.")]
    if errors:
        raise ValidationFailed(_("There is a problem with the settings."), errors)
    current = site_settings()
    before = {k: str(current.get(k)) for k in clean}
    rows = {row.key: row for row in db.session.scalars(select(SiteSetting))}
    for key, value in clean.items():
        if key in rows:
            rows[key].value = value
            rows[key].updated_at = utcnow()
        else:
            db.session.add(SiteSetting(key=key, value=value, updated_at=utcnow()))
    g.pop("_site_settings", None)
    db.session.flush()
    entry = AuditLog(actor_id=actor.id, action="settings.update", target_type="SiteSetting",
                     target_id=None, before=before, after=clean)
    db.session.add(entry)
    db.session.flush()
    return site_settings()


# --- Response templates -----------------------------------------------------------------


def _template_values(status: str, title: str, body: str) -> dict:
    errors: dict[str, list[str]] = {}
    if status not in STATUSES:
        errors["status"] = [_("Choose the status this message is for.")]
    title = clean_text(title, "title", errors, required=_("Enter a short name for the template."),
                       maximum=120, too_long=_("The name must be 120 characters or fewer."))
    body = clean_text(body, "body", errors, required=_("Enter the message."), maximum=5000,
                      too_long=_("The message must be 5,000 characters or fewer."))
    if errors:
        raise ValidationFailed(_("There is a problem with the template."), errors)
    return {"status": status, "title": title, "body": body}


def create_response_template(actor: User, *, status: str, title: str,
                             body: str) -> ResponseTemplate:
    require(actor, "administer")
    template = ResponseTemplate(**_template_values(status, title, body), created_at=utcnow())
    db.session.add(template)
    db.session.flush()
    record_audit(actor, "template.create", template, None,
                 {"status": status, "title": template.title})
    db.session.flush()
    return template


def update_response_template(actor: User, template: ResponseTemplate, *, status: str,
                             title: str, body: str) -> ResponseTemplate:
    require(actor, "administer")
    values = _template_values(status, title, body)
    before = {"status": template.status, "title": template.title, "body": template.body}
    for key, value in values.items():
        setattr(template, key, value)
    record_audit(actor, "template.update", template, before, values)
    db.session.flush()
    return template


def delete_response_template(actor: User, template: ResponseTemplate) -> None:
    require(actor, "administer")
    record_audit(actor, "template.delete", template,
                 {"status": template.status, "title": template.title, "body": template.body},
                 None)
    db.session.execute(delete(ResponseTemplate).where(ResponseTemplate.id == template.id))
    db.session.flush()


def response_templates(status: str | None = None) -> list[ResponseTemplate]:
    query = select(ResponseTemplate).order_by(ResponseTemplate.status, ResponseTemplate.title)
    if status:
        query = query.where(ResponseTemplate.status == status)
    return list(db.session.scalars(query))


# --- Audit log --------------------------------------------------------------------------


@dataclass
class AuditFilters:
    actor: str = ""  # email, or part of it
    action: str = ""
    target_type: str = ""


def _audit_where(filters: AuditFilters) -> list:
    where = []
    if filters.actor:
        where.append(AuditLog.actor_id.in_(select(User.id).where(
            func.lower(User.email).like(f"%{filters.actor.strip().lower()}%"))))
    if filters.action:
        where.append(AuditLog.action == filters.action)
    if filters.target_type:
        where.append(AuditLog.target_type == filters.target_type)
    return where


def search_audit_log(actor: User, filters: AuditFilters, page: int = 1,
                     per_page: int = 50) -> Page:
    require(actor, "view_audit_log")
    where = _audit_where(filters)
    return paginate(
        select(AuditLog).where(*where).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .options(joinedload(AuditLog.actor)), page, per_page,
        count=select(func.count(AuditLog.id)).where(*where))


def audit_choices() -> tuple[list[str], list[str]]:
    """The actions and target types present in the log, for the filter lists."""
    actions = list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
    targets = list(db.session.scalars(select(AuditLog.target_type).distinct()
                                      .order_by(AuditLog.target_type)))
    return actions, targets


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas in exported text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_audit_csv(actor: User, filters: AuditFilters, batch: int = 1000):
    """The filtered audit log as CSV, yielded in chunks (streamable)."""
    import json

    require(actor, "view_audit_log")
    where = _audit_where(filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time_utc", "actor_id", "actor_email", "action", "target_type",
                     "target_id", "before", "after"])
    yield out.getvalue()
    last_id = None
    while True:
        query = (select(AuditLog).where(*where).order_by(AuditLog.id.desc())
                 .options(joinedload(AuditLog.actor)).limit(batch))
        if last_id is not None:
            query = query.where(AuditLog.id < last_id)
        rows = list(db.session.scalars(query))
        if not rows:
            break
        out = io.StringIO()
        writer = csv.writer(out)
        for e in rows:
            writer.writerow([e.id, e.created_at.isoformat(), e.actor_id,
                             _csv_cell(e.actor.email if e.actor else ""), _csv_cell(e.action),
                             _csv_cell(e.target_type), e.target_id,
                             _csv_cell(json.dumps(e.before, default=str) if e.before else ""),
                             _csv_cell(json.dumps(e.after, default=str) if e.after else "")])
        yield out.getvalue()
        last_id = rows[-1].id
