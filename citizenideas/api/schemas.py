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

from ..pagination import MAX_PAGE, MAX_PER_PAGE

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

# Free text is checked by the services with ``clean_text`` (services/text_rules.py): control
# characters are removed, "\r\n" and "\r" become "\n", spaces at both ends are trimmed, and the
# length of what is left is checked. The patterns below state exactly that rule, so the document
# neither refuses text the service accepts nor allows text it refuses (raw maxLength would do
# both: trailing spaces or control characters make a too-long text short enough). They use only
# what ECMAScript, Python and JSON Schema tools share, and the classes they combine are disjoint,
# so each text is read in one way (no backtracking blow-up).
_REMOVED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff"
_SKIPPED = rf"[\s{_REMOVED}]"  # trimmed at the ends, or removed
_VISIBLE = rf"[^\s{_REMOVED}]"  # kept, and not a space
# One character of the cleaned text: "\r\n" (with removed characters between) counts once.
_COUNTED = rf"(?:\r[{_REMOVED}]*\n|\r(?![{_REMOVED}]*\n)|[^{_REMOVED}\r])"


def _trimmed_length(low: int, high: int | None) -> str:
    """A pattern for text whose cleaned, trimmed length is from ``low`` (at least 1) to
    ``high`` (None: no upper bound), with anything trimmed before and after."""
    between = rf"(?:[{_REMOVED}]*{_COUNTED})"
    top = "" if high is None else str(high - 2)
    if high == 1:
        core = _VISIBLE
    elif low <= 1:
        core = rf"{_VISIBLE}(?:{between}{{0,{top}}}[{_REMOVED}]*{_VISIBLE})?"
    else:
        core = rf"{_VISIBLE}{between}{{{low - 2},{top}}}[{_REMOVED}]*{_VISIBLE}"
    return rf"{_SKIPPED}*{core}{_SKIPPED}*$"


def text_limits(maximum: int, *, minimum: int = 0, required: bool = False,
                **extra: Any) -> Any:
    """The documented limits of free text that a service checks with ``clean_text``.

    Once cleaned and trimmed, at most ``maximum`` characters and, when ``required`` (or when
    there is a ``minimum`` and the text is not blank), at least ``minimum`` (at least 1).
    Only the document states them: the service enforces them, so a request with several
    mistakes gets every field's message at once, and a caller who may not act at all gets 403
    before any 422, as on the pages.
    """
    least = max(minimum, 1 if required else 0)
    pattern = _trimmed_length(max(least, 1), maximum)
    trimmed = ("Counted once spaces at both ends and control characters are removed and line "
               "endings are made \\n.")
    if required:
        schema = {"pattern": f"^{pattern}", "description": (
            f"Required, not blank: {least:,} to {maximum:,} characters (minLength {least} "
            f"after trimming). {trimmed}")} | _raw_minimum(least)
    else:
        schema = {"pattern": f"^(?:{_SKIPPED}*$|{pattern})", "description": (
            f"Blank, or {max(least, 1):,} to {maximum:,} characters. {trimmed}")}
    return Field(json_schema_extra=schema | extra)


# An email address the services accept (email-validator, as services/accounts.py calls it): a
# dot-atom before the @, a domain with a dot and a letters-only top-level domain, and none of
# the special-use domains it refuses (.test, .local, .invalid, .localhost, .onion, .arpa). A
# little stricter than JSON Schema's "email" format, which also allows quoted names and IP
# addresses.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,62}"
_SPECIAL_USE = (r"(?:[Aa][Rr][Pp][Aa]|[Ii][Nn][Vv][Aa][Ll][Ii][Dd]|[Ll][Oo][Cc][Aa][Ll]"
                r"(?:[Hh][Oo][Ss][Tt])?|[Oo][Nn][Ii][Oo][Nn]|[Tt][Ee][Ss][Tt])")
EMAIL_PATTERN = (rf"^(?=[^@]{{1,64}}@)(?!.*\.{_SPECIAL_USE}$){_ATEXT}+(?:\.{_ATEXT}+)*@"
                 rf"(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")


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
    """The schema of text with at least ``minimum`` characters left once cleaned and
    trimmed (for ``then`` rules: the property's own schema still gives its maximum)."""
    return {"type": "string", "pattern": f"^{_trimmed_length(minimum, None)}",
            **_raw_minimum(minimum)}


def _raw_minimum(least: int) -> dict[str, int]:
    """``minLength`` for a required text: 1 (what a blank-refusing client checks first). A
    larger minimum is in the pattern only: as a plain minLength it would also be true, but
    schemathesis then spends minutes drawing texts of exactly that length that fit the
    pattern."""
    return {"minLength": 1} if least >= 1 else {}


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


# page and per_page for every API list, within the limits the pages and paginate() share.
class PageQuery(Query):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE,
                          description=f"Items per page, at most {MAX_PER_PAGE}.")


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
