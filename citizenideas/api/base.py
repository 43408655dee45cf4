"""The API's blueprint and the machinery every endpoint shares.

- ``bp``: the Flask blueprint under /api/v1 (CSRF-exempt: see ``load_caller``).
- ``spec``: the spectree instance. ``@spec.validate(...)`` validates the request against the
  pydantic models and records the operation for the OpenAPI document.
- ``load_caller``: Bearer token authentication, or the session cookie plus an X-CSRFToken
  header for writes made from the site's own pages.
- ``responses``, ``paginated``, ``caller``, ``signed_in``: small helpers for the endpoints.
- ``committed``: runs an endpoint's service call and commits once (the only commit an endpoint
  makes).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..database import is_locked, run_with_retry
from ..errors import AuthRequired, NotFound, ValidationFailed
from ..extensions import db
from ..models import ApiToken, User
from ..pagination import Page
from ..services.tokens import user_for_api_token
from .schemas import MAX_ID, PageOut, Problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")

BEARER = "bearerAuth"
# Operations that need a caller, and operations where a caller is optional (public data,
# with extra fields or visibility for someone signed in). Optional is `security: []`, not
# `[{}, {bearerAuth: []}]`: client generators read any non-empty security as "token required"
# (openapi-python-client: `requires_security = bool(operation.security)`). document.py adds
# `x-auth: optional`; the view's docstring says "A token is optional: ..." and what it adds.
AUTH_REQUIRED = [{BEARER: []}]
AUTH_OPTIONAL: list[dict[str, list[str]]] = []
# Endpoints that take multipart/form-data (photo uploads) instead of JSON: endpoint name ->
# the OpenAPI requestBody that describes it (document.py adds it; spectree only knows JSON).
MULTIPART_BODIES: dict[str, dict[str, Any]] = {}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    """pydantic's errors as {field: [message]}, keyed like the forms and services key them."""
    errors: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
        field = loc[0] if loc else "body"
        errors.setdefault(field, []).append(item.get("msg", "Invalid value"))
    return errors


def _on_request_validated(req, resp, error, instance, model_adapter) -> None:
    """spectree hook: turn a request validation error into our 422 problem."""
    if error is not None:
        raise ValidationFailed("Some fields are missing or have the wrong type.",
                               _field_errors(error))


