"""The council's own content in the visitor's language: categories, wards, response
templates, the council's name.

Each has its English field (``name``) and may have a Welsh one (``name_cy``; for the site
settings ``COUNCIL_NAME_CY``). In Welsh the Welsh text is shown; where the council has not
given one, the English, and on a page that English is marked ``<span lang="en">`` so a screen
reader switches voice (WCAG 3.1.2, language of parts). In English, the English as always.

``localised(obj, "name")`` is for page text (it may be Markup); ``localised_text`` for places
that take plain text only: <title>, <option>, attributes, emails.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from .locale import page_locale

SOURCE = "en"  # the language the council's content is first written in
SITE_TEXTS = ("COUNCIL_NAME", "COUNCIL_SHORT_NAME")


def _locale() -> str:
    return str(page_locale() or SOURCE)


def _translation(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else None
    return value or None


def in_english(text: str | None) -> Markup:
    """English text on a page in another language, marked as English."""
    return Markup('<span lang="en">%s</span>') % (text or "")


def _field(obj, name: str):
    """An attribute of a model, or a key of a row (the accountability figures' dicts)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _has_translations(obj, field: str, locale: str) -> bool:
    """Whether ``obj`` has a ``<field>_<locale>`` at all: text without one (a month's label)
    is already in the page's language."""
    name = f"{field}_{locale}"
    return name in obj if isinstance(obj, Mapping) else hasattr(obj, name)


def localised_text(obj, field: str) -> str:
    """``obj.<field>_<locale>`` when given, else ``obj.<field>``; plain text."""
    if obj is None:
        return ""
    locale = _locale()
    if locale != SOURCE:
        translated = _translation(_field(obj, f"{field}_{locale}"))
        if translated:
            return translated
    return _field(obj, field) or ""


def localised(obj, field: str) -> str | Markup:
    """As ``localised_text``, but English shown on a page in another language is marked."""
    if obj is None:
        return ""
    locale = _locale()
    if (locale == SOURCE or not _has_translations(obj, field, locale)
            or _translation(_field(obj, f"{field}_{locale}"))):
        return localised_text(obj, field)
    return in_english(_field(obj, field) or "")


def site_text_plain(settings: dict, key: str) -> str:
    """A site setting (``COUNCIL_NAME``...) in this language: ``<KEY>_CY`` when given."""
    locale = _locale()
    if locale != SOURCE:
        translated = _translation(settings.get(f"{key}_{locale.upper()}"))
        if translated:
            return translated
    return settings.get(key) or ""


def site_text(settings: dict, key: str) -> str | Markup:
    """As ``site_text_plain``, with English shown on a page in another language marked."""
    locale = _locale()
    if locale == SOURCE or _translation(settings.get(f"{key}_{locale.upper()}")):
        return site_text_plain(settings, key)
    return in_english(settings.get(key) or "")


def site_for_this_language(settings: dict) -> dict:
    """The site settings with the council's names in this language (plain text), for
    templates and emails: titles, the footer, feeds."""
    if _locale() == SOURCE:
        return settings
    return {**settings, **{key: site_text_plain(settings, key) for key in SITE_TEXTS}}
