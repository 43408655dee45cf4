"""Cleaning what browsers send before any view sees it.

Control characters other than tab, newline and carriage return have no place in anything
a person types. PostgreSQL refuses NUL in text, and XML (the Atom feeds) refuses most C0
characters, so one stored NUL would be a 500 on save or on every feed afterwards. They are
removed from form fields and query strings here, once, for every view.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

# One definition of what is removed, shared with the services (which clean JSON bodies too).
from .services.text_rules import CONTROL_CHARACTERS as _CONTROL
from .services.text_rules import without_control_characters

# Ids and counts are 32-bit integers in the database.
ID_MAX = 2**31 - 1


def whole_number(raw, maximum: int = ID_MAX) -> int | None:
    """``raw`` as a whole number from 0 to ``maximum``, or None.

    ASCII digits only: ``"²".isdigit()`` is true but ``int("²")`` fails, and a number bigger
    than an id column holds cannot even be bound by SQLite.
    """
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


def _clean(multidict):
    if not any(_CONTROL.search(k) or _CONTROL.search(v) for k, v in multidict.items(multi=True)):
        return multidict
    return ImmutableMultiDict([(without_control_characters(k), without_control_characters(v))
                               for k, v in multidict.items(multi=True)])


class CleanInputMixin:
    """For a request class: form fields and query arguments carry no control characters."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean(self.__dict__["form"])

    @cached_property
    def args(self):  # type: ignore[override]
        args = super().args
        # The JSON API validates its own query strings against its schema (and refuses
        # control characters with a 422): leave them as sent.
        return args if self.path.startswith("/api/") else _clean(args)


def clean_request_input(app: Flask) -> None:
    """Make the app's request class (whichever extensions chose) clean its input."""
    app.request_class = type("CleanRequest", (CleanInputMixin, app.request_class), {})
