"""Shared pieces of the API's request and response schemas (pydantic v2).

These models both validate requests (through spectree) and generate the OpenAPI document, so
the document cannot drift from what the code accepts. They state every limit the services
enforce on a field by itself (required text, lengths, formats, enums, ranges, taking the numbers
from the services), so a request that is valid by the document is accepted; the services still
check them (the pages use them too). Rules that depend on stored data (who may do what, which
status changes are allowed, whether a referenced row exists) come back as 403/404/409/422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Database ids are 32-bit integers: anything larger can never match, so it is refused up front
# rather than sent to PostgreSQL (which would fail with "integer out of range").
MAX_ID = 2**31 - 1


def _whole_float_as_int(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; strict pydantic would refuse it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = BeforeValidator(_whole_float_as_int)  # last in Annotated[int, Field(...), here]
Id = Annotated[int, Field(ge=1, le=MAX_ID), WholeNumber]
# Text in a query string may not contain NUL: PostgreSQL cannot store it in a text column.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]

# What the services' text cleaning (services/text_rules.py) removes or trims: whitespace, C0
# control characters, DEL and the non-characters U+FFFE/U+FFFF. A "visible" character is any
# other; the two classes are disjoint, so the patterns below match in one way (no backtracking
# blow-up) and mean the same in Python, Rust (pydantic) and ECMAScript regular expressions.
_SKIPPED = r"[\s\x00-\x1f\x7f\ufffe\uffff]"
_VISIBLE = r"[^\s\x00-\x1f\x7f\ufffe\uffff]"


def text_limits(maximum: int, *, minimum: int = 0, required: bool = False,
                **extra: Any) -> Any:
    """The documented limits of free text that a service checks with ``clean_text``.

    At most ``maximum`` characters as sent; when ``required`` (or when there is a ``minimum``
    and the text is not blank), at least ``minimum`` (at least 1) characters left after
    trimming and removing control characters. Only the document states them: the service
    enforces them, so a request with several mistakes gets every field's message at once,
    and a caller who may not act at all gets 403 before any 422, as on the pages.
    """
    least = max(minimum, 1 if required else 0)
    schema: dict[str, Any] = {"maxLength": maximum, **extra}
    if least == 0:
        schema.setdefault("description", f"At most {maximum:,} characters.")
        return Field(json_schema_extra=schema)
    visible = visible_text(least)["pattern"][1:]
    if required:
        schema |= {"minLength": least, "pattern": f"^{visible}", "description": (
            f"Required: at least {least:,} character{'s' if least > 1 else ''} once spaces "
            f"and control characters are trimmed (minLength {least} after trimming); at most "
            f"{maximum:,} characters.")}
    else:
        schema |= {"pattern": f"^(?:{_SKIPPED}*$|{visible})", "description": (
            f"Blank, or at least {least:,} characters once spaces and control characters are "
            f"trimmed; at most {maximum:,} characters.")}
    return Field(json_schema_extra=schema)


def documented(**schema: Any) -> Any:
    """A limit the service enforces (so it gives its own message), stated in the document."""
    return Field(json_schema_extra=schema)


def document_rules(*, required: tuple[str, ...] = (), not_null: tuple[str, ...] = (),
                   when: list[tuple[dict, dict]] = ()):
    """A model's ``json_schema_extra`` for rules the service enforces on the whole body:
    fields it requires although pydantic has a default for them (so that a caller who may not
    act gets 403, not 422), fields that may be left out but not sent as null (their default,
    None, means "left out"), and ``if``/``then`` rules (one field's value requiring another)."""

    def extra(schema: dict[str, Any]) -> None:
        for name in not_null:
            schema["properties"][name].pop("default", None)
        if required:
            schema["required"] = sorted({*schema.get("required", []), *required})
            for name in required:
                schema["properties"][name].pop("default", None)
        rules = [{"if": {"properties": cond, "required": sorted(cond)}, "then": then}
                 for cond, then in when]
        if len(rules) == 1:
            schema.update(rules[0])
        elif rules:
            schema["allOf"] = rules

    return extra


def visible_text(minimum: int = 1) -> dict[str, Any]:
    """The schema of text with at least ``minimum`` characters left after trimming."""
    visible = f"(?:{_SKIPPED}*{_VISIBLE}){{{minimum}}}" if minimum > 1 else \
        f"{_SKIPPED}*{_VISIBLE}"
    return {"type": "string", "minLength": minimum, "pattern": f"^{visible}"}


class Body(BaseModel):
    """A JSON request body: unknown fields and wrong types are refused, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """Query-string parameters (strings on the wire, so parsed in lax mode). An unknown
    parameter is refused, so a misspelt filter is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(from_attributes=True)


class PageQuery(Query):
    page: int = Field(1, ge=1, le=100_000, description="Page number, from 1.")
    per_page: int = Field(20, ge=1, le=100, description="Items per page, at most 100.")


class PageOut(Out):
    page: int
    per_page: int
    total: int


class Problem(Out):
    """An RFC 9457 problem. ``errors`` maps request field names to messages (422 only)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


class Named(Out):
    """A reference to a ward, category or organisation."""

    id: int
    name: str


class Empty(Out):
    """No content."""


__all__ = ["MAX_ID", "Body", "Empty", "Id", "Named", "Out", "PageOut", "PageQuery", "Problem",
           "Query", "Text", "WholeNumber", "datetime", "document_rules", "documented",
           "text_limits", "visible_text"]
