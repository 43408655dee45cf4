"""Reading submitted forms: small converters shared by the views (no validation rules here:
rules live in services)."""

from __future__ import annotations

from flask import request
from jinja2 import pass_context


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


@pass_context
def errors_shown(context) -> bool:
    """Whether the page being rendered shows a form's errors: then its title starts with
    "Error: " (the GOV.UK pattern). One rule for every form: a page's ``errors``, the idea
    page's ``forms`` and the triage page's ``states`` (region -> {"errors", "detail"}), or
    one region's ``form`` / ``state`` (an HTMX fragment)."""
    if context.get("errors"):
        return True
    regions = list((context.get("forms") or {}).values())
    regions += list((context.get("states") or {}).values())
    regions += [context.get("form"), context.get("state")]
    return any(isinstance(region, dict) and (region.get("errors") or region.get("detail"))
               for region in regions)
