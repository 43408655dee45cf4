"""Public pages cached for visitors who are not signed in.

A page marked ``@public_page`` (home, the ideas list and each idea, outcomes, accountability,
assets, feeds, the statements; in the API, the ideas list, one idea and its comments for
callers without a token) is rendered once for everyone without a session and kept in
the cache (Flask-Caching: in-process in development and tests, Redis in production, shared by
every worker and host) under its URL, the language served (``citizenideas/locale.py``: the
``lang`` cookie or ``Accept-Language``) and ``HX-Request``. The key also
holds the *data version*, a token that every committed write changes (``bump_data_version``,
after the commit), so a cached page is never served once what it shows has changed.

What makes one answer right for everyone:

- Only requests with no session cookie and no ``Authorization`` header are served from the
  cache or stored in it: a visitor with a session may have a flash message, a draft or a
  signed-in view waiting. Anything that touches the session while rendering (signing in,
  a flash) leaves the answer out of the cache. So does ``?lang=`` (it sets the ``lang``
  cookie, which a cached copy would not).
- Such pages carry no CSRF token (``csrf_token()`` is empty for them): a token would tie the
  shared page to one visitor's session. A visitor who posts from one (support, comment) is
  asked to sign in and keeps what they wrote, as for any expired form (``web/ideas.py``).
- Their Content-Security-Policy allows GOV.UK's one inline script by its hash only, with no
  nonce: the same bytes can be served to everyone, by us or by a proxy, and the policy stays
  strict (no 'unsafe-inline').

They go out with ``Cache-Control: public, max-age=60``, an ``ETag`` (answered with 304 when it
matches) and ``Vary: Cookie, Authorization, HX-Request, Accept-Language, Accept-Encoding``
(the API's ``Link`` header is kept with them), so a reverse proxy
or CDN may keep them too. Signed-in pages are ``no-store`` (``_security_headers``). A page
showing cached figures (services/figures_cache.py) is kept only as long as those figures stay
fresh (a shorter max-age), and not at all when it was built from figures past their lifetime
while another request recomputes them.

The cache is consulted before the rest of the request's work: before the session, the user
or the rate limits are looked at, a hit is answered.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

cache = Cache()

MAX_AGE = 60
VERSION_KEY = "data-version"
# Authorization: a shared cache must not give an answer kept for callers without a token to
# a caller with one (the API's token holders get their own view, never kept).
VARY = ("Cookie", "Authorization", "HX-Request", "Accept-Language", "Accept-Encoding")
# Rows no public page shows: writing them leaves cached pages alone.
PRIVATE_TABLES = frozenset({"notifications", "form_drafts", "user_tokens", "api_tokens",
                            "audit_log", "data_versions", "second_factors",
                            "recovery_codes"})


def public_page(view: Callable) -> Callable:
    """Mark a view whose answer is the same for every visitor who is not signed in."""
    view.public_page = True
    return view


def _endpoint_is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(view and getattr(view, "public_page", False))


def serving_visitor() -> bool:
    """This request is for a visitor without a session, to a public page: a shared answer."""
    return bool(g.get("public_page"))


def _eligible() -> bool:
    return (request.method in ("GET", "HEAD") and not request.headers.get("Authorization")
            and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
            and current_app.config.get("PAGE_CACHE", True) and _endpoint_is_public()
            # ?lang= sets the language cookie: answered fresh, so the cookie is always set.
            and "lang" not in request.args)


def data_version() -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(VERSION_KEY, token, timeout=0)
        token = cache.get(VERSION_KEY) or token
    return token


def bump_data_version() -> None:
    """Every cached page is out of date: a fresh token (never a counter, so it cannot repeat
    after a cache restart)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=0)


