"""The one rule for text people type: cleaned, trimmed, required or not, within its limits.

Every service checks free text through ``clean_text``, whether it came from a form or from
the JSON API, so a limit is written once and both doors answer the same. Cleaning removes what
no person means to type and what breaks the places text goes next: C0 control characters
(XML 1.0, and so the Atom feeds, refuses them; PostgreSQL refuses NUL), DEL, lone surrogates
(not encodable as UTF-8) and the two non-characters U+FFFE and U+FFFF. Tab and newline stay;
``\\r\\n`` and a lone ``\\r`` (old Macs) become ``\\n``. Lengths are counted after cleaning
and trimming, which is what a reader sees.

This module imports no Flask request: it is pure, so it can be tested on its own and used by
the CLI.
"""

from __future__ import annotations

import re

# What cleaning removes (tab \x09, newline \x0a and carriage return \x0d are kept here; a
# carriage return is turned into a newline afterwards).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LINE_ENDING = re.compile(r"\r\n?")


def without_control_characters(value: str) -> str:
    """``value`` with control characters removed (line endings are left as they are)."""
    return CONTROL_CHARACTERS.sub("", value)


def clean_text(value: object, field: str, errors: dict[str, list[str]], *, maximum: int,
               required: str | None = None, minimum: int = 0, too_short: str | None = None,
               too_long: str) -> str:
    """The cleaned, trimmed text of ``value`` ("" for None or nothing left).

    On a problem, ``errors[field]`` is set to the one message that applies and the cleaned
    text is still returned (so a form can show it again):

    - ``required``: the message when nothing is left; None means the text is optional;
    - ``too_short``: the message when it is shorter than ``minimum`` characters;
    - ``too_long``: the message when it is longer than ``maximum`` characters.
    """
    text = "" if value is None else value if isinstance(value, str) else str(value)
    text = _LINE_ENDING.sub("\n", without_control_characters(text)).strip()
    if not text:
        if required is not None:
            errors[field] = [required]
    elif len(text) < minimum:
        errors[field] = [too_short or required or too_long]
    elif len(text) > maximum:
        errors[field] = [too_long]
    return text


# A response template's placeholder: square brackets around a phrase of at least two words
# that starts with a capital letter, e.g. "[Say what it would cost and what else the budget is
# committed to.]". What people write in brackets otherwise is not matched: a reference "[1]",
# "[sic]" (lower case), a one-word tag "[Update]", empty brackets "[ ]". The phrase stays on
# one line and holds no other bracket, so two bracketed references are not joined into one.
_PLACEHOLDER = re.compile(r"\[\s*([A-Z][^\[\]\n]*?\s[^\[\]\n]*?)\s*\]")


def template_placeholder(text: str) -> str | None:
    """The first template placeholder left in ``text`` (with its brackets), or None."""
    found = _PLACEHOLDER.search(text or "")
    return found.group(0) if found else None

