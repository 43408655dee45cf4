"""citizenideas: a council's platform for ideas, from proposal to published outcome."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import INSTANCE_DIR, load_config
from .extensions import babel, compress, csrf, db, htmx, limiter, login_manager, migrate
from .locale import init_locale, select_locale


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides settings (tests pass their own)."""
    root = INSTANCE_DIR.parent
    app = Flask(__name__, instance_path=str(INSTANCE_DIR),
                template_folder=str(root / "templates"))
    app.config.from_mapping(load_config(config))
    # /ideas/99999999999999999999 is a 404, not a database error.
    app.url_map.converters["int"] = _DatabaseIntConverter
    if app.config["TRUSTED_PROXIES"]:
        # Behind a proxy every request would otherwise come from the proxy's address: one
        # rate-limit bucket for the whole site, and http:// links behind an https:// proxy.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # First of the after-request steps to be registered, so the last to run: it compresses
    # the answer every other step has finished.
    compress.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    from .input import clean_request_input

    clean_request_input(app)  # after htmx, which sets its own request class
    babel.init_app(app, locale_selector=select_locale)
    from .page_cache import init_page_cache

    # Before the rate limits and everything else: a cached public page is answered first.
    init_page_cache(app)
    # ?lang= remembered in a cookie and on the account; the header's language switch.
    init_locale(app)
    # <html lang> follows the language actually served (WCAG 3.1.1).
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    # Flask-Limiter skips its whole set-up when initialised disabled, so a test could never
    # switch it on later: initialise it enabled, then apply the setting.
    rate_limits_on = bool(app.config["RATELIMIT_ENABLED"])
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.enabled = rate_limits_on
    app.config["RATELIMIT_ENABLED"] = rate_limits_on
    if (app.config["APP_ENV"] == "production" and rate_limits_on
            and str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://")):
        # load_config refused several workers it could see; a gunicorn config file it cannot.
        app.logger.warning(
            "Rate limits are kept in this process's memory (RATELIMIT_STORAGE_URI=memory://): "
            "each worker and each machine counts alone. Use redis:// with more than one worker.")

    from . import database

    database.configure_engine_events(app)

    from .login import configure_login

    configure_login(app)

    from .error_handlers import register_error_handlers

    register_error_handlers(app)

    from .web import register_web

    register_web(app)

    from .api import register_api

    register_api(app)

    from .cli import register_cli

    register_cli(app)

    from .notify.outbox import register_after_request_delivery

    register_after_request_delivery(app)

    from .csp import init_csp

    init_csp(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _is_private_answer():
            # Someone's own page (their name, notifications, staff queues) must never be kept
            # by a shared cache or the browser's back-forward history on a shared computer.
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:  # only ever sent over HTTPS (behind a proxy: TRUSTED_PROXIES)
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        response.vary.add("HX-Request")
        return response

    from .static_files import init_static

    init_static(app)
    return app


# Browser features no page uses are switched off for this site and anything it embeds;
# geolocation stays available to the site's own pages (for a map of ideas).
PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "camera=()", "display-capture=()", "geolocation=(self)",
    "gyroscope=()", "hid=()", "magnetometer=()", "microphone=()", "midi=()", "payment=()",
    "serial=()", "usb=()",
])


def _is_private_answer() -> bool:
    """An answer for one caller: an API call with a token, or any page but a static file for
    someone signed in. Public pages seen signed out keep their own caching."""
    if request.headers.get("Authorization"):
        return True
    if request.endpoint in ("static", "photos.media"):
        return False  # /media sets its own Cache-Control (private for photos not public)
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


class _DatabaseIntConverter(IntegerConverter):
    """<int:...> as usual, but a number too big for the database's ids becomes 0, an id
    nothing has: the view answers 404 as for any unknown id (same route, same methods)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= 2**31 - 1 else 0


# Flask-Babel's locale selector (citizenideas/locale.py): ?lang, the account, the cookie,
# Accept-Language, the default.
_select_locale = select_locale