def _key() -> str:
    parts = "\n".join([data_version(), str(get_locale() or "en"),
                       "hx" if request.headers.get("HX-Request") else "page",
                       request.full_path])
    return "page:" + hashlib.sha256(parts.encode("utf-8", "surrogatepass")).hexdigest()


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _answer(stored: dict) -> Response:
    response = Response(stored["body"], status=200, mimetype=stored["mimetype"])
    for name, value in stored["headers"]:
        response.headers[name] = value
    response.set_etag(stored["etag"])
    g.page_cache = "hit"
    return response.make_conditional(request)


def init_page_cache(app: Flask) -> None:
    """Install the cache; call first of the app's before-request steps (so a hit skips the
    rest) and after every other after-request step that sets headers."""
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", MAX_AGE)
    cache.init_app(app)

    original_token = app.jinja_env.globals.get("csrf_token")
    if original_token is not None:
        def csrf_token() -> str:
            return "" if serving_visitor() else original_token()
        app.jinja_env.globals["csrf_token"] = csrf_token
        # Flask-WTF also gives templates csrf_token through a context processor: this one,
        # registered after it, takes its place.
        app.context_processor(lambda: {"csrf_token": csrf_token})

    @app.before_request
    def _from_cache():
        # What the figures cache notes for this request (services/figures_cache.py): g can
        # outlive a request when an app context was already pushed (tests, CLI).
        g.pop("figures_fresh_until", None)
        g.pop("figures_stale", None)
        if not _eligible():
            return None
        g.public_page = True
        g.page_cache_key = _key()
        stored = cache.get(g.page_cache_key)
        if stored is not None:
            return _answer(stored)
        g.page_cache = "miss"
        return None

    @app.after_request
    def _into_cache(response: Response) -> Response:
        if not g.get("public_page"):
            return response
        for name in VARY:
            response.vary.add(name)
        if g.get("page_cache") == "hit":
            response.headers["X-Cache"] = "hit"
            return response
        from flask import session

        if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
                or session.modified or "Set-Cookie" in response.headers):
            return response
        lifetime = _lifetime()
        if lifetime <= 0:  # built from figures past their lifetime: answered, not kept
            return response
        response.headers.setdefault("Cache-Control", f"public, max-age={lifetime}")
        body = response.get_data()
        etag = _etag(body)
        headers = [(name, value) for name, value in response.headers.items()
                   if name in ("Cache-Control", "Content-Security-Policy", "Content-Language",
                               "Link")]
        cache.set(g.page_cache_key, {"body": body, "mimetype": response.mimetype,
                                     "headers": headers, "etag": etag}, timeout=lifetime)
        response.set_etag(etag)
        response.headers["X-Cache"] = "miss"
        return response.make_conditional(request)

    _watch_writes()


def _lifetime() -> int:
    """How long this page may be kept: MAX_AGE, or less when it shows cached figures that
    stop being fresh sooner (0: they already had, do not keep it)."""
    from .services.figures_cache import fresh_seconds_left

    left = fresh_seconds_left()
    return MAX_AGE if left is None else min(MAX_AGE, math.ceil(left))


_watching = False


def _watch_writes() -> None:
    """Bump the data version after every commit that wrote a row a public page may show."""
    global _watching
    if _watching:
        return
    _watching = True

    def _public(obj) -> bool:
        return getattr(obj, "__tablename__", None) not in PRIVATE_TABLES

    @event.listens_for(Session, "after_flush")
    def _after_flush(session, _context) -> None:
        if any(_public(o) for o in (*session.new, *session.dirty, *session.deleted)):
            session.info["public_write"] = True

    @event.listens_for(Session, "do_orm_execute")
    def _on_statement(state) -> None:
        if state.is_update or state.is_delete or state.is_insert:
            table = getattr(getattr(state.statement, "table", None), "name", None)
            if table not in PRIVATE_TABLES:
                state.session.info["public_write"] = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session) -> None:
        if session.info.pop("public_write", False):
            try:
                bump_data_version()
            except Exception:  # noqa: BLE001 - a cache outage never fails a committed write
                current_app.logger.warning("Could not bump the page cache's data version")

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session) -> None:
        session.info.pop("public_write", None)
