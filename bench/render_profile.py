"""CPU per request of the signed-in pages, and where it goes.

Signed-in pages are never cached (``no-store``), so each request pays for the whole pipeline:
the before- and after-request hooks, the queries, SQLAlchemy's loading and the Jinja
rendering. This script signs in as the demo moderator through the real sign-in form (Flask
test client, in-process) and, for each page, prints:

- **CPU ms**: the minimum over 3 runs of 20 requests of ``time.process_time`` per request
  (the CPU of this process only: PostgreSQL's own work is not counted);
- **the split** of one more run of 20 requests (inclusive ms per request): each
  before-request, after-request and teardown hook, context processors, the user loader,
  rendering (from Flask's ``before_render_template`` to ``template_rendered``: it includes
  queries that templates trigger), and SQL in the driver (cursor execute);
- **by package** (a third run under cProfile, share of own time): Jinja (the templates'
  compiled code and jinja2), markupsafe, SQLAlchemy, the database driver, Flask/Werkzeug,
  Babel, the app's own code, builtins, other.

Use a seed-loaded database (``bench/run.py`` keeps them with ``BENCH_DB_DIR``), for example::

    APP_ENV=production .venv/bin/python -c "import sys; sys.path[:0] = ['.', 'bench']; \\
        import run; print(run.load_data('sqlite:////tmp/render10k.sqlite', 10000))"
    .venv/bin/python bench/render_profile.py sqlite:////tmp/render10k.sqlite
    .venv/bin/python bench/render_profile.py sqlite:////tmp/render10k.sqlite --top 30 /council

The last table also gives each page as "CPU x minimal": the CPU ms of the minimal Flask+SQLite
page of ``bench/minimal_app.py`` (measured here the same way) over the page's, the ratio
docs/performance.md quotes (issue 11's signed-in target: 0.095x or better).

Options: ``--runs N`` (3), ``--requests N`` (20), ``--top N`` (also print the N functions with
the most cumulative time), ``--html DIR`` (write each page's HTML, with CSRF tokens and
nonces blanked, to DIR/<name>.html: compare two trees' output with ``diff -r``), then page
paths (default: /council, /ideas, an idea with about ten comments, /me, /partners,
/accessibility). Production settings as in ``bench/run.py`` (rate limits off, no 2FA).
"""

from __future__ import annotations

import cProfile
import functools
import os
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("APP_ENV", "production")

from flask import before_render_template, template_rendered  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from citizenideas import create_app  # noqa: E402
from citizenideas.extensions import db, login_manager  # noqa: E402

STAFF_EMAIL = "moderator@example.org"
SECRET = "bench-secret-key-not-for-production"


def app_config(url: str) -> dict:
    return {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
            "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False, "NOTIFY_SEND_AFTER_REQUEST": False,
            "STAFF_2FA_REQUIRED": False}


def sign_in(client) -> None:
    from citizenideas.demo_content import PASSWORD

    html = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/sign-in", data={"email": STAFF_EMAIL, "password": PASSWORD,
                                             "csrf_token": token})
    if response.status_code not in (302, 303):
        raise SystemExit(f"signing in failed: {response.status_code}")


def default_pages(app) -> list[str]:
    from citizenideas.models import Idea

    with app.app_context():
        ten = db.session.scalar(select(Idea.id).where(Idea.hidden.is_(False)).order_by(
            func.abs(Idea.comment_count - 10), Idea.id).limit(1))
    return ["/council", "/ideas", f"/ideas/{ten}", "/me", "/partners", "/accessibility"]


