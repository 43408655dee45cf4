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


def confirm_email(client, path: str):
    """Open an emailed confirmation link and press its "Confirm email address" button."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, "no confirmation form on the page"
    return client.post(path, data={"csrf_token": match.group(1)})