spec = SpecTree(
    "flask",
    mode="strict",
    title="citizenideas API",
    version="1.0.0",
    description=(
        "JSON API of citizenideas: residents' ideas, the council's answers, partners' delivery "
        "and published outcomes. Authenticate with `Authorization: Bearer <token>`; create a "
        "token with `POST /api/v1/tokens` or on your account page. Reads of public data need "
        "no token. Errors are `application/problem+json` (RFC 9457)."),
    openapi_version="3.1.0",
    path="api/v1/_spectree",  # spectree's own routes are never registered (see register_api)
    page_templates={},
    annotations=True,
    security_schemes=[SecurityScheme(name=BEARER, data=SecuritySchemeData(**{
        "type": "http", "scheme": "bearer",
        "description": "An API token from POST /api/v1/tokens or the account page."}))],
    validation_error_status=422,
    validation_error_model=Problem,
    before=_on_request_validated,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

_ERROR_TEXT = {400: "Malformed request", 401: "No valid API token",
               403: "Not allowed", 404: "Not found (or hidden from the caller)",
               409: "Refused state change or conflict", 415: "The body must be JSON",
               413: "The file is larger than UPLOAD_MAX_MB",
               422: "Validation failed", 429: "Too many requests"}


def responses(ok: int, model: Any = None, *errors: int) -> Response:
    """A spectree Response: ``ok`` with ``model`` (None for no body), plus problem responses.

    400 (malformed JSON), 401 (a bad token is refused even on public reads), 404 and 429 can
    happen on any request, so they are always listed.
    """
    codes: dict[str, Any] = {}
    codes[f"HTTP_{ok}"] = model
    for code in sorted({400, 401, 404, 429, *errors}):
        codes[f"HTTP_{code}"] = (Problem, _ERROR_TEXT.get(code, "Problem"))
    if model is None:
        del codes[f"HTTP_{ok}"]
        return Response(f"HTTP_{ok}", **codes)
    return Response(**codes)


def caller() -> User | None:
    """The authenticated caller (from the token or the session), or None."""
    user = current_user._get_current_object() if current_user else None
    if user is None or not user.is_authenticated:
        return None
    return user


def actor() -> Any:
    """The caller to hand to a service: the user, or the anonymous user object."""
    return current_user._get_current_object()


def signed_in(view: Callable) -> Callable:
    """401 unless there is a caller. Runs before request validation."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if caller() is None:
            raise AuthRequired("Send an API token: Authorization: Bearer <token>.")
        return view(*args, **kwargs)

    return wrapper


def get_or_404(model: type, ident: int, detail: str = "Not found."):
    """A row by id, or NotFound. Ids beyond 32 bits cannot exist."""
    row = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if row is None:
        raise NotFound(detail)
    return row


def paginated(page_model: type[PageOut], found: Page, items: list, **fields):
    """A page body for ``found`` (its rows shown as ``items``; ``fields``: the model's other
    fields) and its RFC 8288 Link header (first, prev, next, last)."""
    page, per_page, total, last = found.page, found.per_page, found.total, found.pages
    args = request.args.to_dict(flat=False)
    # On SITE_URL, never the request's Host header (a shared cache could otherwise keep a
    # Link header pointing at whatever host a client claimed).
    base = current_app.config["SITE_URL"].rstrip("/") + request.path

    def link(number: int, rel: str) -> str:
        args.update(page=[str(number)], per_page=[str(per_page)])
        return f'<{base}?{urlencode(args, doseq=True)}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    body = page_model(items=items, page=page, per_page=per_page, total=total, **fields)
    return body, 200, {"Link": ", ".join(links)}


@bp.before_request
def load_caller() -> None:
    """Check the body is JSON, then find out who is calling.

    A Bearer token decides the caller for this request only: the session is never read or
    written, so a token cannot be turned into a cookie and a cookie is ignored next to a token.
    Without a token, the session cookie may sign the caller in (the site's own pages calling
    the API); then every write must carry the CSRF token in an X-CSRFToken header.
    """
    _forget_caller()
    _check_json_body()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, raw = header.partition(" ")
        found = None
        if scheme.lower() == "bearer":
            found = _authenticate(raw.strip())
        if found is None:
            g.api_bad_token = True
            raise AuthRequired("The API token is missing, revoked or not valid.")
        user, token = found
        g._login_user = user  # Flask-Login's per-request user: no session involved
        g.api_token_id = token.id
        return
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (CSRFError, Exception) as exc:  # noqa: BLE001 - any failure is a refusal
            raise BadRequest("Cookie-authenticated writes need a valid X-CSRFToken header "
                             "(or use a Bearer token).") from exc


def _authenticate(raw: str) -> tuple[User, ApiToken] | None:
    """The user and token for a raw bearer token, with the token's use noted and committed.

    The note (``last_used_at``) is a write, so it gets SQLite's lock retry; if the lock
    outlasts every retry the note is left out for this request (it is bookkeeping, written on
    a later use): a busy database never turns an authenticated read into an error.
    """
    found = user_for_api_token(raw)
    if found is None or not db.session.dirty:
        return found  # the use was noted less than a minute ago: nothing to write
    try:
        return run_with_retry(lambda: user_for_api_token(raw))
    except OperationalError as exc:
        if not is_locked(exc):
            raise
    found = user_for_api_token(raw)
    if found is not None:
        db.session.expire(found[1], ["last_used_at"])  # drop the note that cannot be written
    return found


@bp.teardown_request
def _forget_caller(_error=None) -> None:
    """Drop the per-request caller (an app context can outlive one request, as in tests)."""
    for name in ("_login_user", "api_bad_token", "api_token_id"):
        g.pop(name, None)


def _check_json_body() -> None:
    """400 for a body that is not valid JSON, 415 for one that is not JSON at all, 422 for JSON
    that is not an object (every body in this API is an object)."""
    if request.method in SAFE_METHODS:
        return
    if request.endpoint in MULTIPART_BODIES and request.mimetype == "multipart/form-data":
        # A photo: the body may be as large as one upload (413 beyond), and is read as a form.
        from ..services.photos import upload_limit_bytes

        request.max_content_length = upload_limit_bytes() + 256 * 1024
        return
    if not request.get_data(cache=True):
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send the request body as application/json.")
    try:
        body = request.get_json()
    except (BadRequest, RecursionError) as exc:
        # RecursionError: nesting deeper than the parser goes ([[[[...]]]]) is not a body
        # this API could want either.
        raise BadRequest("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise ValidationFailed("The request body must be a JSON object.",
                               {"body": ["Send a JSON object, like {\"name\": \"value\"}."]})


@bp.after_request
def _api_headers(response):
    """Challenge on 401; never let a token response be cached."""
    if response.status_code == 401:
        challenge = 'Bearer realm="citizenideas"'
        if g.get("api_bad_token"):
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    if request.headers.get("Authorization") or request.endpoint == "api.create_token":
        response.headers["Cache-Control"] = "no-store"
    return response


def limited(setting: str) -> Callable:
    """The same limits as the page for this action, one count shared with it."""
    from ..throttling import action_limits

    return action_limits(setting)


def renamed(error: ValidationFailed, names: dict[str, str]) -> ValidationFailed:
    """A service's field errors under the API's field names (where the two differ)."""
    error.errors = {names.get(k, k): v for k, v in error.errors.items()}
    return error


T = TypeVar("T")


def committed(work: Callable[[], T]) -> T:
    """Run ``work`` (an endpoint's service call), commit once and return its result.

    SQLite's "database is locked" is retried, as for the pages (``database.run_with_retry``);
    a DomainError rolls back and becomes problem+json through the error handlers.
    """
    return run_with_retry(work)
