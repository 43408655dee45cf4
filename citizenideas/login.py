"""Flask-Login wiring: loading the signed-in user, and what anonymous users are sent to."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _

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
        from .error_handlers import wants_problem_json
        from .errors import AuthRequired

        if wants_problem_json():
            raise AuthRequired("Sign in to do that.")
        flash(_("Sign in to continue."), "info")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def login_id(user: User) -> str:
    """What Flask-Login keeps in the session and the remember-me cookie (both signed)."""
    return f"{user.id}:{user.session_version}"


User.get_id = login_id  # type: ignore[assignment]
