"""The council's site settings and response templates.

Settings an admin can change at run time (council name, logo, colour, response and
decision targets, contact email, the maps' start view), falling back to the environment's
settings; and the saved public replies moderators pick from when they change an idea's status.
"""

from __future__ import annotations

import re
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..errors import ValidationFailed
from ..extensions import db
from ..input import whole_number
from ..models import STATUSES, AuditLog, ResponseTemplate, SiteSetting, User, utcnow
from ..permissions import require
from .audit import record_audit
from .places_on_map import parse_centre
from .text_rules import clean_text

EDITABLE = ("COUNCIL_NAME", "COUNCIL_SHORT_NAME", "COUNCIL_LOGO_URL", "COUNCIL_COLOUR",
            "RESPONSE_TARGET_DAYS", "DECISION_TARGET_DAYS", "CONTACT_EMAIL", "MAP_CENTRE",
            "MAP_ZOOM",
            # In Welsh, where given (citizenideas/bilingual.py): English is shown otherwise.
            "COUNCIL_NAME_CY", "COUNCIL_SHORT_NAME_CY")
TARGETS = ("RESPONSE_TARGET_DAYS", "DECISION_TARGET_DAYS")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def site_settings() -> dict:
    """The effective settings for this request: database overrides over configuration."""
    cached = g.get("_site_settings")
    if cached is not None:
        return cached
    values = _configured()
    for key, value in db.session.execute(_settings_statement()):
        if key in values:
            values[key] = value
    _whole_days(values)
    g._site_settings = values
    return values


@cache
def _settings_statement():
    """Built once: every page reads the settings."""
    return select(SiteSetting.key, SiteSetting.value)


def use_configured_settings() -> None:
    """For the rest of this request, the environment's settings only: the database cannot
    be reached (the error page must still show the council's name and colour)."""
    values = _configured()
    _whole_days(values)
    g._site_settings = values


def _configured() -> dict:
    return {key: current_app.config.get(key) for key in EDITABLE}


def _whole_days(values: dict) -> None:
    values["RESPONSE_TARGET_DAYS"] = int(values["RESPONSE_TARGET_DAYS"])
    values["DECISION_TARGET_DAYS"] = int(values.get("DECISION_TARGET_DAYS") or 56)
    values["MAP_ZOOM"] = int(values.get("MAP_ZOOM") or 14)


def response_target_days() -> int:
    """Days within which every idea should have its first public response."""
    return site_settings()["RESPONSE_TARGET_DAYS"]


def decision_target_days() -> int:
    """Days within which every idea should have the council's decision (accepted, declined
    or duplicate)."""
    return site_settings()["DECISION_TARGET_DAYS"]


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on ``colour`` (#rrggbb): the header and panels
    put white text on the brand colour, so it must reach 4.5:1 (WCAG 1.4.3)."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g_, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g_ + 0.0722 * b + 0.05)


def save_settings(actor: User, values: dict[str, str]) -> dict:
    """Store council name, short name (each also in Welsh), logo, colour, response and
    decision targets, contact email."""
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
    for key in ("COUNCIL_NAME", "COUNCIL_SHORT_NAME", "COUNCIL_NAME_CY", "COUNCIL_SHORT_NAME_CY"):
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
    for key in TARGETS:
        if key not in clean:
            continue
        if not 1 <= (whole_number(clean[key]) or 0) <= 365:
            errors[key] = [_("Enter a whole number of days from 1 to 365.")]
        else:
            clean[key] = str(int(clean[key]))
    for key in ("MAP_CENTRE", "MAP_ZOOM"):
        if key in clean and not clean[key]:  # left empty: the configuration's value
            clean[key] = str(current_app.config.get(key) or "")
    if "MAP_CENTRE" in clean:
        centre = parse_centre(clean["MAP_CENTRE"])
        if centre is None:
            errors["MAP_CENTRE"] = [_("Enter the centre as latitude and longitude in decimal "
                                      "degrees, separated by a comma, like 52.6210,-1.6930.")]
        else:
            clean["MAP_CENTRE"] = f"{centre[0]:.6f},{centre[1]:.6f}"
    if "MAP_ZOOM" in clean:
        if not 1 <= (whole_number(clean["MAP_ZOOM"]) or 0) <= 19:
            errors["MAP_ZOOM"] = [_("Enter a whole number from 1 to 19.")]
        else:
            clean["MAP_ZOOM"] = str(int(clean["MAP_ZOOM"]))
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


def _template_values(status: str, title: str, body: str, title_cy: str | None,
                     body_cy: str | None) -> dict:
    errors: dict[str, list[str]] = {}
    if status not in STATUSES:
        errors["status"] = [_("Choose the status this message is for.")]
    title = clean_text(title, "title", errors, required=_("Enter a short name for the template."),
                       maximum=120, too_long=_("The name must be 120 characters or fewer."))
    body = clean_text(body, "body", errors, required=_("Enter the message."), maximum=5000,
                      too_long=_("The message must be 5,000 characters or fewer."))
    # The Welsh wording is optional: empty means moderators working in Welsh get the English.
    title_cy = clean_text(title_cy or "", "title_cy", errors, required=None, maximum=120,
                          too_long=_("The name must be 120 characters or fewer."))
    body_cy = clean_text(body_cy or "", "body_cy", errors, required=None, maximum=5000,
                         too_long=_("The message must be 5,000 characters or fewer."))
    if errors:
        raise ValidationFailed(_("There is a problem with the template."), errors)
    return {"status": status, "title": title, "body": body, "title_cy": title_cy or None,
            "body_cy": body_cy or None}


def create_response_template(actor: User, *, status: str, title: str, body: str,
                             title_cy: str | None = None,
                             body_cy: str | None = None) -> ResponseTemplate:
    require(actor, "administer")
    template = ResponseTemplate(**_template_values(status, title, body, title_cy, body_cy),
                                created_at=utcnow())
    db.session.add(template)
    db.session.flush()
    record_audit(actor, "template.create", template, None,
                 {"status": status, "title": template.title})
    db.session.flush()
    return template


def update_response_template(actor: User, template: ResponseTemplate, *, status: str,
                             title: str, body: str, title_cy: str | None = None,
                             body_cy: str | None = None) -> ResponseTemplate:
    require(actor, "administer")
    values = _template_values(status, title, body, title_cy, body_cy)
    before = {"status": template.status, "title": template.title, "body": template.body,
              "title_cy": template.title_cy, "body_cy": template.body_cy}
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
