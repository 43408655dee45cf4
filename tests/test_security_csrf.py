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

from .conftest import PASSWORD, csrf_token

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


def test_a_boosted_sign_in_loads_a_whole_page_so_htmx_sends_the_new_csrf_token(client, make):
    """Signing in replaces the CSRF secret, and hx-boost swaps the body's content but keeps its
    attributes (hx-headers holds the token): so a boosted sign-in answers with HX-Redirect, a
    full page load, and the token of the page from before signing in is refused."""
    make.user(email="sam@example.org")
    idea = make.idea()
    old = body_header_token(client.get(f"/ideas/{idea.id}").get_data(as_text=True))
    response = client.post("/sign-in", headers=HTMX, data={
        "email": "sam@example.org", "password": PASSWORD, "next": f"/ideas/{idea.id}",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/ideas/{idea.id}"
    page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "You are signed in" in page
    fresh = body_header_token(page)
    assert fresh != old
    stale = client.post(f"/ideas/{idea.id}/support", headers={**HTMX, "X-CSRFToken": old})
    assert stale.status_code == 400
    assert supports() == 0
    accepted = client.post(f"/ideas/{idea.id}/support", headers={**HTMX, "X-CSRFToken": fresh})
    assert accepted.status_code == 200
    assert supports() == 1


def test_a_form_post_with_a_forged_token_is_refused(client, make, auth):
    make.user(email="sam@example.org")
    idea = make.idea()
    auth.sign_in("sam@example.org")
    response = client.post(f"/ideas/{idea.id}/support", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert supports() == 0
