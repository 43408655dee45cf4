"""The header's service navigation drawn in Python (citizenideas/web/navigation.py) is the
HTML the base template drew, for every kind of reader, section, unread count and language;
and a change of any of them shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import g, render_template_string
from flask_babel import force_locale
from flask_login import login_user, logout_user

from citizenideas.extensions import db
from citizenideas.models import Notification
from citizenideas.web.navigation import service_navigation

# base.html's navigation block before it moved to Python, with the GOV.UK macro called directly.
TEMPLATE = (Path(__file__).parent / "navigation_before.html").read_text(encoding="utf-8")

READERS = [None, "resident", "moderator", "admin"]
PATHS = ["/", "/ideas", "/ideas/12", "/council", "/council/ideas/3", "/admin/users", "/me",
         "/me/notifications", "/partners", "/sign-in", "/register", "/sign-out", "/assets/2"]


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize("role", READERS)
def test_the_navigation_is_the_templates(app, make, role, locale):
    person = make.user(role=role) if role else None
    if person is not None and role == "admin":
        for _n in range(3):
            db.session.add(Notification(user_id=person.id, kind="status_changed",
                                        subject="S", body="B", in_app=True))
        db.session.commit()
    for path in PATHS:
        with app.test_request_context(path), force_locale(locale):
            if person is not None:
                login_user(person)
            expected = render_template_string(TEMPLATE)
            drawn = service_navigation()
            again = service_navigation()
            if person is not None:
                logout_user()
        # The block's line: two spaces of indent, then the call (Jinja drops the template's
        # last new line).
        assert "  " + str(drawn) == expected, (role, locale, path)
        assert again == drawn


def test_the_unread_count_shows_as_it_changes(app, make):
    person = make.user()
    counts = []
    for unread in (0, 1, 2, 0):
        db.session.query(Notification).delete()
        for _n in range(unread):
            db.session.add(Notification(user_id=person.id, kind="status_changed",
                                        subject="S", body="B", in_app=True))
        db.session.commit()
        g.pop("_unread", None)  # counted once per request; the test's app context outlives one
        with app.test_request_context("/ideas"):
            login_user(person)
            html = str(service_navigation())
        counts.append('<span class="ci-count">' in html and html.split(
            '<span class="ci-count">')[1].split("<")[0])
    assert counts == [False, "1", "2", False]
