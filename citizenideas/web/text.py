"""Rendering residents' text safely: plain text, line breaks kept, web links made clickable.

Everything is escaped first; then bleach's linkifier turns bare URLs into links with
``rel="nofollow ugc noopener"``. No raw HTML a user typed ever reaches a page.

A bleach ``Linker`` keeps parser state between calls, so one shared by gunicorn's threads
returns empty or mangled text now and then. Each call builds its own (about 0.1 ms, the same
as ``bleach.clean`` does for its ``Cleaner``). nh3, bleach's maintained successor for
cleaning, has no linkifier, so bleach stays for that.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

import bleach
from bleach.linkifier import URL_RE, Linker
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..locale import page_locale


def _rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow ugc noopener"
    return attrs


def _linkify(escaped: str) -> str:
    """Links in already-escaped text, with a linker of this call's own (thread safety)."""
    linker = Linker(callbacks=[_rel], skip_tags=["pre", "code"], parse_email=False)
    return linker.linkify(escaped)


def plaintext(value: str | None) -> Markup:
    """Escape ``value``, link URLs, and turn blank lines into paragraphs and newlines to <br>."""
    if not value:
        return Markup("")
    escaped = str(escape(value.replace("\r\n", "\n").strip()))
    if URL_RE.search(escaped):
        linked = _linkify(escaped)
        # linkify only adds <a> tags; clean again to be sure nothing else slipped through.
        linked = bleach.clean(linked, tags={"a"}, attributes={"a": ["href", "rel"]},
                              protocols={"http", "https"}, strip=True)
    else:
        # Nothing the linkifier would turn into a link (its own pattern says so): the
        # escaped text is already what linkify and clean would give back, at a tenth of
        # the cost. tests/test_text.py checks the two agree.
        linked = escaped
    paragraphs = [p.replace("\n", "<br>\n") for p in linked.split("\n\n") if p.strip()]
    return Markup("".join(f'<p class="govuk-body">{p}</p>' for p in paragraphs))


def date_text(value: date | datetime | None) -> str:
    """``3 March 2026`` (``3 Mawrth 2026`` in Welsh): Babel, in this request's language."""
    if value is None:
        return ""
    return _formatted(str(page_locale()), _timezone_name(), "date", value)


def datetime_text(value: datetime | None) -> str:
    """``3 March 2026 at 2:05pm`` (UTC shown in UK style), in this request's language."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _formatted(str(page_locale()), _timezone_name(), "datetime", value)


def _timezone_name() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"


@lru_cache(maxsize=4096)
def _formatted(locale: str, timezone: str, kind: str, value: date | datetime) -> str:
    """Babel's formatting (about 50 microseconds a date) done once per language, time zone
    and value: a page shows the same dates again and again on every request. ``locale``
    and ``timezone`` are the ones in force (they are in the key, Babel reads them itself)."""
    if kind == "date":
        return format_date(value, "d MMMM yyyy")
    # BABEL_DEFAULT_TIMEZONE is UTC: format_datetime shows the UTC time, as before.
    time = format_datetime(value, "h:mma").lower().replace(" ", "")
    return _("%(date)s at %(time)s", date=format_datetime(value, "d MMMM yyyy"), time=time)


def number_text(value: int | float | None) -> str:
    """``1,234`` (grouped for this request's language); empty for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value)
