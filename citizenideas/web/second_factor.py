"""The second factor's pages: the code step of signing in, setting up an authenticator app,
recovery codes and turning it off. The rules are in services/second_factor.py.

While staff must have a second factor, a signed-in staff member without one (their role or
membership changed, or a session from before the setting) is sent to set one up before any
other page opens (``_set_up_first``).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_fresh, login_required, logout_user

from ..errors import AuthRequired, Conflict, TooManyAttempts, ValidationFailed
from ..services import second_factor
from ..services.second_factor_codes import grouped, qr_svg
from .actions import run_action
from .auth import (
    PROVIDER_CHECKED_KEY,
    _go_after_sign_in,
    complete_pending_sign_in,
    pending_sign_in,
)

bp = Blueprint("second_factor", __name__)

# Pages a signed-in staff member without a second factor may still open.
OPEN_BEFORE_SET_UP = {"second_factor.set_up", "auth.sign_out", "auth.sign_out_confirm",
                      "static", "pages.accessibility", "pages.privacy"}


@bp.before_app_request
def _set_up_first():
    """Staff who must have a second factor and have none set it up before anything else."""
    if not current_app.config.get("STAFF_2FA_REQUIRED") or request.endpoint is None:
        return None
    if request.endpoint in OPEN_BEFORE_SET_UP:
        return None
    if request.blueprint == "api" and request.headers.get("Authorization"):
        return None  # a token decides the API caller; tokens need a code to be made
    if not current_user.is_authenticated or not second_factor.needs_enrolment(current_user):
        return None
    if session.get(PROVIDER_CHECKED_KEY):
        return None  # signed in through the council's identity provider, whose MFA we trust
    if request.blueprint == "api":
        raise AuthRequired("Set up your second factor on the website first.")
    flash(_("Set up your authenticator app before you continue: staff accounts need a "
            "second factor."), "info")
    return _go_after_sign_in(url_for("second_factor.set_up"))


def _no_store(response):
    """Pages with a secret or codes on them are never kept by a cache or in history."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(template: str, status: int = 200, **context):
    return _no_store(current_app.make_response((render_template(template, **context),
                                                status)))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    pending = pending_sign_in()
    if pending is None and current_user.is_authenticated:
        return redirect(url_for("pages.home"), code=303)
    if pending is None:
        flash(_("Sign in again: the time to enter your code ran out."), "info")
        return redirect(url_for("auth.sign_in"), code=303)
    user, state = pending
    if state.get("step") != "code":
        return redirect(url_for("second_factor.set_up"), code=303)
    field = "recovery_code" if request.form.get("recovery_code", "").strip() else "code"

    def form(errors: dict, status: int = 200, headers: dict | None = None):
        response = _render("auth/second_factor_code.html", status, errors=errors)
        response.headers.extend(headers or {})
        return response

    if request.method == "GET":
        return form({})

    def accepted(result: second_factor.CodeAccepted):
        target = complete_pending_sign_in(user, state)
        if result.message():
            flash(result.message(), "info")
        return _go_after_sign_in(target)

    try:
        return run_action(lambda: second_factor.check_code(user, request.form.get(field, ""),
                                                            field=field),
                          done=accepted, catch=ValidationFailed,
                          failed=lambda exc: form(exc.errors, 422))
    except TooManyAttempts as exc:
        return form(exc.errors, 429, {"Retry-After": str(exc.retry_after)})


def _enrolling_user():
    """Who is setting up: a sign-in waiting for its set-up, or someone signed in."""
    pending = pending_sign_in()
    if pending is not None and pending[1].get("step") == "enrol":
        return pending
    if current_user.is_authenticated:
        return current_user._get_current_object(), None
    return None


