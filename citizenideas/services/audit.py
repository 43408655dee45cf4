"""The audit log of staff actions: written append-only by every service, searched and
exported (CSV) by admins.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AuditLog, User
from ..pagination import Page, paginate
from ..permissions import require


def record_audit(actor: User | None, action: str, target: Any, before: dict | None = None,
                 after: dict | None = None) -> AuditLog:
    """Write one audit entry for ``action`` on ``target`` (a model instance)."""
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__ if target is not None else "none",
        target_id=getattr(target, "id", None),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


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


# --- reading an entry ---------------------------------------------------------------------

ACTION_LABELS = {
    "asset.create": _l("Place added"), "asset.retire": _l("Place retired"),
    "asset.update": _l("Place changed"),
    "asset.community_status": _l("Place's community status changed"),
    "transfer.stage": _l("Transfer request moved on"),
    "transfer.ask": _l("Transfer request question asked"), "category.add": _l("Category added"),
    "comment.hide": _l("Comment hidden"), "comment.unhide": _l("Comment shown again"),
    "flag.resolve": _l("Report resolved"), "idea.assign": _l("Idea assigned"),
    "idea.hide": _l("Idea hidden"), "idea.link_asset": _l("Place linked to an idea"),
    "idea.location": _l("Idea's map position set"),
    "idea.merge": _l("Ideas merged"), "idea.note": _l("Internal note added"),
    "idea.official_reply": _l("Official reply published"), "idea.status": _l("Status changed"),
    "idea.unhide": _l("Idea shown again"), "idea.unlink_asset": _l("Place unlinked from an idea"),
    "organisation.remove_member": _l("Member removed from an organisation"),
    "organisation.unverify": _l("Organisation no longer verified"),
    "organisation.verify": _l("Organisation verified"), "outcome.publish": _l("Outcome published"),
    "outcome.return": _l("Outcome report sent back"), "outcome.save": _l("Outcome report saved"),
    "outcome.submit": _l("Outcome report submitted"), "progress.post": _l("Progress update posted"),
    "settings.update": _l("Site settings changed"),
    "sso.refused": _l("Council account sign-in refused"),
    "sso.sign_in": _l("Signed in with a council account"),
    "template.create": _l("Response template added"),
    "template.delete": _l("Response template deleted"),
    "template.update": _l("Response template changed"), "user.deactivate": _l("User deactivated"),
    "user.reactivate": _l("User reactivated"), "user.role": _l("User's role changed"),
    "user.second_factor_enrol": _l("Second factor set up"),
    "user.second_factor_off": _l("Second factor turned off"),
    "user.second_factor_reset": _l("Second factor reset by an admin"),
    "user.sign_in_second_factor": _l("Signed in with a second factor"),
    "user.recovery_codes": _l("New recovery codes made"),
    "ward.add": _l("Ward added"),
}
FIELD_LABELS = {
    "status": _l("Status"), "idea_status": _l("Idea's status"), "message": _l("Public message"),
    "note": _l("Internal note"), "resolution": _l("Decision"), "hidden": _l("Hidden"),
    "hidden_reason": _l("Reason for hiding"), "assignee_id": _l("Assigned to (user number)"),
    "asset_id": _l("Place (number)"), "idea_id": _l("Idea (number)"),
    "note_id": _l("Note (number)"), "user_id": _l("User (number)"),
    "merged_into_id": _l("Merged into (idea number)"), "role": _l("Role"), "name": _l("Name"),
    "ons_code": _l("ONS code"), "title": _l("Title"), "body": _l("Text"),
    "state": _l("State"), "verified": _l("Verified"), "retired": _l("Retired"),
    "retired_at": _l("Retired on"), "deactivated_at": _l("Deactivated on"),
    "second_factor": _l("Second factor"), "method": _l("Method"), "via": _l("Where"),
    "recovery_codes": _l("Recovery codes"),
    "COUNCIL_NAME": _l("Council name"), "COUNCIL_SHORT_NAME": _l("Short name"),
    "COUNCIL_LOGO_URL": _l("Logo address"), "COUNCIL_COLOUR": _l("Colour"),
    "RESPONSE_TARGET_DAYS": _l("Response target in days"),
    "DECISION_TARGET_DAYS": _l("Decision target in days"),
    "CONTACT_EMAIL": _l("Contact email"),
    "issuer": _l("Identity provider"), "subject": _l("Identity at the provider"),
    "methods": _l("How they signed in there"), "email": _l("Email address"),
    "reason": _l("Reason"),
    "provider_mfa_trusted": _l("Provider's multi-factor sign-in counts as the second factor"),
    "MAP_CENTRE": _l("Map centre"),
    "MAP_ZOOM": _l("Map zoom level"), "lat": _l("Latitude"), "lon": _l("Longitude"),
    "COUNCIL_NAME_CY": _l("Council name in Welsh"),
    "COUNCIL_SHORT_NAME_CY": _l("Short name in Welsh"),
    "name_cy": _l("Name in Welsh"), "description_cy": _l("Description in Welsh"),
    "title_cy": _l("Title in Welsh"), "body_cy": _l("Text in Welsh"),
}
STATUS_FIELDS = {"status", "idea_status"}


def action_label(action: str) -> str:
    """An audit action in words ("Status changed"); an unknown one as its code."""
    return ACTION_LABELS.get(action, action)


def _value_text(field: str, value: Any) -> str:
    """One recorded value in words: statuses by their label, yes/no, dates, "nothing"."""
    from .lifecycle import STATUS_LABELS

    if value is None or value == "":
        return _("nothing")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field in STATUS_FIELDS and value in STATUS_LABELS:
        return str(STATUS_LABELS[value])
    if field.endswith("_at") and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "d MMMM yyyy HH:mm 'UTC'")
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def describe_entry(entry: AuditLog) -> list[tuple[str, str]]:
    """What an entry recorded, as (field label, text) lines: "No → Yes" for a change,
    the value for something set, "was ..." for something removed, "(unchanged)" for a value
    recorded on both sides. Plain text: the page escapes it."""
    before, after = entry.before or {}, entry.after or {}
    fields = list(after) + [k for k in before if k not in after]
    lines = []
    for field in fields:
        label = FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()
        old, new = _value_text(field, before.get(field)), _value_text(field, after.get(field))
        if field not in before:
            text = new
        elif field not in after:
            text = _("was %(value)s", value=old)
        elif before[field] == after[field]:
            text = _("%(value)s (unchanged)", value=new)
        else:
            text = f"{old} \u2192 {new}"
        lines.append((label, text))
    return lines


def raw_record(entry: AuditLog) -> str:
    """The entry's before and after as indented JSON, characters as they are (no \\u codes)."""
    return json.dumps({"before": entry.before, "after": entry.after}, indent=2,
                      ensure_ascii=False, default=str)


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas in exported text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_audit_csv(actor: User, filters: AuditFilters, batch: int = 1000):
    """The filtered audit log as CSV, yielded in chunks (streamable)."""
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
