"""Flask-Login wiring: loading the signed-in user, and what anonymous users are sent to."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .extensions import db, login_manager
from .models import User


def configure_login(app: Flask) -> None:
    """Set up the user loader and the sign-in redirect."""
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"  # "strong" signs phone users out as their IP changes

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session and the remember-me cookie store "<id>:<session version>". Signing
        # out, changing or resetting the password and deactivation raise the version, so a
        # cookie copied before then opens nothing, even though its signature is still good.
        try:
            raw_id, _sep, version = user_id.partition(":")
            user = db.session.get(User, int(raw_id))
            version_number = int(version)
        except (TypeError, ValueError):
            return None
        if user is None or not user.is_active or user.session_version != version_number:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        return ask_to_sign_in(page_to_return_to())


def ask_to_sign_in(next_url: str, message: str | None = None):
    """Send someone who must sign in to the sign-in page, which brings them back to
    ``next_url`` afterwards (checked again there: only a path on this site).

    An HTMX request gets ``HX-Redirect``: the browser loads the sign-in page as a whole page,
    rather than htmx swapping a whole page inside the region that asked. API and JSON callers
    get a 401 problem.
    """
    from .error_handlers import wants_problem_json
    from .errors import AuthRequired

    if wants_problem_json():
        raise AuthRequired("Sign in to do that.")
    flash(message or _("Sign in to continue."), "info")
    target = url_for("auth.sign_in", next=next_url)
    if getattr(request, "htmx", False):
        response = current_app.make_response(("", 200))
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=302 if request.method in ("GET", "HEAD") else 303)


def page_to_return_to() -> str:
    """Where signing in should bring someone back to: the page asked for; for a form sent
    with POST (whose address answers nothing else), the page on this site the form was on
    (the Referer, when it is a page that answers GET), else the home page."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != urlsplit(request.host_url).netloc or not referrer.path:
        return "/"
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    try:
        current_app.url_map.bind(request.host).match(referrer.path, method="GET")
    except HTTPException:  # not a page (a POST-only address, or nothing at all)
        return "/"
    from .web.auth import safe_next

    return safe_next(path, "/")


def login_id(user: User) -> str:
    """What Flask-Login keeps in the session and the remember-me cookie (both signed)."""
    return f"{user.id}:{user.session_version}"


User.get_id = login_id  # type: ignore[assignment]
