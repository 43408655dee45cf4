"""Real concurrency for the race tests: each job in its own thread, app context and database
connection, as requests on separate gunicorn workers would be.

A job loads what it needs (as a request does before it acts) and returns the action to race;
the actions start together at a barrier, so their writes really overlap, and each is
committed as a route commits it (``run_with_retry``: SQLite's "database is locked" is retried,
PostgreSQL waits on row locks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from citizenideas.database import run_with_retry
from citizenideas.errors import DomainError
from citizenideas.extensions import db

Job = Callable[[], Callable[[], object]]


def race(app, jobs: list[Job], *, load_first: bool = True
         ) -> tuple[list, list[DomainError], list[str]]:
    """Run ``jobs`` at once. Returns what the winners' actions returned, the DomainErrors the
    losers got (a 409, a refused code...), and any other exception as text (a bug: tests
    assert it is empty).

    ``load_first=False`` starts every thread together and lets each load and act in one go:
    for more threads than the connection pool holds (each thread that has loaded keeps its
    connection until it commits, so more than the pool would wait at the barrier for ever).
    """
    barrier = threading.Barrier(len(jobs))
    wins: list = []
    refusals: list[DomainError] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(job: Job) -> None:
        with app.app_context():
            try:
                if not load_first:
                    barrier.wait(timeout=30)
                action = job()
                if load_first:
                    barrier.wait(timeout=30)
                result = run_with_retry(action)
                with lock:
                    wins.append(result)
            except DomainError as exc:
                db.session.rollback()
                with lock:
                    refusals.append(exc)
            except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
                barrier.abort()
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    return wins, refusals, errors
