"""Helpers for the account and email tests.

The ``app`` fixture keeps one application context pushed for the whole test, and Flask
reuses it for every test-client request, so ``flask.g`` (where Flask-Login caches the
signed-in user) would leak from one request, and one client, to the next. ``IsolatedClient``
starts every request with an empty ``g``, as a real server does.
"""

from __future__ import annotations

import re

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Notification


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            g.__dict__.clear()


def new_client(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


def latest_link(kind: str) -> str:
    """The link in the newest notification of this kind (what the email carries)."""
    note = db.session.scalars(select(Notification).where(Notification.kind == kind)
                              .order_by(Notification.id.desc())).first()
    assert note is not None, f"no {kind} notification"
    return note.link


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)
