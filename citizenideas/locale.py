"""Which language each request is answered in: English or Welsh (Cymraeg).

The choice, first match wins:

1. ``?lang=cy`` (or ``?lang=en``) on any page: the language switch in the header links to the
   same page with it. The choice is kept in the ``lang`` cookie for a year, and saved on the
   account of someone signed in.
2. Someone signed in: their account's language (``User.locale``), so it follows them to any
   browser.
3. The ``lang`` cookie: a visitor who chose before, signed out.
4. The browser's ``Accept-Language``: a first visit.
5. ``BABEL_DEFAULT_LOCALE``.

The API (``/api/``) takes ``?lang`` and then ``Accept-Language`` only: a program says which
language it wants with each call, and a browser's cookie must not change its answers.
Commands and the email worker have no request: they use ``BABEL_DEFAULT_LOCALE``, and emails
are written in each recipient's language (``services/notifications.py``).

Only the locales in ``LANGUAGES`` are ever chosen.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, current_app, has_request_context, request
from flask.globals import _cv_app
from sqlalchemy.exc import SQLAlchemyError

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def page_locale():
    """``flask_babel.get_locale()``, read straight from the application context once the
    request's language is chosen (or forced with ``force_locale``): a page asks for it a few
    hundred times (every ``_()`` and ``localised`` filter), and each ``get_locale()`` goes
    through the ``g`` proxy four times. The same object ``get_locale()`` returns."""
    from flask_babel import get_locale

    ctx = _cv_app.get(None)
    if ctx is not None:
        locale = getattr(getattr(ctx.g, "_flask_babel", None), "babel_locale", None)
        if locale is not None:
            return locale
    return get_locale()
# Each language named in itself, as the GOV.UK language switch does: never translated.
ENDONYMS = {"en": "English", "cy": "Cymraeg"}


def supported_locales() -> list[str]:
    """The configured ``LANGUAGES`` (comma-separated), in order."""
    return [code.strip() for code in str(current_app.config.get("LANGUAGES") or "en")
            .split(",") if code.strip()]


def default_locale() -> str:
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en")


def recipient_locale(user) -> str:
    """The language to write to ``user`` in (emails, notifications): theirs if still offered."""
    chosen = getattr(user, "locale", None)
    return chosen if chosen in supported_locales() else default_locale()


def requested_locale() -> str | None:
    """The language this request asks for with ``?lang=``, if it is one we offer."""
    asked = request.args.get("lang", "").strip().lower()
    return asked if asked in supported_locales() else None


def _account_locale() -> str | None:
    from flask_login import current_user

    try:
        user = current_user._get_current_object()
    except SQLAlchemyError:  # the database is down: the outage page is still in a language
        return None
    if user is not None and user.is_authenticated:
        return getattr(user, "locale", None)
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: see the module's docstring for the order."""
    languages = supported_locales()
    if not has_request_context():
        return default_locale()
    chosen = requested_locale()
    if chosen:
        return chosen
    if not request.path.startswith("/api/"):
        for candidate in (_account_locale(), request.cookies.get(COOKIE)):
            if candidate in languages:
                return candidate
    return request.accept_languages.best_match(languages) or default_locale()


def language_links() -> list[dict]:
    """The header's language switch: each offered language, linking to this same page with
    ``?lang=`` (the page's other query parameters kept)."""
    from flask_babel import get_locale

    languages = supported_locales()
    if len(languages) < 2:
        return []
    current = str(get_locale() or default_locale())
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    links = []
    for code in languages:
        query = urlencode([*args, ("lang", code)])
        links.append({"code": code, "name": ENDONYMS.get(code, code),
                      "href": f"{request.script_root}{request.path}?{query}",
                      "current": code == current})
    return links


def init_locale(app: Flask) -> None:
    """Remember a language chosen with ``?lang=``: the cookie, and the signed-in account."""

    @app.before_request
    def _save_account_choice():
        chosen = requested_locale() if request.method in ("GET", "HEAD") else None
        if not chosen or request.path.startswith(("/api/", "/static/")):
            return
        from flask_login import current_user

        from .extensions import db

        user = current_user._get_current_object()
        if user.is_authenticated and getattr(user, "locale", None) != chosen:
            user.locale = chosen
            db.session.commit()

    @app.after_request
    def _set_cookie(response: Response) -> Response:
        if response.mimetype in ("text/html", "application/problem+json"):
            from flask_babel import get_locale

            # The language the answer is in (kept with a cached public page).
            response.headers.setdefault("Content-Language", str(get_locale() or "en"))
        chosen = requested_locale() if request.method in ("GET", "HEAD") else None
        if chosen and not request.path.startswith(("/api/", "/static/")):
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax",
                                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                                httponly=True)
        return response

    app.jinja_env.globals["language_links"] = language_links
