"""The figures cache computes single-flight: when the figures age out, one request computes
them again while the others are given the previous figures; after a write, the others wait for
that one computation rather than repeat it. A page built from figures past their lifetime is
not kept by the page cache, and no page is kept longer than the figures it shows.

Real threads, each with its own app context and database connection (as gunicorn's threads);
the database is made slow for the computing thread only (a delay before each of its
statements), so the other requests really arrive while it computes.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from flask import g
from sqlalchemy import event

from citizenideas.extensions import db
from citizenideas.models import utcnow
from citizenideas.page_cache import bump_data_version
from citizenideas.services import stats
from citizenideas.services.figures_cache import CACHE_SECONDS, figures_cache

THREADS = 6


@contextmanager
def slow_statements(delay: float = 0.05):
    """Every statement run by the thread that computes the figures waits ``delay`` first;
    which thread that is, is told by ``computing.add(thread ident)``."""
    computing: set[int] = set()

    def wait(*_args):
        if threading.get_ident() in computing:
            time.sleep(delay)

    event.listen(db.engine, "before_cursor_execute", wait)
    try:
        yield computing
    finally:
        event.remove(db.engine, "before_cursor_execute", wait)


def ask_at_once(app, computing: set[int]) -> list[tuple[int, bool]]:
    """THREADS requests for the accountability figures at once: the first thread through the
    barrier is the slow one. Returns (ideas received, given stale figures) per thread."""
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, bool]] = []
    errors: list[str] = []
    lock = threading.Lock()
    first = threading.Event()

    def ask():
        with app.app_context():
            try:
                if barrier.wait(timeout=30) == 0:
                    computing.add(threading.get_ident())
                    first.set()
                else:
                    first.wait(5)
                    time.sleep(0.15)  # the slow thread is computing by now
                figures = stats.accountability_figures()
                with lock:
                    answers.append((figures["totals"]["ideas_received"],
                                    bool(g.get("figures_stale"))))
            except Exception as exc:  # noqa: BLE001 - asserted below
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return answers


def test_aged_figures_are_recomputed_once_while_the_others_get_the_last_ones(app, make):
    make.idea(first_response_at=utcnow())
    db.session.commit()
    assert stats.accountability_figures()["totals"]["ideas_received"] == 1
    figures_cache.age_all(CACHE_SECONDS + 1)
    before = figures_cache.computations
    with slow_statements() as computing:
        answers = ask_at_once(app, computing)
    assert figures_cache.computations - before == 1
    assert sorted(answers) == [(1, False)] + [(1, True)] * (THREADS - 1)
    # Computed again: fresh for everyone from now on.
    db.session.remove()
    assert stats.accountability_figures()["totals"]["ideas_received"] == 1
    assert not g.get("figures_stale")


def test_after_a_write_the_others_wait_for_the_one_computation(app, make):
    make.idea()
    db.session.commit()
    assert stats.accountability_figures()["totals"]["ideas_received"] == 1
    make.idea()
    db.session.commit()  # a new data version: the cached figures are of the past
    db.session.remove()
    before = figures_cache.computations
    with slow_statements() as computing:
        answers = ask_at_once(app, computing)
    assert figures_cache.computations - before == 1
    assert answers == [(2, False)] * THREADS  # nobody was given the old count


def test_a_page_is_kept_no_longer_than_its_figures_and_not_at_all_when_they_were_stale(
        app, make):
    make.idea()
    db.session.commit()
    stats.accountability_figures()
    db.session.remove()
    figures_cache.age_all(CACHE_SECONDS - 15)  # the figures have 15 seconds left
    page = app.test_client().get("/accountability")
    assert page.headers["X-Cache"] == "miss"
    kept_for = int(page.headers["Cache-Control"].removeprefix("public, max-age="))
    assert 10 <= kept_for <= 15  # less the time the page took to build
    assert app.test_client().get("/accountability").headers["X-Cache"] == "hit"

    figures_cache.age_all(20)  # past their lifetime
    bump_data_version()  # as any write would: the page is built again
    seen: dict[str, str] = {}
    with slow_statements(0.1) as computing:
        def recompute():
            with app.app_context():
                computing.add(threading.get_ident())
                stats.accountability_figures()
                db.session.remove()

        worker = threading.Thread(target=recompute)
        worker.start()
        time.sleep(0.3)  # it has read the data version and is computing
        during = app.test_client().get("/accountability")
        seen["during"] = during.headers.get("X-Cache", "")
        worker.join(timeout=60)
    assert during.status_code == 200
    # Built from the stale figures while the other thread recomputed: answered, not kept.
    assert seen["during"] == "" and during.headers.get("Cache-Control") != "public, max-age=60"
    after = app.test_client().get("/accountability")
    assert after.headers["X-Cache"] == "miss"
    assert after.headers["Cache-Control"] == "public, max-age=60"
