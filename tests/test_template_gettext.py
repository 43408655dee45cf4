"""The templates' translation callables (citizenideas/web/template_gettext.py) give what
Jinja's own newstyle i18n callables give, in English and Welsh, escaped or not, and a text in
a loop does not make Jinja copy the page's template context."""

from __future__ import annotations

import flask_babel
import pytest
from flask_babel import force_locale
from jinja2 import Environment
from jinja2.runtime import Context

SOURCE = """{{ _("Ideas") }}|{{ gettext("Sign out") }}|{{ _("Assigned to %(name)s", name=who) }}
|{{ ngettext("%(num)s idea", "%(num)s ideas", n) }}|{{ _("100%% of <ideas>") }}
|{% for i in range(3) %}{{ ngettext("%(num)s supporter", "%(num)s supporters", i) }},{% endfor %}"""


def _reference(autoescape: bool) -> Environment:
    """Jinja's i18n extension with its own newstyle callables over Flask-Babel."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_callables(flask_babel.gettext, flask_babel.ngettext, newstyle=True)
    return env


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize("autoescape", [True, False], ids=["html", "text"])
def test_template_texts_are_the_i18n_extensions_texts(app, locale, autoescape):
    values = {"who": "<Rhys & Co>", "n": 2}
    with app.test_request_context("/"), force_locale(locale):
        ours = app.jinja_env.overlay(autoescape=autoescape).from_string(SOURCE).render(values)
        expected = _reference(autoescape).from_string(SOURCE).render(values)
    assert ours == expected
    assert ("&lt;Rhys &amp; Co&gt;" in ours) is autoescape


def test_welsh_texts_come_from_the_welsh_catalogue(app):
    with app.test_request_context("/"), force_locale("cy"):
        html = app.jinja_env.from_string('{{ _("Sign out") }}').render()
        assert html == flask_babel.gettext("Sign out")
    assert html != "Sign out"


def test_a_text_in_a_loop_does_not_copy_the_template_context(app, monkeypatch):
    # Jinja copies the context for a function that takes it when the loop sets a variable.
    copies = []
    derived = Context.derived
    monkeypatch.setattr(Context, "derived",
                        lambda self, *a, **kw: copies.append(1) or derived(self, *a, **kw))
    with app.test_request_context("/"):
        html = app.jinja_env.from_string(
            '{% for i in range(20) %}{% set n = i * 2 %}{{ _("Ideas") }}'
            '{{ ngettext("%(num)s idea", "%(num)s ideas", n) }}{% endfor %}').render()
    assert html.count("Ideas") == 20
    assert copies == []
