"""The DomainError family: what a service raises when a rule of the domain says no.

Plain Python, no Flask or werkzeug: services, the CLI and any worker can raise and catch these
without an app. Each kind carries the HTTP status it maps to; turning one into an HTML page,
an HTMX fragment or problem+json is the edge's job (citizenideas/error_handlers.py).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no. ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class ValidationFailed(DomainError):
    """Input broke a rule; ``errors`` maps field names to messages."""

    status = 422
    title = "Validation failed"


class NotAllowed(DomainError):
    """The actor may not do this."""

    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    """No such thing, or one the actor may not see."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """A refused state change or a clash with existing data."""

    status = 409
    title = "Conflict"


class AuthRequired(DomainError):
    """The caller must sign in (or give a valid token)."""

    status = 401
    title = "Unauthorised"


class TooManyAttempts(DomainError):
    """Too many tries in too short a time; ``retry_after`` is in seconds."""

    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str, retry_after: int, errors: dict[str, list[str]] | None = None):
        super().__init__(detail, errors)
        self.retry_after = max(1, int(retry_after))


class TooLarge(DomainError):
    """What was sent is larger than the site accepts (an upload over ``UPLOAD_MAX_MB``)."""

    status = 413
    title = "Content Too Large"
