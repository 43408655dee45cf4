"""Helpers for the account and email tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Notification


def new_client(app):
    """Another browser: a client with its own cookies (each request in its own context)."""
    return app.test_client()


def latest_link(kind: str) -> str:
    """The link in the newest notification of this kind (what the email carries)."""
    note = db.session.scalars(select(Notification).where(Notification.kind == kind)
                              .order_by(Notification.id.desc())).first()
    assert note is not None, f"no {kind} notification"
    return note.link


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)
