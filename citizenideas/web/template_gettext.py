"""The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``.

They behave as Jinja's i18n extension's "newstyle" callables (the text escaped as Markup in
an autoescaped template, always used as a %-format string, ``num`` given to ngettext), with
two differences that make a page with a few hundred of them cheaper:

- they take the *evaluation* context rather than the template context. Jinja gives a
  function that takes the template context a copy of that context, with the loop's variables,
  each time it is called inside a ``{% for %}`` (``Context.derived``: every variable of the
  page copied into a new context); a list of twenty ideas with five texts each made a hundred
  such copies per request. The evaluation context is all they need (is autoescape on?);
- ``_`` is the gettext function itself, not the extension's alias that looks ``gettext`` up
  in the context on every call.

The catalogue is looked up once per request and language (``_translations``, kept on ``g``
with the language it is for, so an email rendered under ``force_locale`` gets its own).
``tests/test_template_gettext.py`` checks that they give what the extension's callables give.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_app
from flask_babel import get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

from ..locale import page_locale


def _translations():
    """This request's catalogue for the language in force, kept on ``g`` with that language
    (an email rendered under ``force_locale`` looks up its own). ``g`` is read from the
    application context itself rather than through its proxy (see ``page_locale``)."""
    locale = page_locale()
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    kept = getattr(app_ctx.g, "_ci_translations", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    app_ctx.g._ci_translations = (locale, translations)
    return translations


def markup_gettext(string: str) -> Markup:
    """What ``_(string)`` gives in an HTML template, for Python that builds a macro's
    arguments as a template would (translations are trusted: Markup, not escaped)."""
    return Markup(_translations().ugettext(string)) % {}


@pass_eval_context
def gettext(eval_ctx, string: str, **variables: Any) -> str:
    rv = _translations().ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    rv = _translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def pgettext(eval_ctx, context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", context)
    rv = _translations().upgettext(context, string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def npgettext(eval_ctx, context: str, singular: str, plural: str, num: int,
              **variables: Any) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    rv = _translations().unpgettext(context, singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


def install(app: Flask) -> None:
    """Give the templates these callables (after Flask-Babel has installed its own)."""
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext,
                                 pgettext=pgettext, npgettext=npgettext)
