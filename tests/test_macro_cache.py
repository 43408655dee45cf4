"""GOV.UK macros drawn once per arguments and language (citizenideas/web/macro_cache.py): the
HTML is the macro's own, byte for byte, and whatever it depends on is in the key: a role
change, a Welsh reader and a settings change each get their own header."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale

from citizenideas.extensions import db
from citizenideas.services import site
from citizenideas.web.macro_cache import cached_macro

FIELDS = [
    ("input", ("q", "Words or reference", {"q": "library <b>"}, {}, "text", None, None, "",
               None, False, {})),
    ("input", ("email", "Email", {}, {"email": ["Enter an email."]}, "email", "Hint",
               "email", "govuk-!-width-two-thirds", False, True, {"data-x": "1"})),
    ("textarea", ("bulk_message", "Public message", {}, {}, "Required for declined.", 3, None,
                  False, {})),
    ("textarea", ("body", "Comment", {"body": "Line one\n\nLine <two>"},
                  {"body": ["Too long."]}, None, 5, 2000, False, {})),
    ("radios", ("sort", "Sort by", [("oldest", "Oldest first"), ("supported", "Most")],
                {"sort": "supported"}, {}, None, True, True)),
    ("button", ("Show ideas", "govuk-button--secondary", None, None, {})),
    ("button", ("Support", "", "action", "support", {"data-hx-post": "/x"})),
    ("error_summary", ({"title": ["Enter a title."], "body": ["Too short."]}, ["body", "title"])),
]

DIRECT = """{% from "_govuk_fields.html" import input, textarea, radios, button, error_summary %}
{%- if kind == "input" %}{{ input(*args) }}{% elif kind == "textarea" %}{{ textarea(*args) }}
{%- elif kind == "radios" %}{{ radios(*args) }}{% elif kind == "button" %}{{ button(*args) }}
{%- else %}{{ error_summary(*args) }}{% endif %}"""


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize("kind,args", FIELDS, ids=[f"{k}-{i}" for i, (k, _a) in enumerate(FIELDS)])
def test_a_cached_field_is_the_macros_own_html(app, kind, args, locale):
    with app.test_request_context("/"), force_locale(locale):
        expected = render_template_string(DIRECT, kind=kind, args=args)
        first = cached_macro("_govuk_fields.html", kind, *args)
        again = cached_macro("_govuk_fields.html", kind, *args)
    assert str(first) == str(again) == expected


def test_the_same_arguments_in_welsh_are_drawn_in_welsh(app):
    args = ("body", "Sylw", {}, {"body": ["Rhy hir."]}, None, 5, None, False, {})
    with app.test_request_context("/"):
        with force_locale("en"):
            english = str(cached_macro("_govuk_fields.html", "textarea", *args))
        with force_locale("cy"):
            welsh = str(cached_macro("_govuk_fields.html", "textarea", *args))
    assert ">Error:</span>" in english
    assert ">Gwall:</span>" in welsh


def test_an_argument_it_cannot_key_is_drawn_every_time(app):
    class Label:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    with app.test_request_context("/"):
        table = app.jinja_env.__dict__.setdefault("ci_macro_cache", {})
        before = len(table)
        one = cached_macro("_govuk_fields.html", "button", Label("One"))
        two = cached_macro("_govuk_fields.html", "button", Label("Two"))
        assert len(table) == before
    assert "One" in one and "Two" in two


def _nav(client) -> str:
    html = client.get("/ideas").get_data(as_text=True)
    return html[html.index('<section aria-label'):html.index("</section>")]


def test_a_role_change_shows_in_the_header(app, client, make, auth):
    person = make.user(role="moderator")
    auth.sign_in(person.email)
    nav = _nav(client)
    assert 'href="/council"' in nav and 'href="/admin"' not in nav
    person.role = "admin"
    db.session.commit()
    nav = _nav(client)
    assert 'href="/council"' in nav and 'href="/admin"' in nav
    person.role = "resident"
    db.session.commit()
    assert 'href="/council"' not in _nav(client)


def test_a_welsh_reader_sees_a_welsh_header_after_an_english_one(app, client, make, auth):
    english, welsh = make.user(), make.user()
    welsh.locale = "cy"
    db.session.commit()
    auth.sign_in(english.email)
    assert "Sign out" in _nav(client)
    auth.sign_out()
    auth.sign_in(welsh.email)
    nav = _nav(client)
    assert "Allgofnodi" in nav and "Sign out" not in nav


def test_a_settings_change_shows_in_the_phase_banner(app, client, make, auth):
    boss = make.user(role="admin")
    auth.sign_in(boss.email)
    client.get("/ideas")
    site.save_settings(boss, {"CONTACT_EMAIL": "ideas@new-council.example.org"})
    db.session.commit()
    html = client.get("/ideas").get_data(as_text=True)
    assert "mailto:ideas@new-council.example.org" in html


def test_unread_notifications_show_in_the_header(app, client, make, auth):
    from citizenideas.models import Notification

    person = make.user()
    auth.sign_in(person.email)
    assert "ci-count" not in _nav(client)
    db.session.add(Notification(user_id=person.id, kind="status_changed", subject="S",
                                body="B", in_app=True))
    db.session.commit()
    assert '<span class="ci-count">1<' in _nav(client)


def test_long_text_is_drawn_but_not_kept(app):
    long_text = "word " * 400
    args = ("body", "Comment", {"body": long_text}, {}, None, 5, None, False, {})
    with app.test_request_context("/"):
        table = app.jinja_env.__dict__.setdefault("ci_macro_cache", {})
        before = len(table)
        html = cached_macro("_govuk_fields.html", "textarea", *args)
        assert len(table) == before
    assert long_text.strip() in html
