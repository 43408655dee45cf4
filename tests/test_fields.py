"""Form fields drawn in Python (citizenideas/web/fields.py) give the same HTML as the GOV.UK
Frontend macros they replace, whitespace aside: an upgrade of govuk-frontend-jinja that changes
the markup fails here rather than drifting."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from citizenideas.web.fields import select_field

MACRO = """{% from "govuk_frontend_jinja/components/select/macro.html" import govukSelect %}
{% set items = [] %}
{% if empty %}{% do items.append({"value": "", "text": empty}) %}{% endif %}
{% for value, text in options %}
  {% do items.append({"value": value | string, "text": text,
                      "selected": (values.get(name) | string) == (value | string)}) %}
{% endfor %}
{{ govukSelect({"id": name, "name": name, "label": {"text": label}, "items": items,
                "hint": {"text": hint} if hint else None,
                "errorMessage": {"text": errors[name] | join(" ")}
                                if errors and errors.get(name) else None}) }}"""


def _same_shape(html: str) -> str:
    """Whitespace between and inside tags does not matter to a browser here."""
    html = re.sub(r">\s+", ">", str(html))
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html).strip()


CASES = [
    dict(name="ward", label="Ward", options=[(1, "Abbey"), (2, "Castle & Quay")],
         values={"ward": 2}, errors={}, hint=None, empty="Any ward"),
    dict(name="status", label="Status", options=[("open", "Open"), ("all", 'All "ideas"')],
         values={}, errors={}, hint="Duplicate ideas show only when chosen.", empty=None),
    dict(name="bulk_status", label="New status", options=[("accepted", "Accepted")],
         values={"bulk_status": ""}, errors={"bulk_status": ["Choose a status.", "Really."]},
         hint="Pick one <b>now</b>", empty="Choose a status"),
    dict(name="sort", label="Sort <by>", options=[], values={"sort": "x"}, errors={},
         hint=None, empty=None),
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_select_is_the_govuk_select(app, case):
    with app.test_request_context("/"):
        expected = render_template_string(MACRO, **case)
        assert _same_shape(select_field(**case)) == _same_shape(expected)
