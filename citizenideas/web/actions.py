"""One way to run an action from a page: act, commit once, then answer.

In the spirit of Indico's process / check / act handlers. The route loads what it needs and
reads the form, then hands ``run_action`` the service call (``work``) and two answers:

- ``done(result)``: after the one commit; usually a flash and a 303 to the next page, or an
  HTMX fragment.
- ``failed(error)``: after a rollback, when the service refused with an error that belongs on
  the form (``ValidationFailed``: the field errors; ``Conflict``: someone changed the thing a
  moment ago). It shows the form or page again, with what was typed and the current state;
  ``form_status(error)`` gives its status (422, or 409 for a conflict).

SQLite's "database is locked" is retried inside (``database.run_with_retry``), so every page
write gets it. ``NotAllowed``, ``AuthRequired`` and ``NotFound`` are not the form's business:
they propagate to the error pages, as any other error does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask.typing import ResponseReturnValue

from ..database import run_with_retry
from ..errors import Conflict, DomainError, ValidationFailed

T = TypeVar("T")

# The refusals a form shows next to its fields; anything else is an error page.
SHOWN_ON_FORM: tuple[type[DomainError], ...] = (ValidationFailed, Conflict)


def form_status(error: DomainError) -> int:
    """The status of a form shown again after ``error``: 409 when the thing changed under the
    person (the page shows it as it is now), otherwise 422."""
    return 409 if isinstance(error, Conflict) else 422


def run_action(work: Callable[[], T], *, done: Callable[[T], ResponseReturnValue],
               failed: Callable[[DomainError], ResponseReturnValue] | None = None,
               catch: type[DomainError] | tuple[type[DomainError], ...] = SHOWN_ON_FORM,
               commit: bool = True) -> ResponseReturnValue:
    """Run ``work`` (one service call) and commit once, then answer with ``done(result)``.

    A ``DomainError`` of a kind in ``catch`` is rolled back and answered with
    ``failed(error)`` (without ``failed``, or for any other error, it propagates to the error
    handlers). ``commit=False`` runs ``work`` as a preview: the input is checked, then rolled
    back whatever happens.
    """
    try:
        result = run_with_retry(work, commit=commit)
    except DomainError as error:
        if failed is None or not isinstance(error, catch):
            raise
        return failed(error)
    return done(result)
