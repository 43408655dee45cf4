"""CSRF: every POST form carries the token, and HTMX posts are protected by the
X-CSRFToken header that base.html puts in hx-headers on <body>."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Support

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
POST = re.compile(r"""method\s*=\s*["']?post""", re.IGNORECASE)


def post_forms_without_csrf() -> list[str]:
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in FORM.finditer(text):
            if not POST.search(match.group(0)):
                continue
            end = text.find("</form>", match.end())
            body = text[match.end():end if end != -1 else len(text)]
            if "f.csrf()" not in body and "csrf_token" not in body:
                line = text.count("\n", 0, match.start()) + 1
                missing.append(f"{path.relative_to(TEMPLATES)}:{line}")
    return missing


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    assert post_forms_without_csrf() == []


def test_the_scan_would_catch_a_form_without_the_token(tmp_path, monkeypatch):
    (tmp_path / "bad.html").write_text('<form method="post" action="/x"><button>Go</button>'
                                       "</form>")
    monkeypatch.setitem(globals(), "TEMPLATES", tmp_path)
    assert post_forms_without_csrf() == ["bad.html:1"]


def body_header_token(page_html: str) -> str:
    match = re.search(r'<body[^>]*hx-headers="([^"]+)"', page_html)
    assert match, "no hx-headers on <body>"
    return json.loads(html.unescape(match.group(1)))["X-CSRFToken"]


def supports() -> int:
    return db.session.scalar(select(func.count()).select_from(Support))


HTMX = {"HX-Request": "true", "HX-Boosted": "true"}


def test_an_htmx_post_with_only_the_header_token_succeeds_and_without_it_gets_400(
        client, make, auth):
    make.user(email="sam@example.org")
    idea = make.idea()
    auth.sign_in("sam@example.org")
    token = body_header_token(client.get(f"/ideas/{idea.id}").get_data(as_text=True))

    refused = client.post(f"/ideas/{idea.id}/support", headers=HTMX)
    assert refused.status_code == 400
    assert supports() == 0

    accepted = client.post(f"/ideas/{idea.id}/support", headers={**HTMX, "X-CSRFToken": token})
    assert accepted.status_code == 200
    assert supports() == 1


def test_the_header_token_of_a_page_loaded_before_signing_in_still_works_after(
        client, make, auth):
    """hx-boost swaps the body's content, not its attributes: after a boosted sign-in the
    page keeps the hx-headers it had when it was first loaded."""
    make.user(email="sam@example.org")
    idea = make.idea()
    token = body_header_token(client.get(f"/ideas/{idea.id}").get_data(as_text=True))
    auth.sign_in("sam@example.org")
    response = client.post(f"/ideas/{idea.id}/support", headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert supports() == 1


def test_a_form_post_with_a_forged_token_is_refused(client, make, auth):
    make.user(email="sam@example.org")
    idea = make.idea()
    auth.sign_in("sam@example.org")
    response = client.post(f"/ideas/{idea.id}/support", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert supports() == 0
