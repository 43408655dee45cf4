"""Benchmarks: what the busiest pages cost at 1,000, 10,000 and 100,000 ideas.

For each database (SQLite, and PostgreSQL when it answers) and each size, the script makes a
scratch database with the production schema (the migrations), loads the demo council and
``seed-load``'s ideas (one of them with 10,000 comments), serves it with gunicorn (2 workers x
4 threads, production settings) on a free loopback port and drives every page with wrk (or a
Python load generator when wrk is missing). Each block also measures a minimal Flask page
reading 20 rows from SQLite (bench/minimal_app.py) under the same gunicorn setup, and pages
are quoted as a ratio to it, because this machine is shared and its speed varies.

Printed per page and size: requests per second, the ratio to the minimal page, p50 and p99
latency, SQL queries per request (counted through a test client), and at the end each page's
throughput at the largest size as a ratio to the smallest.

    make bench                                   # 1k, 10k, 100k; SQLite and PostgreSQL
    BENCH_QUICK=1 python bench/run.py            # smoke test: 1k only, 1 s per page
    BENCH_SIZES=1000,10000 BENCH_DATABASES=sqlite BENCH_DURATION=3 python bench/run.py

Settings (environment): BENCH_SIZES, BENCH_DATABASES (sqlite,postgresql), BENCH_DURATION
(seconds per page, default 5), BENCH_CONNECTIONS (16), BENCH_PG_URL or TEST_DATABASE_URL (a
PostgreSQL server to make scratch databases on), BENCH_REDIS_URL (rate-limit storage, default
redis://127.0.0.1:6379/13 when it answers; otherwise limits are off), BENCH_OUT (also write
the tables as Markdown to this file), BENCH_WRK (path to wrk; "" forces the Python generator),
BENCH_DB_DIR (keep each seeded database and reuse it in later runs: SQLite files in this
directory, PostgreSQL databases named ``bench_keep_<key>_<size>``, with the pages' targets in a
JSON file here; the key is a hash of the migrations, the demo and seed-load, so a schema or
seed change seeds again; drop them with ``BENCH_DB_DIR=... python bench/run.py --drop-kept``).
"""

from __future__ import annotations

import hashlib
import http.client
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from citizenideas import create_app  # noqa: E402
from citizenideas.demo_content import PASSWORD  # noqa: E402
from citizenideas.extensions import db  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
SIZES = [int(s) for s in os.environ.get(
    "BENCH_SIZES", "1000" if QUICK else "1000,10000,100000").split(",") if s.strip()]
