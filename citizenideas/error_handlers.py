"""How each kind of caller sees an error: the app's error handlers.

Services raise a DomainError (citizenideas/errors.py); these handlers turn it, and HTTP and
database errors, into an HTML page, an HTMX fragment (status 422 for validation, so htmx can
swap it in) or RFC 9457 problem+json for the API and JSON clients. They serve the pages and
the API alike, so they live beside create_app rather than in web/ or api/.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .errors import DomainError, TooManyAttempts
from .pagination import PastTheEnd

# Seconds a client is asked to wait when the database cannot be reached.
DATABASE_RETRY_AFTER = 30

# Views whose form is shown again, with what was typed, when its CSRF token no longer holds
# (the session ended or was replaced): endpoint -> the answer given instead of the 400 page
# (None: the 400 page after all). The action itself is never done without a good token.
EXPIRED_FORM_ANSWERS: dict[str, Callable[[], ResponseReturnValue | None]] = {}


def answers_expired_forms(*endpoints: str):
    """Register the decorated function as the answer to a failed CSRF check on ``endpoints``."""
    def register(answer: Callable[[], ResponseReturnValue | None]):
        for endpoint in endpoints:
            EXPIRED_FORM_ANSWERS[endpoint] = answer
        return answer
    return register


def loggable_path() -> str:
    """The request path for a log line, with any emailed link's token replaced: a token in a
    log is as good as the link itself (confirm an email, reset a password, join an
    organisation)."""
    path = request.path
    token = (request.view_args or {}).get("token")
    if token:
        path = path.replace(str(token), "[token]")
    return path


def wants_problem_json() -> bool:
    """API paths and JSON-asking clients get problem+json."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json",
                                                "application/problem+json"])
    return best in ("application/json", "application/problem+json")


# The fixed titles and details of problem+json answers (DomainError titles, werkzeug's names
# for HTTP errors, our own few details), marked for the catalogue so that an API caller gets
# them in its Accept-Language. A service's own messages are translated where they are raised.
def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark for the catalogue only"
    return text


_FIXED = frozenset({
    N_("Bad request"), N_("Validation failed"), N_("Forbidden"), N_("Not found"),
    N_("Conflict"), N_("Unauthorised"), N_("Too Many Requests"), N_("Bad Request"),
    N_("Unauthorized"), N_("Not Found"), N_("Method Not Allowed"), N_("Not Acceptable"),
    N_("Request Entity Too Large"), N_("Unsupported Media Type"), N_("Unprocessable Entity"),
    N_("Internal Server Error"), N_("Service Unavailable"),
    N_("Too many requests. Try again later."),
    N_("The service is unavailable. Try again in a few minutes."),
    N_("Something went wrong on our side."),
})


def _in_callers_language(text: str) -> str:
    """One of the fixed texts above in the request's language; any other text as it is."""
    return gettext(text) if text in _FIXED else text


def problem(status: int, title: str, detail: str, errors: dict | None = None, **headers):
    """An RFC 9457 problem response, its fixed texts in the caller's language."""
    body = {"type": "about:blank", "title": _in_callers_language(str(title)), "status": status,
            "detail": _in_callers_language(str(detail))}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Install handlers for domain errors and HTTP errors."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        from .extensions import db

        db.session.rollback()
        headers = {}
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(error.retry_after)
        if wants_problem_json():
            response = problem(error.status, error.title, error.detail, error.errors)
            response.headers.update(headers)
            return response
        template = "errors/fragment.html" if getattr(request, "htmx", False) else "errors/page.html"
        return _needing_database(lambda: (render_template(
            template, status=error.status, title=error.title, detail=error.detail),
            error.status, headers))

    @app.errorhandler(PastTheEnd)
    def handle_page_past_the_end(error: PastTheEnd):
        """A page number past the end of its list: the last page, same filters (303)."""
        from .extensions import db

        db.session.rollback()
        args = [(k, v) for k, v in request.args.items(multi=True) if k != error.name]
        query = urlencode([(error.name, error.last), *args])
        return redirect(f"{request.script_root}{request.path}?{query}", code=303)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        from .extensions import db

        db.session.rollback()
        if (isinstance(error, CSRFError) and request.endpoint in EXPIRED_FORM_ANSWERS
                and not wants_problem_json()):
            answer = EXPIRED_FORM_ANSWERS[request.endpoint]()
            if answer is not None:
                return answer
        status = error.code or 500
        headers = {}
        if status == 429:
            headers["Retry_After"] = str(_retry_after(error))
        if wants_problem_json():
            detail = error.description or error.name
            if status == 429:
                detail = "Too many requests. Try again later."
            response = problem(status, error.name, detail, **headers)
            if status == 405 and error.get_response().headers.get("Allow"):
                response.headers["Allow"] = error.get_response().headers["Allow"]
            return response
        response = _needing_database(lambda: app.make_response((render_template(
            "errors/page.html", status=status, title=error.name,
            detail=_friendly_detail(status, error)), status)))
        if response.status_code == 503 and status != 503:
            return response
        if status == 429:
            response.headers["Retry-After"] = headers["Retry_After"]
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def handle_database_unavailable(error: SQLAlchemyError):
        """The database refused, dropped or timed out: 503 with Retry-After, and a page that
        does not touch the database (its own error would otherwise turn this into a bare
        500)."""
        from .extensions import db, login_manager
        from .services.site import use_configured_settings

        with suppress(SQLAlchemyError):
            db.session.rollback()
        app.logger.error("Database unavailable on %s %s: %s", request.method, loggable_path(),
                         type(getattr(error, "orig", None) or error).__name__)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error  # in the suite a SQL error is a bug to see, not an outage
        retry = str(DATABASE_RETRY_AFTER)
        if wants_problem_json():
            return problem(503, "Service Unavailable",
                           "The service is unavailable. Try again in a few minutes.",
                           Retry_After=retry)
        use_configured_settings()
        # Treat the visitor as signed out for this page: loading them needs the database.
        login_manager._update_request_context_with_user()
        return render_template("errors/unavailable.html"), 503, {"Retry-After": retry,
                                                                  "Cache-Control": "no-store"}

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        from .extensions import db

        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, loggable_path())
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        if wants_problem_json():
            return problem(500, "Internal Server Error", "Something went wrong on our side.")
        return _needing_database(lambda: (render_template(
            "errors/page.html", status=500, title="Sorry, there is a problem",
            detail="Something went wrong on our side. Try again later."), 500))

    def _needing_database(render):
        """Render an error page, which shows who is signed in (loading them needs the
        database): if the database is down, the 503 page instead of a bare 500."""
        try:
            return app.make_response(render())
        except (OperationalError, InterfaceError, PoolTimeout) as error:
            return app.make_response(handle_database_unavailable(error))


def _retry_after(error: HTTPException) -> int:
    limit = getattr(error, "limit", None)
    try:
        return int(limit.limit.get_expiry()) if limit is not None else 60
    except Exception:  # noqa: BLE001 - Retry-After is advice; never fail the error page over it
        return 60


def _friendly_detail(status: int, error: HTTPException) -> str:
    if status == 400 and "CSRF" in (error.description or ""):
        return ("The form had expired or was sent from another site. "
                "Go back, reload the page and try again.")
    if status == 404:
        return "If you typed the web address, check it is correct."
    if status == 403:
        return "You do not have permission to do that."
    if status == 429:
        return "You have tried that too many times. Wait a few minutes and try again."
    if status == 413:
        from flask_babel import gettext

        return gettext("What you sent is too large. Make the file smaller or the text "
                       "shorter, then try again.")
    return error.description or error.name
