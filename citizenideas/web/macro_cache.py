"""GOV.UK Frontend macros drawn once per set of arguments and language, then reused.

A signed-in page calls the GOV.UK Frontend Jinja macros a few dozen times: the service
navigation, the phase banner and skip link in the base template, and the form fields (inputs,
radios, textareas, buttons). Each call costs tens to hundreds of microseconds (attribute
helpers, nested macros, ``indent`` filters), and almost every call draws what it drew on the
request before: the same navigation for a moderator in English, the same "Show ideas" button.

``cached_macro(template, name, *args, **kwargs)`` returns the macro's own output, kept in a
bounded in-process table keyed by the template, the macro, the language in force and the
arguments themselves (their values, recursively: text, numbers, lists, dicts). Whatever the
HTML depends on is in the key: a moderator who becomes an admin passes a navigation with an
Admin item, a Welsh reader passes Welsh texts and a ``cy`` language, a settings change passes
the new contact address. Arguments of any other type (a model object, say) are not keyed:
the macro is called as before, as it is for text longer than ``MAX_TEXT``. The output is
byte for byte the macro's (``tests/test_macro_cache.py``).

The macros must draw from their arguments and the language alone (no ``csrf_token()``, no
``current_user``, no ``request``): the form macros of ``templates/_govuk_fields.html`` and
the GOV.UK components themselves do.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel.speaklater import LazyString
from jinja2 import Undefined
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ..locale import page_locale

MAX_ENTRIES = 4096
# Longer text (a comment typed into a form shown again with its errors) is not kept: the
# table stays small (at most a few megabytes) and such pages are rare.
MAX_TEXT = 1000


class _NotKeyable(Exception):
    """An argument whose value the key cannot capture."""


_PLAIN = (str, int, float, bool, type(None))


def _part(value: Any) -> Any:
    """A hashable stand-in for an argument that two arguments share only if the macro would
    draw the same from them (types matter: Markup is not escaped, str is)."""
    kind = type(value)
    if kind in _PLAIN or kind is Markup:
        if kind in (str, Markup) and len(value) > MAX_TEXT:
            raise _NotKeyable("long text")
        return (kind.__name__, value)
    if kind is dict:
        return ("dict", tuple((k, _part(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return (kind.__name__, tuple(_part(v) for v in value))
    if isinstance(value, MultiDict):
        return ("multidict", tuple((k, _part(v)) for k, v in value.items(multi=True)))
    if isinstance(value, Undefined):
        return ("undefined",)
    if isinstance(value, LazyString):  # lazy_gettext: the text in this language
        return ("str", str(value))
    raise _NotKeyable(kind)


def cached_macro(template: str, name: str, *args: Any, **kwargs: Any) -> Markup:
    """What ``{% from template import name %}{{ name(*args, **kwargs) }}`` draws."""
    env = current_app.jinja_env
    loaded = env.get_template(template)
    macro = getattr(loaded.module, name)
    try:
        key = (template, id(loaded), name, str(page_locale()), _part(args), _part(kwargs))
    except _NotKeyable:
        return macro(*args, **kwargs)
    table = env.__dict__.setdefault("ci_macro_cache", {})
    found = table.get(key)
    if found is None:
        found = macro(*args, **kwargs)
        if len(table) >= MAX_ENTRIES:  # bounded: start again rather than grow
            table.clear()
        table[key] = found
    return found
