"""Every page type is valid HTML: the Nu HTML Checker (vnu) finds no error on any of them,
rendered for the role it is for on the demo council's data (the page list of
tests/every_page.py, so a new page is checked as soon as it joins the sweeps).

The checker is the npm package vnu-jar, pinned and installed into .cache/vnu/ by
``tests/tools/install-vnu``; it runs on Java 11 or later (Debian: default-jre-headless).
Without them this test fails, saying so; it is skipped only when CI_ALLOW_NO_VNU is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .every_page import ADMIN, DEMO_PASSWORD, MODERATOR, PARTNER, RESIDENT, seed_demo, visits

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = Path(os.environ.get("VNU_JAR")
               or ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
INSTALL = ("install it with tests/tools/install-vnu (npm, pinned vnu-jar into .cache/vnu/) "
           "and Java 11+ (Debian: apt-get install -y default-jre-headless)")


def checker() -> list[str]:
    """The command that runs the Nu HTML Checker; fails (or skips, if CI_ALLOW_NO_VNU is
    set) when it is not installed."""
    java = shutil.which("java")
    missing = [what for what, there in (("java", java), (str(VNU_JAR), VNU_JAR.is_file()))
               if not there]
    if missing:
        message = f"The Nu HTML Checker cannot run: {', '.join(missing)} not found; {INSTALL}."
        if os.environ.get("CI_ALLOW_NO_VNU"):
            pytest.skip(message)
        pytest.fail(message)
    return [java, "-Xss4m", "-jar", str(VNU_JAR)]


def validate(files: dict[Path, str]) -> list[str]:
    """Run the checker once over every file; return its errors, each with the pages it is on
    (the same error in a shared template shows once, not once per page)."""
    run = subprocess.run([*checker(), "--errors-only", "--format", "json", "--stdout",
                          "--exit-zero-always", *map(str, files)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"vnu did not run: {run.stderr[-2000:]}"
    by_name = {p.name: page for p, page in files.items()}
    errors: dict[str, tuple[str, list[str]]] = {}
    for m in json.loads(run.stdout)["messages"]:
        if m.get("type") == "error" or m.get("subType") == "fatal":
            name = (m.get("url") or "").rsplit("/", 1)[-1]
            page = f"{by_name.get(name, name)} (line {m.get('lastLine')})"
            extract = " ".join((m.get("extract") or "").split())[:160]
            errors.setdefault(m["message"], (extract, []))[1].append(page)
    return [f"{message}\n    {extract}\n    on {len(pages)} page(s): {'; '.join(pages[:5])}"
            + (" ..." if len(pages) > 5 else "")
            for message, (extract, pages) in errors.items()]


def forms_sent_empty(ids: dict) -> list[tuple[str | None, str]]:
    """One form per area, sent empty: the page again with its error summary and field errors."""
    return [(None, "/sign-in"), (None, "/register"), (RESIDENT, "/ideas/new"),
            (RESIDENT, "/me/password"), (RESIDENT, "/organisations/new"),
            (PARTNER, f"/partners/ideas/{ids['claimable']}/claim"), (MODERATOR, "/assets/new"),
            (ADMIN, "/admin/templates/new")]


def render_every_page(app, out: Path) -> dict[Path, str]:
    """Every page of the shared list, as its role, and each form sent empty, through the
    test client, saved to files."""
    from .conftest import csrf_token

    clients: dict = {}
    files: dict[Path, str] = {}
    problems = []

    def client_for(role):
        if role not in clients:
            client = app.test_client()
            if role:
                signed_in = client.post("/sign-in", data={
                    "email": role, "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
                assert signed_in.status_code == 303, f"{role} could not sign in"
            clients[role] = client
        return clients[role]

    def keep(page, response, status):
        if response.status_code != status:
            problems.append(f"{page}: status {response.status_code}, expected {status}")
            return
        assert response.mimetype == "text/html", page
        path = out / f"page-{len(files):03d}.html"
        path.write_bytes(response.get_data())
        files[path] = page

    ids = seed_demo()
    for visit in visits(ids):
        keep(f"{visit.path} as {visit.role or 'anonymous'}",
             client_for(visit.role).get(visit.path, follow_redirects=True), visit.status)
    for role, form in forms_sent_empty(ids):
        client = client_for(role)
        keep(f"{form} sent empty, as {role or 'anonymous'}",
             client.post(form, data={"csrf_token": csrf_token(client, form)}), 422)
    assert not problems, "\n".join(problems)
    return files


def test_every_page_is_valid_html(app, tmp_path):
    checker()  # before the slow part: say at once if the checker is missing
    files = render_every_page(app, tmp_path)
    errors = validate(files)
    assert not errors, (f"The Nu HTML Checker found {len(errors)} different error(s):\n"
                        + "\n".join(errors))


def test_the_checker_finds_errors_so_a_clean_result_means_something(tmp_path):
    """A bare hx-post attribute (HTML allows data-hx-post) is reported: the checker runs."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
                    '<form method="post" hx-post="/x"><button>Go</button></form></body></html>')
    errors = validate({page: "a page with hx-post"})
    assert any("hx-post" in e for e in errors), errors