@bp.route("/second-factor/set-up", methods=["GET", "POST"])
def set_up():
    """Set up an authenticator app: a QR code and the secret as text, confirmed with a code.
    Answers the ten recovery codes, once."""
    found = _enrolling_user()
    if found is None:
        return redirect(url_for("auth.sign_in"), code=303)
    user, state = found
    if second_factor.has_second_factor(user):
        return redirect(url_for("second_factor.manage"), code=303)
    if state is None and not login_fresh():
        # Restored from a remember-me cookie: whoever holds the cookie must show the password
        # before tying an authenticator of theirs to the account.
        logout_user()
        flash(_("Sign in again to set up your authenticator app."), "info")
        return redirect(url_for("auth.sign_in", next=url_for("second_factor.set_up")), code=303)

    def form(errors: dict, status: int = 200, headers: dict | None = None):
        enrolment = run_action(lambda: second_factor.start_enrolment(user), done=lambda e: e)
        response = _render(
            "auth/second_factor_set_up.html", status, errors=errors,
            secret=enrolment.secret, secret_grouped=grouped(enrolment.secret),
            qr=qr_svg(enrolment.uri, _("QR code to scan with your authenticator app")),
            required=state is not None or second_factor.needs_enrolment(user))
        response.headers.extend(headers or {})
        return response

    if request.method == "GET":
        return form({})

    def confirmed(recovery: list[str]):
        if state is not None:
            next_url = complete_pending_sign_in(user, state)
        else:
            next_url = url_for("second_factor.manage")
        flash(_("Your authenticator app is set up."), "success")
        return _render("auth/recovery_codes.html", codes=recovery, next_url=next_url)

    try:
        return run_action(lambda: second_factor.confirm_enrolment(user,
                                                                  request.form.get("code", "")),
                          done=confirmed, catch=(ValidationFailed, Conflict),
                          failed=lambda exc: form(exc.errors or {"code": [exc.detail]}, 422))
    except TooManyAttempts as exc:
        return form(exc.errors, 429, {"Retry-After": str(exc.retry_after)})


@bp.get("/me/second-factor")
@login_required
def manage():
    """The person's second factor: on or off, recovery codes left, and what they can do."""
    user = current_user._get_current_object()
    enrolled = second_factor.has_second_factor(user)
    return _render("auth/second_factor.html", enrolled=enrolled, errors={},
                   left=second_factor.recovery_codes_left(user) if enrolled else 0,
                   may_turn_off=enrolled and not (second_factor.required()
                                                  and second_factor.is_staff(user)))


@bp.route("/me/second-factor/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """Make ten new recovery codes (the old ones stop working), after a code."""
    user = current_user._get_current_object()
    if not second_factor.has_second_factor(user):
        return redirect(url_for("second_factor.manage"), code=303)

    def form(errors: dict, status: int = 200, headers: dict | None = None):
        response = _render("auth/recovery_codes_new.html", status, errors=errors)
        response.headers.extend(headers or {})
        return response

    if request.method == "GET":
        return form({})
    try:
        return run_action(
            lambda: second_factor.regenerate_recovery_codes(user, request.form.get("code", "")),
            done=lambda fresh: _render("auth/recovery_codes.html", codes=fresh,
                                       next_url=url_for("second_factor.manage")),
            catch=ValidationFailed, failed=lambda exc: form(exc.errors, 422))
    except TooManyAttempts as exc:
        return form(exc.errors, 429, {"Retry-After": str(exc.retry_after)})


@bp.post("/me/second-factor/turn-off")
@login_required
def turn_off():
    """Turn one's own second factor off (only when staff are not required to have one)."""
    user = current_user._get_current_object()

    def turned_off(_result):
        flash(_("Your second factor is turned off. You sign in with your password alone."),
              "success")
        return redirect(url_for("second_factor.manage"), code=303)

    def refused(exc):
        return _render("auth/second_factor.html", 422, enrolled=True, errors=exc.errors,
                       left=second_factor.recovery_codes_left(user), may_turn_off=True)

    try:
        return run_action(lambda: second_factor.turn_off(user, request.form.get("code", "")),
                          done=turned_off, catch=ValidationFailed, failed=refused)
    except TooManyAttempts as exc:
        return refused(exc)
