"""Benchmarks: how the busiest pages cost as the data grows.

Loads the demo council into a scratch SQLite database, times each page and counts its SQL
queries, then adds many more ideas (with supports and timeline rows) and measures again.
Times are quoted as ratios to a baseline page (/accessibility: a template and no domain
queries) measured in the same run, because this machine is shared and noisy; query counts
are exact and should not grow with the data.

    make bench                 # default: +5,000 ideas
    BENCH_EXTRA_IDEAS=20000 make bench
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from citizenideas import create_app  # noqa: E402
from citizenideas.extensions import db  # noqa: E402
from citizenideas.models import Category, Idea, StatusChange, User, Ward, utcnow  # noqa: E402

PAGES = ["/accessibility", "/", "/ideas", "/ideas?sort=newest&page=3", "/ideas?q=library",
         "/outcomes", "/accountability", "/assets", "/feeds/ideas.atom"]
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def measure(app, client, path: str) -> tuple[float, int]:
    """Median seconds over REPEAT requests, and the SQL query count of one request."""
    count = 0

    def _count(*_a, **_k):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", _count)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def add_ideas(app, n: int) -> None:
    rng = random.Random(7)
    with app.app_context():
        wards = list(db.session.scalars(select(Ward.id)))
        cats = list(db.session.scalars(select(Category.id)))
        authors = list(db.session.scalars(select(User.id)))
        now = utcnow()
        rows = []
        statuses = ["submitted", "under_review", "accepted", "declined", "in_delivery"]
        for i in range(n):
            created = now - timedelta(days=rng.randint(0, 365), minutes=i)
            rows.append(dict(title=f"Bench idea {i} about the library garden and park",
                             description="A generated idea used to measure list pages. " * 3,
                             category_id=rng.choice(cats), ward_id=rng.choice(wards),
                             author_id=rng.choice(authors), status=rng.choice(statuses),
                             support_count=rng.randint(0, 50), comment_count=0, hidden=False,
                             created_at=created, updated_at=created, reference=f"BENCH-{i:06d}"))
        db.session.execute(insert(Idea), rows)
        ids = list(db.session.scalars(select(Idea.id).where(Idea.reference.like("BENCH-%"))))
        db.session.execute(insert(StatusChange), [
            dict(idea_id=i, event="status", from_status=None, to_status="submitted",
                 message="", created_at=now) for i in ids])
        db.session.commit()


def main() -> None:
    extra = int(os.environ.get("BENCH_EXTRA_IDEAS", "5000"))
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"APP_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
                          "RATELIMIT_ENABLED": False, "NOTIFY_SEND_AFTER_REQUEST": False})
        with app.app_context():
            db.create_all()
            from citizenideas.demo import seed

            seed()
            db.session.commit()
            small = db.session.scalar(select(db.func.count(Idea.id)))
        client = app.test_client()
        before = {p: measure(app, client, p) for p in PAGES}
        add_ideas(app, extra)
        with app.app_context():
            large = db.session.scalar(select(db.func.count(Idea.id)))
        after = {p: measure(app, client, p) for p in PAGES}

    base_small, base_large = before[PAGES[0]][0], after[PAGES[0]][0]
    print(f"ideas: {small} -> {large}; median of {REPEAT} requests; baseline {PAGES[0]}")
    print(f"{'page':32} {'queries':>15} {'x baseline (small)':>19} {'x baseline (large)':>19}")
    for p in PAGES:
        (t1, q1), (t2, q2) = before[p], after[p]
        flag = "" if q1 == q2 else "  <- query count grows with data"
        print(f"{p:32} {q1:>7} -> {q2:<6} {t1 / base_small:>19.1f} {t2 / base_large:>19.1f}{flag}")


if __name__ == "__main__":
    main()
