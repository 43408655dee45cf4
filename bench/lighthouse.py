"""Lighthouse (mobile) on the pages a resident opens first: scores and bytes on the wire.

Makes a scratch SQLite database with the demo council, serves it with gunicorn in production
settings (the same as bench/run.py), and runs Lighthouse 12.2.3 (pinned: 13 wants Node 22)
against ``/``, ``/ideas`` and an idea page with its default mobile settings (a mid-range
phone, slow 4G, CPU slowed 4x). Chromium comes from CHROME_PATH (default /usr/bin/chromium);
Lighthouse is installed with npm into .cache/lighthouse/ on first use.

    python bench/lighthouse.py                  # prints a table; LIGHTHOUSE_OUT=file.md too
    LIGHTHOUSE_RUNS=3 python bench/lighthouse.py  # the median of three runs per page
    LIGHTHOUSE_PATHS=/ideas/18 LIGHTHOUSE_KEEP=/tmp/lh python bench/lighthouse.py  # keep reports

Performance scores depend on the machine's load (Lighthouse simulates the throttling from
what it measures), so quote them with the load average this prints.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import app_config, app_env, gunicorn  # noqa: E402

VERSION = "12.2.3"
PREFIX = ROOT / ".cache" / "lighthouse"
BINARY = PREFIX / "node_modules" / ".bin" / "lighthouse"
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "1"))
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def install() -> None:
    package = PREFIX / "node_modules" / "lighthouse" / "package.json"
    if package.exists() and json.loads(package.read_text())["version"] == VERSION:
        return
    PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", str(PREFIX), "--no-save", "--no-audit",
                    "--no-fund", "--no-package-lock", "-E", f"lighthouse@{VERSION}"],
                   check=True, stdout=subprocess.DEVNULL)


def demo_database(directory: str) -> tuple[str, int]:
    """A SQLite file with the demo council; returns its URL and a visible idea with comments."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from citizenideas import create_app
    from citizenideas.demo import seed
    from citizenideas.extensions import db
    from citizenideas.models import Idea

    url = f"sqlite:///{directory}/lighthouse.sqlite"
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        seed()
        db.session.commit()
        idea = db.session.scalar(select(Idea.id).where(Idea.hidden.is_(False))
                                 .order_by(Idea.comment_count.desc(), Idea.id).limit(1))
        db.session.remove()
        db.engine.dispose()
    return url, idea


def audit(url: str) -> dict:
    """One Lighthouse run: the four category scores and the bytes transferred. With
    LIGHTHOUSE_KEEP=<folder> the whole report is kept there too."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [str(BINARY), url, "--output=json", f"--output-path={report.name}", "--quiet",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
            check=True, env={**os.environ, "CHROME_PATH": CHROME})
        text = Path(report.name).read_text()
    if os.environ.get("LIGHTHOUSE_KEEP"):
        keep = Path(os.environ["LIGHTHOUSE_KEEP"])
        keep.mkdir(parents=True, exist_ok=True)
        name = url.split("/", 3)[-1].replace("/", "_") or "home"
        (keep / f"{name}.json").write_text(text)
    data = json.loads(text)
    scores = {name: category["score"] for name, category in data["categories"].items()}
    scores["kb"] = data["audits"]["total-byte-weight"]["numericValue"] / 1024
    scores["lcp_ms"] = data["audits"]["largest-contentful-paint"]["numericValue"]
    scores["tbt_ms"] = data["audits"]["total-blocking-time"]["numericValue"]
    return scores


def main() -> None:
    install()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        url, idea = demo_database(directory)
        env = app_env(url)
        env["RATELIMIT_ENABLED"] = "false"
        with gunicorn("wsgi:app", env, ROOT) as base:
            paths = os.environ.get("LIGHTHOUSE_PATHS", f"/,/ideas,/ideas/{idea}").split(",")
            for path in paths:
                runs = [audit(base + path) for _ in range(RUNS)]
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                rows.append((path, median))
    load = os.getloadavg()[0]
    lines = [f"Lighthouse {VERSION}, mobile, median of {RUNS} run(s), load average {load:.1f}",
             "",
             "| page | performance | accessibility | best practices | SEO | KB transferred "
             "| LCP ms | TBT ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for path, s in rows:
        lines.append(f"| {path} | {s['performance']:.2f} | {s['accessibility']:.2f} | "
                     f"{s['best-practices']:.2f} | {s['seo']:.2f} | {s['kb']:.1f} | "
                     f"{s['lcp_ms']:.0f} | {s['tbt_ms']:.0f} |")
    text = "\n".join(lines)
    print(text)
    if os.environ.get("LIGHTHOUSE_OUT"):
        Path(os.environ["LIGHTHOUSE_OUT"]).write_text(text + "\n")


if __name__ == "__main__":
    main()
