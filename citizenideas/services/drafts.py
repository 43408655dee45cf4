"""Drafts: what a resident typed into a form on an idea's page when their session had ended.

Nothing a resident writes should disappear because they were signed out (in another tab, by a
cleared cookie, by time). When such a form arrives, what it held is kept here, keyed by a random
key in the browser's own session, and the form shows it again once they have signed in: they
check it and press the button again. Nothing is ever sent on their behalf.

A draft belongs to a browser, not to an account (whoever sent it was not signed in), so it is
kept only a short while, shown once, then forgotten.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import FormDraft, Idea, utcnow

# How long a draft waits for its writer to sign in again.
KEEP_FOR = timedelta(hours=24)
# At most this many drafts per browser: a script posting forms without signing in cannot
# pile up more than this per key (older ones are dropped).
MOST_PER_BROWSER = 20
# Only these fields of each form are kept, cut to these lengths (the forms' own limits).
FIELD_LIMITS = {"body": 5000, "message": 2000, "kind": 20, "hours": 20, "reason": 1000,
                "action": 20}


def new_owner_key() -> str:
    """A key for a browser's drafts (kept in its signed session cookie)."""
    return secrets.token_urlsafe(24)


def keep_draft(owner_key: str, idea: Idea, form: str, fields: dict) -> FormDraft:
    """Keep what ``form`` on ``idea``'s page held, replacing an earlier draft of that form.

    Drafts older than ``KEEP_FOR`` (anyone's) are dropped on the way.
    """
    kept = {name: str(value)[:FIELD_LIMITS[name]] for name, value in fields.items()
            if name in FIELD_LIMITS and value not in (None, "")}
    now = utcnow()
    db.session.execute(delete(FormDraft).where(FormDraft.created_at < now - KEEP_FOR))
    draft = db.session.scalar(select(FormDraft).where(
        FormDraft.owner_key == owner_key, FormDraft.idea_id == idea.id, FormDraft.form == form))
    if draft is None:
        draft = FormDraft(owner_key=owner_key, idea_id=idea.id, form=form)
        db.session.add(draft)
    draft.fields = kept
    draft.created_at = now
    db.session.flush()
    surplus = list(db.session.scalars(
        select(FormDraft.id).where(FormDraft.owner_key == owner_key)
        .order_by(FormDraft.created_at.desc(), FormDraft.id.desc()).offset(MOST_PER_BROWSER)))
    if surplus:
        db.session.execute(delete(FormDraft).where(FormDraft.id.in_(surplus)))
    return draft


def take_drafts(owner_key: str, idea: Idea) -> dict[str, dict]:
    """The drafts of this browser for ``idea``'s page, by form, forgotten as they are taken
    (shown once: after that the form itself holds the text)."""
    found = list(db.session.scalars(select(FormDraft).where(
        FormDraft.owner_key == owner_key, FormDraft.idea_id == idea.id,
        FormDraft.created_at >= utcnow() - KEEP_FOR)))
    if not found:
        return {}
    db.session.execute(delete(FormDraft).where(FormDraft.id.in_([d.id for d in found])))
    db.session.flush()
    return {d.form: dict(d.fields or {}) for d in found}


def forget_draft(owner_key: str, idea: Idea, form: str) -> None:
    """The form was sent: its draft, if any, is no longer needed."""
    db.session.execute(delete(FormDraft).where(
        FormDraft.owner_key == owner_key, FormDraft.idea_id == idea.id, FormDraft.form == form))
