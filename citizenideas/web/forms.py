"""Reading submitted forms: small converters shared by the views (no validation rules here:
rules live in services)."""

from __future__ import annotations

from flask import request


def text_field(name: str) -> str:
    return (request.form.get(name) or "").strip()


# Ids, page numbers and counts are 32-bit integers in the database: a bigger number typed
# into a form or URL is "no value", never a database error (SQLite cannot even bind it).
INT_MAX = 2**31 - 1


def int_field(name: str, source=None) -> int | None:
    raw = ((source or request.form).get(name) or "").strip()
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if -INT_MAX <= value <= INT_MAX else None
