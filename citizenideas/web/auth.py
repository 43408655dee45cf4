"""Accounts: register, verify email, sign in and out, forgotten and changed passwords."""

from __future__ import annotations

import time
from urllib.parse import urljoin, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from .. import throttling
from ..database import run_with_retry
from ..errors import TooManyAttempts, ValidationFailed
from ..extensions import db, limiter
from ..services import accounts, second_factor
from .actions import run_action
from .forms import text_field

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only redirect to a path on this site: never to another host or scheme.

    Browsers ignore tabs and newlines in URLs and read a backslash as a slash, so a value
    holding any of those (or any other control character or space) is refused outright.
    """
    if not target or not isinstance(target, str):
        return default
    if any(ch in target for ch in "\\ ") or any(ord(ch) < 32 or ord(ch) == 127
                                                 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    joined = urlsplit(urljoin(request.host_url, target))
    if joined.netloc != urlsplit(request.host_url).netloc:
        return default
    return target


def start_session(user, remember: bool = False, fresh: bool = True) -> None:
    """Sign ``user`` in on this browser, with a new CSRF secret: a token read from the page
    before signing in (on a shared computer, say) is no use afterwards."""
    login_user(user, remember=remember, fresh=fresh)
    session.pop("csrf_token", None)  # Flask-WTF's secret (WTF_CSRF_FIELD_NAME)
    g.pop("csrf_token", None)  # and its per-request copy


# Set on a session whose second factor the identity provider checked (OIDC_TRUSTED_MFA).
PROVIDER_CHECKED_KEY = "second_factor_by_provider"

# A sign-in waiting for its second factor: {"user", "version", "remember", "next", "step",
# "since"}. Nobody is signed in while it is there (Flask-Login knows nothing of it), so it
# opens no page but the code step or the set-up page; it ends after PENDING_SECONDS, when
# the password is changed or the account signed out everywhere (the session version moves),
# and as soon as the sign-in is finished.
PENDING_KEY = "second_factor_pending"
PENDING_SECONDS = 10 * 60


def finish_first_factor(user, *, remember: bool = False, next_url: str = "/",
                        second_factor_done: bool = False):
    """Where every primary authentication (a password, single sign-on) ends.

    Signs ``user`` in at once when no second factor is needed (or when ``second_factor_done``:
    the identity provider checked one, which is audited); otherwise keeps the sign-in pending
    and sends the person to enter a code, or to set up an authenticator app first. The
    remember-me cookie is only ever set once the sign-in is complete. Returns the response.
    """
    session.pop(PENDING_KEY, None)
    session.pop(PROVIDER_CHECKED_KEY, None)
    next_url = safe_next(next_url, url_for("pages.home"))
    step = "none" if second_factor_done else second_factor.step_after_password(user)
    if step == "none":
        if second_factor_done:
            run_with_retry(lambda: second_factor.record_trusted_sign_in(user))
        start_session(user, remember=remember)
        if second_factor_done:
            # This session's second factor was the identity provider's: staff pages open
            # without an authenticator app of ours (web/second_factor.py _set_up_first).
            session[PROVIDER_CHECKED_KEY] = True
        flash(_("You are signed in."), "success")
        return _go_after_sign_in(next_url)
    session[PENDING_KEY] = {"user": user.id, "version": user.session_version,
                            "remember": bool(remember), "next": next_url, "step": step,
                            "since": int(time.time())}
    target = url_for("second_factor.code" if step == "code" else "second_factor.set_up")
    return _go_after_sign_in(target)


def pending_sign_in() -> tuple[object, dict] | None:
    """The user and details of this browser's sign-in waiting for a code, or None (none
    started, too old, or the account changed since)."""
    from ..models import User

    state = session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None
    try:
        fresh = 0 <= time.time() - int(state["since"]) <= PENDING_SECONDS
        user = db.session.get(User, int(state["user"])) if fresh else None
        version = int(state["version"])
    except (KeyError, TypeError, ValueError):
        user = None
    if user is None or not user.is_active or user.session_version != version:
        session.pop(PENDING_KEY, None)
        return None
    return user, state


def complete_pending_sign_in(user, state: dict):
    """The code was right: sign in (with remember-me if it was asked for) and go on."""
    session.pop(PENDING_KEY, None)
    start_session(user, remember=bool(state.get("remember")))
    flash(_("You are signed in."), "success")
    return safe_next(state.get("next"), url_for("pages.home"))


def _go_after_sign_in(target: str):
    """A 303 to ``target``, or for a boosted (HTMX) form a full page load: hx-boost swaps the
    body's content but keeps its attributes, where hx-headers holds the CSRF token that
    signing in has just replaced. A full load gives the page the new one."""
    if request.htmx:
        response = current_app.make_response(("", 200))
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


@bp.route("/register", methods=["GET", "POST"])
@throttling.registration_per_ip
@throttling.registration_per_address
def register():
    """Create a resident account. Says the same thing whether or not the email is taken."""
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    values = {"email": text_field("email"), "display_name": text_field("display_name")}

    def form(errors: dict):
        return render_template("auth/register.html", values=values, errors=errors), (
            422 if errors else 200)

    if request.method == "GET":
        return form({})

    def registered(_user):
        # Carried in the (signed) session, not the URL: no address in logs or history, and
        # nobody can craft a "check your email" page saying something else.
        session["check_email"] = values["email"]
        return redirect(url_for("auth.check_email"), code=303)

    def register_once():
        return run_action(lambda: accounts.register_user(values["email"],
                                                         values["display_name"],
                                                         request.form.get("password", "")),
                          done=registered, catch=ValidationFailed,
                          failed=lambda exc: form(exc.errors))

    try:
        return register_once()
    except IntegrityError:
        # The same address was registered a moment ago (a double-clicked button): answer as
        # for any taken address.
        return register_once()


@bp.get("/register/check-email")
def check_email():
    return render_template("auth/check_email.html", email=session.get("check_email", ""))


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm an email address from the link we sent.

    The GET only shows a "Confirm email address" button: email link scanners (Outlook Safe
    Links and the like) open every link in a message, and must not use up the token. The
    button's POST (with the CSRF token) is what confirms the address.
    """
    if request.method == "GET":
        try:
            accounts.check_token("verify_email", token)
        except ValidationFailed as exc:
            return render_template("auth/link_problem.html", detail=exc.detail), 400
        return render_template("auth/verify_email.html", token=token)

    def confirmed(user):
        flash(_("Your email address is confirmed. You can now propose and support ideas."),
              "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("pages.home"), code=303)
        return redirect(url_for("auth.sign_in"), code=303)

    return run_action(lambda: accounts.verify_email(token), done=confirmed,
                      catch=ValidationFailed, failed=_link_problem)


def _link_problem(exc: ValidationFailed):
    """An emailed link that is used up, expired or mistyped."""
    return render_template("auth/link_problem.html", detail=exc.detail), 400


@bp.post("/verify-email/resend")
@login_required
@limiter.limit("5 per hour", key_func=lambda: f"resend:{current_user.get_id()}")
def resend_verification():

    def sent(_result):
        flash(_("We have sent a new confirmation link to %(email)s.", email=current_user.email),
              "success")
        return redirect(safe_next(request.form.get("next"), url_for("pages.home")), code=303)

    if current_user.is_verified:
        return sent(None)
    return run_action(lambda: accounts.send_verification(current_user), done=sent)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with email and password. Failed attempts are limited per IP address and per
    account, together with API token requests (see throttling.py)."""
    next_url = safe_next(request.values.get("next"), url_for("pages.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    values = {"email": text_field("email")}

    def form(errors: dict, status: int = 200, headers: dict | None = None):
        return render_template("auth/sign_in.html", values=values, errors=errors,
                               next_url=request.values.get("next", "")), status, headers or {}

    if request.method == "GET":
        return form({})
    try:
        throttling.refuse_if_too_many_failed_sign_ins(values["email"])
    except TooManyAttempts as exc:
        return form(exc.errors, 429, {"Retry-After": str(exc.retry_after)})

    def checked(user):
        if user is None:
            throttling.record_failed_sign_in(values["email"])
            return form({"email": [_("Enter a correct email address and password.")]}, 422)
        return finish_first_factor(user, remember=bool(request.form.get("remember")),
                                   next_url=next_url)

    # A password hashed with older settings is rehashed on the way in: committed here.
    return run_action(lambda: accounts.authenticate(values["email"],
                                                    request.form.get("password", "")),
                      done=checked)


@bp.get("/sign-out")
def sign_out_confirm():
    """A page with a sign-out button (signing out changes state, so it is a POST)."""
    if not current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    return render_template("auth/sign_out.html")


@bp.post("/sign-out")
def sign_out():
    """Sign out, server-side: every session and remember-me cookie of the account stops
    working, so a copy of one (a shared computer, a stolen cookie) opens nothing."""

    def signed_out(_result):
        logout_user()
        flash(_("You have signed out."), "success")
        return redirect(url_for("pages.home"), code=303)

    if not current_user.is_authenticated:
        return signed_out(None)
    return run_action(lambda: accounts.end_all_sessions(current_user._get_current_object()),
                      done=signed_out)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
@throttling.password_reset_per_address
def forgot_password():
    """Ask for a reset link. The answer never says whether the email is registered."""
    values = {"email": text_field("email")}
    if request.method == "POST":
        if not values["email"] or "@" not in values["email"]:
            errors = {"email": [_("Enter an email address in the correct format, like "
                                  "name@example.com")]}
            return render_template("auth/forgot_password.html", values=values,
                                   errors=errors), 422
        return run_action(lambda: accounts.request_password_reset(values["email"]),
                          done=lambda _r: render_template("auth/forgot_password_sent.html",
                                                          email=values["email"]))
    return render_template("auth/forgot_password.html", values=values, errors={})


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link."""

    def form(errors: dict):
        return render_template("auth/reset_password.html", errors=errors, token=token), (
            422 if errors else 200)

    if request.method == "GET":
        try:
            accounts.check_token("reset_password", token)
        except ValidationFailed as exc:
            return _link_problem(exc)
        return form({})

    def changed(user):
        # The owner has proved who they are: failed guesses by anyone else no longer stand
        # between them and their account.
        throttling.forget_failed_sign_ins(user.email)
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("auth.sign_in"), code=303)

    return run_action(lambda: accounts.reset_password(token, request.form.get("password", "")),
                      done=changed, catch=ValidationFailed,
                      failed=lambda exc: _link_problem(exc) if "token" in exc.errors
                      else form(exc.errors))


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change password while signed in; other sessions are signed out."""

    def form(errors: dict):
        return render_template("auth/change_password.html", errors=errors), (
            422 if errors else 200)

    if request.method == "GET":
        return form({})

    def changed(_result):
        # Sign this session in again with the new session version (every other session and
        # every API token has ended).
        kept = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        start_session(current_user._get_current_object(), remember=kept in request.cookies)
        flash(_("Your password has been changed."), "success")
        return _go_after_sign_in(url_for("me.profile"))

    return run_action(lambda: accounts.change_password(
        current_user, request.form.get("current_password", ""),
        request.form.get("new_password", "")),
        done=changed, catch=ValidationFailed, failed=lambda exc: form(exc.errors))