def blank_tokens(html: str) -> str:
    """The page without what changes on every request (CSRF tokens, CSP nonces)."""
    html = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1", html)
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", html)
    html = re.sub(r'(X-CSRFToken&#34;: &#34;)[^&]+', r"\1", html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


class Split:
    """Inclusive CPU time of each hook, rendering and SQL, while ``on``."""

    def __init__(self, app):
        self.totals: dict[str, float] = defaultdict(float)
        self.on = False
        self._render_start: list[float] = []
        for kind, table in (("before", app.before_request_funcs),
                            ("after", app.after_request_funcs),
                            ("teardown", app.teardown_request_funcs),
                            ("context", app.template_context_processors)):
            for key, funcs in table.items():
                table[key] = [self._wrap(f"{kind}: {self._name(f)}", f) for f in funcs]
        login_manager._user_callback = self._wrap("user loader", login_manager._user_callback)
        before_render_template.connect(self._render_begins, app, weak=False)
        template_rendered.connect(self._render_ends, app, weak=False)
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", self._sql_begins)
        event.listen(engine, "after_cursor_execute", self._sql_ends)
        self._sql_start = 0.0

    @staticmethod
    def _name(f) -> str:
        return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', repr(f))}"

    def _wrap(self, label, f):
        @functools.wraps(f)
        def timed(*args, **kwargs):
            if not self.on:
                return f(*args, **kwargs)
            start = time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                self.totals[label] += time.process_time() - start
        return timed

    def _render_begins(self, *_a, **_kw):
        self._render_start.append(time.process_time())

    def _render_ends(self, *_a, **_kw):
        if self._render_start:
            start = self._render_start.pop()
            if self.on and not self._render_start:  # the outermost template only
                self.totals["rendering (Jinja, with what it loads)"] += time.process_time() - start

    def _sql_begins(self, *_a, **_kw):
        self._sql_start = time.process_time()

    def _sql_ends(self, *_a, **_kw):
        if self.on:
            spent = time.process_time() - self._sql_start
            self.totals["SQL in the driver (cursor execute)"] += spent
            self.totals["SQL statements (count)"] += 1


PACKAGES = [("jinja", ("/templates/", "/jinja2/", "govuk_frontend_jinja")),
            ("markupsafe", ("/markupsafe/",)),
            ("sqlalchemy", ("/sqlalchemy/",)),
            ("driver", ("sqlite3", "/psycopg", "method 'execute'", "method 'fetch")),
            ("flask/werkzeug", ("/flask/", "/werkzeug/", "/flask_login/", "/flask_wtf/",
                                "/itsdangerous/", "/flask_limiter/", "/flask_caching/")),
            ("babel", ("/babel/", "/flask_babel/")),
            ("app code", ("/citizenideas/",)),
            ("builtins", ("<built-in", "<method"))]


def package_of(filename: str) -> str:
    for label, needles in PACKAGES:
        if any(n in filename for n in needles):
            return label
    return "other"


def measure(client, path: str, runs: int, requests: int) -> float:
    best = None
    for _ in range(runs):
        start = time.process_time()
        for _ in range(requests):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        per = (time.process_time() - start) * 1000 / requests
        best = per if best is None else min(best, per)
    return best


def minimal_cpu_ms(runs: int, requests: int) -> float:
    """The yardstick: bench/minimal_app.py's page, 20 rows from a scratch SQLite file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="render-profile-") as tmp:
        os.environ["MINIMAL_DB"] = str(Path(tmp) / "minimal.sqlite")
        from minimal_app import app as minimal
        from minimal_app import create_database

        create_database(os.environ["MINIMAL_DB"])
        client = minimal.test_client()
        client.get("/")
        return measure(client, "/", runs, requests)


def main(argv: list[str]) -> None:
    args = list(argv)
    if not args or args[0].startswith("-"):
        raise SystemExit(__doc__)
    url = args.pop(0)
    runs, requests, top, html_dir = 3, 20, 0, None
    paths = []
    while args:
        arg = args.pop(0)
        if arg == "--runs":
            runs = int(args.pop(0))
        elif arg == "--requests":
            requests = int(args.pop(0))
        elif arg == "--top":
            top = int(args.pop(0))
        elif arg == "--html":
            html_dir = Path(args.pop(0))
            html_dir.mkdir(parents=True, exist_ok=True)
        else:
            paths.append(arg)
    app = create_app(app_config(url))
    paths = paths or default_pages(app)
    split = Split(app)
    client = app.test_client()
    sign_in(client)
    summary = []
    for path in paths:
        response = client.get(path)  # warm-up (figures, templates compiled)
        if html_dir is not None:
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            (html_dir / f"{name}.html").write_text(blank_tokens(response.get_data(as_text=True)),
                                                  encoding="utf-8")
        cpu = measure(client, path, runs, requests)
        split.totals.clear()
        split.on = True
        for _ in range(requests):
            client.get(path)
        split.on = False
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            client.get(path)
        profile.disable()
        print(f"\n== {path}: {cpu:.2f} CPU ms a request (min of {runs} x {requests})")
        for label, total in sorted(split.totals.items(), key=lambda kv: -kv[1]):
            if label.endswith("(count)"):
                print(f"   {total / requests:8.1f}    {label}")
            elif total * 1000 / requests >= 0.05:
                print(f"   {total * 1000 / requests:8.2f} ms {label}")
        stats = pstats.Stats(profile)
        own = defaultdict(float)
        for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
            own[package_of(filename if filename != "~" else name)] += tt
        whole = sum(own.values()) or 1
        print("   by package (own time under cProfile, share):",
              ", ".join(f"{k} {v / whole:.0%}" for k, v in sorted(own.items(),
                                                                  key=lambda kv: -kv[1])))
        if top:
            stats.sort_stats("cumulative").print_stats(top)
        summary.append((path, cpu))
    minimal = minimal_cpu_ms(runs, requests)
    print(f"\npage | CPU ms a request | CPU x minimal ({minimal:.2f} ms)")
    for path, cpu in summary:
        print(f"{path} | {cpu:.2f} | {minimal / cpu:.3f}")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
