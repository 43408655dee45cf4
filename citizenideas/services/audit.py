"""Append-only audit log of staff actions."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditLog, User


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
