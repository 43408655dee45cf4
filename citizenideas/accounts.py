"""Flask-Login wiring: loading the signed-in user, and what anonymous users are sent to."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from .extensions import db, login_manager
from .models import User


def configure_login(app: Flask) -> None:
    """Set up the user loader and the sign-in redirect."""
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"  # "strong" signs phone users out as their IP changes

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session stores "<id>:<password-hash tail>" so a password change signs out
        # every other session.
        try:
            raw_id, _sep, stamp = user_id.partition(":")
            user = db.session.get(User, int(raw_id))
        except (TypeError, ValueError):
            return None
        if user is None or not user.is_active:
            return None
        if not hmac.compare_digest(stamp, session_stamp(user)):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from .errors import AuthRequired, wants_problem_json

        if wants_problem_json():
            raise AuthRequired("Sign in to do that.")
        flash(_("Sign in to continue."), "info")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def session_stamp(user: User) -> str:
    """A short value that changes whenever the password changes.

    A keyed hash of the password hash, so the (readable) session cookie carries nothing of
    the password hash itself.
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def login_id(user: User) -> str:
    return f"{user.id}:{session_stamp(user)}"


User.get_id = login_id  # type: ignore[assignment]