DURATION = float(os.environ.get("BENCH_DURATION", "1" if QUICK else "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
BIG_COMMENTS = int(os.environ.get("BENCH_BIG_COMMENTS", "10000"))
MIN_REQUESTS = int(os.environ.get("BENCH_MIN_REQUESTS", "5" if QUICK else "30"))
LONGEST = int(os.environ.get("BENCH_LONGEST", "5" if QUICK else "20"))
CPU_REPEAT = int(os.environ.get("BENCH_CPU_REPEAT", "5"))
HTTP = os.environ.get("BENCH_HTTP", "1") not in ("", "0")
KEEP_DIR = Path(os.environ["BENCH_DB_DIR"]) if os.environ.get("BENCH_DB_DIR") else None
WARM_UP_TIMEOUT = 300
WORKERS, THREADS = 2, 4
STAFF_EMAIL = "moderator@example.org"
SECRET = "bench-secret-key-not-for-production"


@dataclass
class Page:
    label: str
    path: str
    signed_in: bool = False


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    queries: int | None = None
    cpu_ms: float = float("nan")
    size_kb: float = float("nan")


@dataclass
class Block:
    """One database at one size: the minimal page and every page."""

    database: str
    size: int
    seed_time: str
    minimal: Result
    results: dict[str, Result] = field(default_factory=dict)


# --------------------------------------------------------------------------- databases

def pg_admin_url() -> str | None:
    """The PostgreSQL server to make scratch databases on, if one is configured and answers."""
    url = os.environ.get("BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        return None
    try:
        import psycopg

        with psycopg.connect(plain_pg(url), connect_timeout=3):
            return url
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"PostgreSQL at {url} does not answer ({exc}); measuring SQLite only.")
        return None


def plain_pg(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def seed_key() -> str:
    """What a kept database was built from: the migrations, the demo, seed-load and the long
    idea's size. A kept database is reused only while these are unchanged."""
    digest = hashlib.sha256(str(BIG_COMMENTS).encode())
    sources = [*sorted((ROOT / "migrations" / "versions").glob("*.py")),
               *sorted((ROOT / "citizenideas").glob("demo*.py")),
               ROOT / "citizenideas" / "seed_load.py"]
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


@contextmanager
def scratch_database(kind: str, size: int, tmp: Path, admin_url: str | None):
    """A new empty database for one block, removed afterwards; with BENCH_DB_DIR, a kept
    database (seeded or not yet: see ``kept_targets``) that stays for the next run."""
    if kind == "sqlite":
        if KEEP_DIR:
            KEEP_DIR.mkdir(parents=True, exist_ok=True)
            yield f"sqlite:///{KEEP_DIR / f'bench_keep_{seed_key()}_{size}.sqlite'}"
            return
        path = tmp / f"bench-{size}.sqlite"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = f"bench_keep_{seed_key()}_{size}" if KEEP_DIR else f"bench_{os.getpid()}_{size}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(plain_pg(admin_url), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (name,)).fetchone()
        if KEEP_DIR and exists and kept_targets(kind, url, size) is not None:
            pass  # seeded by an earlier run: reuse it
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        if not KEEP_DIR:
            with psycopg.connect(plain_pg(admin_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _targets_file(kind: str, size: int) -> Path:
    return KEEP_DIR / f"bench_keep_{seed_key()}_{size}.{kind}.json"


def kept_targets(kind: str, url: str, size: int) -> dict | None:
    """The pages' targets of a kept database that an earlier run finished seeding (the JSON
    file is written only after the load committed), or None."""
    if not KEEP_DIR or not _targets_file(kind, size).exists():
        return None
    if kind == "sqlite" and not Path(make_url(url).database).exists():
        return None
    return json.loads(_targets_file(kind, size).read_text(encoding="utf-8"))


def drop_kept(admin_url: str | None) -> None:
    """Remove every kept database and its targets file."""
    for path in KEEP_DIR.glob("bench_keep_*"):
        path.unlink()
    if admin_url:
        import psycopg

        with psycopg.connect(plain_pg(admin_url), autocommit=True) as admin:
            names = [r[0] for r in admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'bench_keep_%'")]
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_config(url: str) -> dict:
    return {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
            "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False, "NOTIFY_SEND_AFTER_REQUEST": False,
            # The signed-in page is measured as a moderator who has signed in: production
            # asks staff for an authenticator code, which a load generator cannot give.
            "STAFF_2FA_REQUIRED": False}


def load_data(url: str, size: int) -> tuple[dict, str]:
    """Schema from the migrations, the demo council and ``size`` more ideas. Returns what
    the pages need (the long idea, a ten-comment idea, a deep page) and the seconds taken."""
    from flask_migrate import upgrade

    from citizenideas.demo import seed
    from citizenideas.models import Idea
    from citizenideas.seed_load import seed_load

    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        seed()
        db.session.commit()
        report = seed_load(size, big_comments=BIG_COMMENTS)
        db.session.commit()
        visible = Idea.hidden.is_(False)
        ten = db.session.scalar(select(Idea.id).where(visible).order_by(
            func.abs(Idea.comment_count - 10), Idea.id).limit(1))
        pages = db.session.scalar(select(func.count(Idea.id)).where(visible)) // 20
        targets = {"big": report.big_idea_id, "ten": ten, "deep": max(1, pages // 2)}
        db.session.remove()
        db.engine.dispose()
    return targets, f"{report.seconds:.0f} s ({report.cpu_seconds:.0f} s CPU)"


def analyze(url: str) -> None:
    """PostgreSQL: vacuum (so index-only scans can skip the table) and gather the planner's
    statistics, as autovacuum would after a bulk load.
    In autocommit: an ANALYZE inside a transaction that is never committed leaves no
    statistics (until session 5 the benchmark's did, so PostgreSQL planned every query of
    the loaded database without any)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    with psycopg.connect(plain_pg(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def pages_for(targets: dict) -> list[Page]:
    return [
        Page("/", "/"),
        Page("/ideas", "/ideas"),
        Page("/ideas?q=library", "/ideas?q=library"),
        Page("/ideas deep page", f"/ideas?page={targets['deep']}"),
        Page("idea, 10,000 comments", f"/ideas/{targets['big']}"),
        Page("idea, ~10 comments", f"/ideas/{targets['ten']}"),
        Page("/accountability", "/accountability"),
        Page("/feeds/ideas.atom", "/feeds/ideas.atom"),
        Page("/api/v1/ideas", "/api/v1/ideas"),
        Page("/council (signed in)", "/council", signed_in=True),
    ]


def cpu_ms(get) -> float:
    """The median CPU time of a request in this process, in ms: unlike wall time, it hardly
    moves when other programs load the machine (for PostgreSQL it leaves out the server)."""
    times = []
    for _ in range(CPU_REPEAT):
        start = time.process_time()
        get()
        times.append((time.process_time() - start) * 1000)
        if times[-1] > 1000 and len(times) >= 2:
            break
    times.sort()
    return times[len(times) // 2]


def measure_in_process(url: str, pages: list[Page]) -> dict[str, tuple[int, float, int]]:
    """SQL statements, CPU ms and bytes (uncompressed) per request, through a test client
    (after one warm-up request of each page, so one-off reads are not counted)."""
    app = create_app(app_config(url))
    measured = {}
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    for page in pages:
        if page.signed_in:
            sign_in_test_client(client)
        client.get(page.path)
        total = 0

        def count(*_args, **_kw):
            nonlocal total
            total += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(page.path)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 200:
            raise SystemExit(f"{page.path} answered {response.status_code} in the test client")
        measured[page.label] = (total, cpu_ms(lambda path=page.path, c=client: c.get(path)),
                                len(response.get_data()))
        if page.signed_in:
            client = app.test_client()
    with app.app_context():
        db.engine.dispose()
    return measured


def minimal_cpu_ms(minimal_db: str) -> float:
    os.environ["MINIMAL_DB"] = minimal_db
    from minimal_app import app as minimal

    client = minimal.test_client()
    client.get("/")
    return cpu_ms(lambda: client.get("/"))


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise SystemExit("no CSRF token on the sign-in page")
    return match.group(1)


def sign_in_test_client(client) -> None:
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"email": STAFF_EMAIL, "password": PASSWORD,
                                             "csrf_token": token})
    if response.status_code not in (302, 303):
        raise SystemExit(f"signing in through the test client failed: {response.status_code}")


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return url
    except Exception:  # noqa: BLE001 - no Redis: run without rate limits
        return None


@contextmanager
def gunicorn(app_spec: str, env: dict, chdir: Path):
    """Serve ``app_spec`` with gunicorn (2 workers x 4 threads) until the block ends.

    Each worker accepts at most its share of the load generator's connections
    (``--worker-connections``): wrk's keep-alive connections are opened once, and without a
    cap one worker sometimes accepted all of them, so the page was served by one process (one
    core, under the GIL) and measured at half its throughput with the same CPU per request
    (session 6: ~1,050 against ~2,500 requests/s, at random pages and sizes)."""
    port = free_port()
    share = max(THREADS + 1, -(-CONNECTIONS // WORKERS))
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads",
               str(THREADS), "--worker-connections", str(share),
               "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir),
               "--log-level", "warning", "--timeout", "120", app_spec]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=chdir)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=30) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn {app_spec} exited: {process.returncode}") \
                        from None
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn {app_spec} did not answer in time") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_env(url: str) -> dict:
    env = {"APP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
           "SESSION_COOKIE_SECURE": "false", "REMEMBER_COOKIE_SECURE": "false",
           "NOTIFY_SEND_AFTER_REQUEST": "false", "STAFF_2FA_REQUIRED": "false",
           "PYTHONPATH": str(ROOT)}
    limits = redis_url()
    if limits:
        env.update(RATELIMIT_ENABLED="true", RATELIMIT_STORAGE_URI=limits)
    else:
        env["RATELIMIT_ENABLED"] = "false"
    return env


def sign_in_over_http(base: str) -> str:
    """Sign in through the real form; the Cookie header to send with signed-in requests."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/sign-in", timeout=60) as response:
        token = csrf_from(response.read().decode())
    form = urllib.parse.urlencode({"email": STAFF_EMAIL, "password": PASSWORD,
                                   "csrf_token": token}).encode()
    with opener.open(base + "/sign-in", data=form, timeout=60) as response:
        response.read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    request = urllib.request.Request(base + "/council", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=120) as response:
        if response.status != 200 or urllib.parse.urlsplit(response.url).path != "/council":
            raise SystemExit("signing in over HTTP did not reach /council")
    return cookie


# --------------------------------------------------------------------------- load

WRK = os.environ.get("BENCH_WRK", shutil.which("wrk") or "")


def warm_up(url: str, headers: dict) -> None:
    """Two rounds of as many requests at once as the server has threads, so that every
    worker has answered the page before it is measured: each worker keeps its own figures
    and (without Redis) page cache, and two requests one after the other often reach the
    same worker, leaving the other to compute the figures while it is being measured (at
    100k ideas on a loaded machine, seconds in which that worker's threads wait)."""
    failures: list[BaseException] = []

    def one() -> None:
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=WARM_UP_TIMEOUT) as response:
                if response.status != 200:
                    failures.append(SystemExit(f"{url} answered {response.status}"))
                response.read()
        except OSError as exc:  # raised again below, as before: the page is not measured
            failures.append(exc)

    for _ in range(2):
        threads = [threading.Thread(target=one) for _ in range(WORKERS * THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]


def drive(url: str, headers: dict | None = None) -> Result:
    """Load one URL for DURATION seconds with CONNECTIONS connections."""
    headers = headers or {}
    warm_up(url, headers)
    if WRK:
        return drive_with_wrk(url, headers)
    return drive_with_threads(url, headers)


def _ms(out: str, percent: str) -> float:
    """A latency percentile from wrk's "Latency Distribution", in milliseconds."""
    match = re.search(percent + r"%\s+([\d.]+)(us|ms|s|m)\b", out)
    if not match:
        return float("nan")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def drive_with_wrk(url: str, headers: dict) -> Result:
    """wrk for DURATION seconds; a page so slow that fewer than MIN_REQUESTS answers came
    back in that time is driven again for longer (up to LONGEST seconds), so that its
    throughput and percentiles rest on more than a handful of requests."""
    seconds = max(1, round(DURATION))
    while True:
        command = [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
                   "--timeout", "60s", url]
        for name, value in headers.items():
            command[1:1] = ["-H", f"{name}: {value}"]
        finished = subprocess.run(command, capture_output=True, text=True)
        if finished.returncode:
            raise SystemExit(f"wrk failed on {url}: {finished.stderr or finished.stdout}")
        out = finished.stdout
        done = re.search(r"(\d+) requests in", out)
        if (done and int(done.group(1)) >= MIN_REQUESTS) or seconds >= LONGEST:
            break
        seconds = min(LONGEST, seconds * 4)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout):? (\d+)",
                                            out))
    return Result(rps, _ms(out, "50"), _ms(out, "99"), errors)


def drive_with_threads(url: str, headers: dict) -> Result:
    """The fallback: CONNECTIONS threads, each with one keep-alive connection."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    stop = time.monotonic() + DURATION
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        mine = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        return Result(0.0, 0.0, 0.0, errors[0])

    def rank(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Result(len(latencies) / elapsed, rank(0.5), rank(0.99), errors[0])


# --------------------------------------------------------------------------- run

def run_block(kind: str, size: int, tmp: Path, admin_url: str | None,
              minimal_env: dict) -> Block:
    with scratch_database(kind, size, tmp, admin_url) as url:
        targets = kept_targets(kind, url, size)
        if targets is not None:
            seed_time = targets.pop("seed_time") + ", kept from an earlier run"
            print(f"\n== {kind}, {size:,} ideas: reusing the kept database", flush=True)
        else:
            print(f"\n== {kind}, {size:,} ideas: loading ...", flush=True)
            if kind == "sqlite" and KEEP_DIR:  # a half-seeded file from a stopped run
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
            targets, seed_time = load_data(url, size)
            if KEEP_DIR:
                _targets_file(kind, size).write_text(
                    json.dumps({**targets, "seed_time": seed_time}), encoding="utf-8")
        print(f"   seed-load took {seed_time}; counting queries ...", flush=True)
        analyze(url)
        pages = pages_for(targets)
        in_process = measure_in_process(url, pages)
        nothing = Result(float("nan"), float("nan"), float("nan"))
        minimal = nothing
        if HTTP:
            with gunicorn("minimal_app:app", minimal_env, ROOT / "bench") as minimal_base:
                minimal = drive(minimal_base + "/")
        minimal.cpu_ms = minimal_cpu_ms(minimal_env["MINIMAL_DB"])
        block = Block(kind, size, seed_time, minimal)
        print(f"   minimal page: {minimal.rps:,.0f} req/s, {minimal.cpu_ms:.2f} CPU ms",
              flush=True)
        with gunicorn("wsgi:app", app_env(url), ROOT) if HTTP else nullcontext() as base:
            cookie = sign_in_over_http(base) if HTTP else ""
            for page in pages:
                headers = {"Cookie": cookie} if page.signed_in else {}
                result = Result(float("nan"), float("nan"), float("nan"))
                if HTTP:
                    try:
                        result = drive(base + page.path, headers)
                    except OSError as exc:  # a server still busy with the last page's queue
                        print(f"   {page.label}: not measured ({exc})", flush=True)
                result.queries, result.cpu_ms, size = in_process[page.label]
                result.size_kb = size / 1024
                block.results[page.label] = result
                print(f"   {page.label:24} {result.rps:8.1f} req/s  "
                      f"{result.rps / minimal.rps:6.3f}x  p50 {result.p50_ms:8.1f} ms  "
                      f"p99 {result.p99_ms:8.1f} ms  {result.queries:3d} queries  "
                      f"{result.cpu_ms:8.1f} CPU ms  {result.size_kb:7.1f} KB"
                      + (f"  {result.errors} errors" if result.errors else ""), flush=True)
    return block


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _n(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"  # NaN: not measured


def report(blocks: list[Block]) -> str:
    lines = []
    for kind in dict.fromkeys(b.database for b in blocks):
        mine = [b for b in blocks if b.database == kind]
        lines += ["", f"### {kind}", "",
                  "| page | ideas | req/s | x minimal | p50 ms | p99 ms | queries | CPU ms "
                  "| CPU x minimal | KB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for b in mine:
            m = b.minimal
            lines.append(f"| minimal Flask+SQLite page | {size_label(b.size)} | {_n(m.rps)} | "
                         f"1 | {_n(m.p50_ms)} | {_n(m.p99_ms)} | 1 | {_n(m.cpu_ms, 2)} | 1 | |")
        for label in mine[0].results:
            for b in mine:
                r = b.results[label]
                lines.append(
                    f"| {label} | {size_label(b.size)} | {_n(r.rps)} | "
                    f"{_n(r.rps / b.minimal.rps, 3)} | {_n(r.p50_ms)} | {_n(r.p99_ms)} | "
                    f"{r.queries} | {_n(r.cpu_ms)} | {_n(b.minimal.cpu_ms / r.cpu_ms, 3)} | "
                    f"{_n(r.size_kb)} |"
                    + (f" {r.errors} errors" if r.errors else ""))
        if len(mine) > 1:
            small, large = mine[0], mine[-1]
            head = f"{size_label(large.size)} vs {size_label(small.size)}"
            lines += ["", f"| page | req/s {size_label(small.size)} | req/s "
                      f"{size_label(large.size)} | {head} req/s (target >= 0.67) | {head} by "
                      "CPU ms |", "|---|---:|---:|---:|---:|"]
            for label in small.results:
                a, z = small.results[label], large.results[label]
                lines.append(f"| {label} | {_n(a.rps)} | {_n(z.rps)} | "
                             f"{_n(z.rps / a.rps if a.rps else float('nan'), 3)} | "
                             f"{_n(a.cpu_ms / z.cpu_ms, 3)} |")
        lines += ["", "seed-load: " + ", ".join(
            f"{size_label(b.size)} in {b.seed_time}" for b in mine)]
    return "\n".join(lines)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} CPUs, {memory:.1f} GiB, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.1f}, "
            f"{'wrk' if WRK else 'Python load generator'}, {CONNECTIONS} connections, "
            f"{DURATION:g} s per page, gunicorn {WORKERS} workers x {THREADS} threads")


def main() -> None:
    # Stopped with SIGTERM: unwind, so the servers stop and scratch databases are dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    admin_url = pg_admin_url()
    if "--drop-kept" in sys.argv[1:]:
        if not KEEP_DIR:
            raise SystemExit("--drop-kept needs BENCH_DB_DIR")
        drop_kept(admin_url)
        return
    kinds = [k.strip() for k in os.environ.get("BENCH_DATABASES", "sqlite,postgresql")
             .split(",") if k.strip()]
    if "postgresql" in kinds and admin_url is None:
        kinds.remove("postgresql")
    started = time.monotonic()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}; sizes "
          f"{', '.join(map(size_label, SIZES))}; databases {', '.join(kinds)}; rate limits "
          f"{'on, in ' + redis_url() if redis_url() else 'off'}", flush=True)
    blocks = []
    with tempfile.TemporaryDirectory(prefix="citizenideas-bench-") as tmp_name:
        tmp = Path(tmp_name)
        from minimal_app import create_database  # bench/ is on sys.path as the script's dir

        create_database(str(tmp / "minimal.sqlite"))
        minimal_env = {"MINIMAL_DB": str(tmp / "minimal.sqlite")}
        for kind in kinds:
            for size in SIZES:
                blocks.append(run_block(kind, size, tmp, admin_url, minimal_env))
    table = report(blocks)
    print(table)
    print(f"\nfinished in {(time.monotonic() - started) / 60:.1f} minutes; "
          f"load average now {os.getloadavg()[0]:.1f}")
    if os.environ.get("BENCH_OUT"):
        Path(os.environ["BENCH_OUT"]).write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
