"""Form fields that every list page draws, rendered in Python.

The filter forms on ``/ideas``, ``/council`` and the partner lists draw several selects and
buttons on every request. Through the GOV.UK Frontend Jinja macros each select costs about a
millisecond (a macro call per option, attribute helpers, ``indent`` filters); built here it
costs a few microseconds. The HTML is the same as the macros' apart from whitespace, which
``tests/test_fields.py`` checks against the macros themselves, so an upgrade of GOV.UK
Frontend that changes their markup fails a test rather than drifting.

Only what ``templates/_forms.html`` uses is supported: the wrapper macros there keep their
signatures and call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from markupsafe import Markup, escape


def _label(text: str, for_id: str) -> str:
    return f'<label class="govuk-label" for="{escape(for_id)}">{escape(text)}</label>'


def _described(name: str, hint: str | None, error: str | None) -> tuple[str, str]:
    """The hint and error message paragraphs, and the ids they give aria-describedby."""
    parts, ids = [], []
    if hint:
        ids.append(f"{name}-hint")
        parts.append(f'<div id="{escape(name)}-hint" class="govuk-hint">{escape(hint)}</div>')
    if error:
        ids.append(f"{name}-error")
        parts.append(f'<p id="{escape(name)}-error" class="govuk-error-message">'
                     f'<span class="govuk-visually-hidden">{escape(_("Error"))}:</span> '
                     f'{escape(error)}</p>')
    return "".join(parts), " ".join(ids)


def error_text(name: str, errors: Mapping | None) -> str | None:
    """A field's messages joined into one line, as the macros show them; None if none."""
    messages = (errors or {}).get(name)
    return " ".join(str(m) for m in messages) if messages else None


def select_field(name: str, label: str, options: Iterable, values: Mapping | None = None,
                 errors: Mapping | None = None, hint: str | None = None,
                 empty: str | None = None) -> Markup:
    """A GOV.UK select: ``options`` are (value, text) pairs, ``empty`` a first option with no
    value, ``values[name]`` the chosen value (compared as text)."""
    chosen = str((values or {}).get(name))
    error = error_text(name, errors)
    described, described_ids = _described(name, hint, error)
    items = []
    if empty:
        items.append(f'<option value="">{escape(empty)}</option>')
    for value, text in options:
        value = str(value)
        selected = " selected" if value == chosen else ""
        items.append(f'<option value="{escape(value)}"{selected}>{escape(text)}</option>')
    group = "govuk-form-group govuk-form-group--error" if error else "govuk-form-group"
    select_class = "govuk-select govuk-select--error" if error else "govuk-select"
    aria = f' aria-describedby="{described_ids}"' if described_ids else ""
    return Markup(
        f'<div class="{group}">{_label(label, name)}{described}'
        f'<select class="{select_class}" id="{escape(name)}" name="{escape(name)}"{aria}>'
        f'{"".join(items)}</select></div>')
