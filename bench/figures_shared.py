"""What the figures cost a second app instance once a first one has computed them (issue 11).

Before the shared figures (services/figures_cache.py), every process computed the figures on
its first request and after every write; now it reads the row another process stored. For
each of ``rounds`` rounds, on a database you have seeded (``flask seed-load --ideas N``):
a first instance computes the figures with nothing shared (the cost every process paid), a
second, new instance gets them (its first request: new connections, one row read), the same
instance again without its own copy (the row read alone), a whole /accountability page as the
first request of a new instance with and without a stored row, and one figures-refresh pass.
In process: no server, no load generator. It empties figure_snapshots as it goes.

    APP_ENV=development .venv/bin/python bench/figures_shared.py sqlite:////tmp/load.sqlite 5
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from citizenideas import create_app  # noqa: E402
from citizenideas.extensions import db  # noqa: E402
from citizenideas.services import stats  # noqa: E402
from citizenideas.services.figures_cache import figures_cache  # noqa: E402
from citizenideas.services.figures_refresh import refresh_standard_figures  # noqa: E402

url = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
config = {"DATABASE_URL": url, "PAGE_CACHE": False, "RATELIMIT_ENABLED": False}


def timed(work):
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def ms(values):
    middle, low, high = statistics.median(values), min(values), max(values)
    return f"median {middle:8.1f} ms  (min {low:.1f}, max {high:.1f})"


results = {name: [] for name in ("compute_acc", "compute_head", "second_acc", "second_head",
                                  "page_before", "page_after", "refresh", "warm_acc",
                                  "warm_head")}
for _ in range(rounds):
    first = create_app(dict(config))
    with first.app_context():
        figures_cache.clear()  # nothing shared: as before, a process computes
        results["compute_acc"].append(timed(stats.accountability_figures))
        results["compute_head"].append(timed(stats.headline_figures))
        db.session.remove()
    second = create_app(dict(config))
    with second.app_context():
        results["second_acc"].append(timed(stats.accountability_figures))
        results["second_head"].append(timed(stats.headline_figures))
        assert figures_cache.computations == 0, figures_cache.computations
        db.session.remove()
        # The same instance, connections warm, its own copy gone: the shared read alone.
        figures_cache._entries.clear()
        results["warm_acc"].append(timed(stats.accountability_figures))
        figures_cache._entries.clear()
        results["warm_head"].append(timed(stats.headline_figures))
        assert figures_cache.computations == 0
        db.session.remove()
    # Whole page, first request of a fresh instance: with nothing shared, then shared.
    third = create_app(dict(config))
    with third.app_context():
        figures_cache.clear()
    results["page_before"].append(timed(lambda app=third: app.test_client().get("/accountability")))
    fourth = create_app(dict(config))
    results["page_after"].append(timed(lambda app=fourth: app.test_client().get("/accountability")))
    with fourth.app_context():
        assert figures_cache.computations == 0
    fifth = create_app(dict(config))
    with fifth.app_context():
        figures_cache.clear()
        results["refresh"].append(timed(refresh_standard_figures))
    for app in (first, second, third, fourth, fifth):
        with app.app_context():
            db.engine.dispose()

with create_app(dict(config)).app_context():
    from sqlalchemy import func, select

    from citizenideas.models import Idea
    print("ideas:", db.session.scalar(select(func.count(Idea.id))), "database:",
          db.engine.dialect.name, "rounds:", rounds)
labels = {
    "compute_acc": "accountability_figures(), computed (before: every process)",
    "second_acc": "accountability_figures(), 2nd instance reads the shared row",
    "warm_acc": "accountability_figures(), warm instance, shared row read",
    "compute_head": "headline_figures(), computed",
    "second_head": "headline_figures(), 2nd instance reads the shared row",
    "warm_head": "headline_figures(), warm instance, shared row read",
    "page_before": "GET /accountability, fresh instance, nothing shared",
    "page_after": "GET /accountability, fresh instance, shared row",
    "refresh": "figures-refresh pass, all 5 standard figures computed",
}
for key, label in labels.items():
    print(f"{label:62s} {ms(results[key])}")
