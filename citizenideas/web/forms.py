"""Reading submitted forms: small converters shared by the views (no validation rules here:
rules live in services)."""

from __future__ import annotations

from flask import request


def text_field(name: str) -> str:
    return (request.form.get(name) or "").strip()


def int_field(name: str, source=None) -> int | None:
    raw = ((source or request.form).get(name) or "").strip()
    try:
        return int(raw)
    except ValueError:
        return None
