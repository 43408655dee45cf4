"""The audit log of staff actions: written append-only by every service, searched and
exported (CSV) by admins.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

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
