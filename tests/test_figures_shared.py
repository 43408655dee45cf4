"""The figures are shared by every process through the database: what one app instance
computed, another reads (one primary-key read) instead of computing it again; after a write,
no instance is given figures from before it; a claim left by a computation that died is
taken over; ``flask figures-refresh`` computes the standard figures so that requests compute
none.

Two app instances (two ``create_app`` on one database) stand for two processes or hosts:
each has its own in-process cache. Real threads, each with its own app context and
connection; a slow computation is made slow by a delay before each of its statements.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import event, text

from citizenideas import create_app
from citizenideas.extensions import db
from citizenideas.models import FIGURES, FigureSnapshot, Idea, current_token, utcnow
from citizenideas.services import figures_store as store
from citizenideas.services import stats
from citizenideas.services.figures_cache import CACHE_SECONDS, cache_key, figures_cache
from citizenideas.services.figures_refresh import refresh_standard_figures

from .conftest import Auth, FreshContextClient
from .test_stats import dataset  # noqa: F401 - the hand-checked data set, a fixture


@pytest.fixture
def other_app(app, base_config):
    """A second instance of the app on the same database: another process, another host."""
    other = create_app(dict(base_config))
    other.test_client_class = FreshContextClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def cache_of(app_instance):
    """The in-process figures cache of one instance."""
    with app_instance.app_context():
        figures_cache.computations  # made on first use  # noqa: B018
    return app_instance.extensions["figures_cache"]


def accountability_key() -> str:
    return store.shared_key(cache_key("accountability", None, None))


@contextmanager
def slow_statements(app_instance, delay: float):
    """Every statement run by the threads named in the yielded set, on that instance's
    database engine, waits ``delay`` first."""
    slow: set[int] = set()

    def wait(*_args):
        if threading.get_ident() in slow:
            time.sleep(delay)

    with app_instance.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", wait)
    try:
        yield slow
    finally:
        event.remove(engine, "before_cursor_execute", wait)


def in_thread(app_instance, work, results: list, errors: list, *, slow: set | None = None):
    def run():
        with app_instance.app_context():
            try:
                if slow is not None:
                    slow.add(threading.get_ident())
                results.append(work())
            except Exception as exc:  # noqa: BLE001 - asserted by the caller
                errors.append(repr(exc))
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_figures_computed_by_one_instance_are_read_by_the_other(app, other_app, dataset):  # noqa: F811
    before = cache_of(app).computations
    computed = stats.accountability_figures()
    headline = stats.headline_figures()
    assert cache_of(app).computations - before == 2
    with other_app.app_context():
        assert stats.accountability_figures() == computed
        assert stats.headline_figures() == headline
        assert figures_cache.computations == 0
        assert figures_cache.shared_reads == 2
        # ... and kept in that process: the next request reads only the data version.
        stats.accountability_figures()
        assert figures_cache.shared_reads == 2
    # The hand-checked figures (tests/test_stats.py), as the other instance was given them.
    totals = computed["totals"]
    assert (totals["ideas_received"], totals["responded"], totals["within_target"]) == (6, 4, 3)
    assert totals["volunteer_hours_pledged"] == 5.5
    assert totals["volunteer_hours_delivered"] == 12.5


def test_after_a_write_on_one_instance_the_others_wait_for_its_figures(app, other_app, make):
    make.idea()
    stats.accountability_figures()
    with other_app.app_context():
        assert stats.accountability_figures()["totals"]["ideas_received"] == 1
    make.idea()  # a write on the first instance: a new data version
    db.session.remove()
    token = current_token(db.session, FIGURES)
    db.session.remove()
    before = cache_of(app).computations
    results: list = []
    errors: list = []
    with slow_statements(app, 0.1) as slow:
        computing = in_thread(app, lambda: stats.accountability_figures()["totals"]
                              ["ideas_received"], results, errors, slow=slow)
        for _ in range(200):  # until the first instance has claimed the figures
            found = store.read(accountability_key())
            if found.computing_token == token:
                break
            time.sleep(0.02)
        assert found.computing_token == token and found.token != token
        waiting = [in_thread(other_app, lambda: (stats.accountability_figures()["totals"]
                                                 ["ideas_received"]), results, errors)
                   for _ in range(3)]
        for thread in [computing, *waiting]:
            thread.join(timeout=60)
    assert errors == []
    assert results == [2, 2, 2, 2]  # nobody was given the count from before the write
    assert cache_of(app).computations - before == 1
    assert cache_of(other_app).computations == 0  # it read them, then waited for them


def test_aged_figures_being_recomputed_elsewhere_are_served_as_stale(app, other_app, make):
    make.idea()
    computed = stats.accountability_figures()
    figures_cache.age_all(CACHE_SECONDS + 1)
    # The first instance claims the figures to compute them again ...
    assert store.claim(accountability_key(), current_token(db.session, FIGURES),
                       stored=True)
    with other_app.app_context():
        # ... so the other is given the last ones at once, marked stale for the page cache.
        assert stats.accountability_figures() == computed
        assert g.figures_stale
        assert figures_cache.computations == 0


def test_a_claim_left_by_a_computation_that_died_is_taken_over(app, make):
    make.idea()
    token = current_token(db.session, FIGURES)
    long_ago = utcnow() - timedelta(seconds=store.CLAIM_SECONDS + 1)
    assert store.claim(accountability_key(), token, now=long_ago, stored=False)  # then died
    before = figures_cache.computations
    assert stats.accountability_figures()["totals"]["ideas_received"] == 1
    assert figures_cache.computations == before + 1
    found = store.read(accountability_key())
    assert found.token == token and found.computing_until is None


def test_a_live_claim_at_an_older_version_does_not_hold_up_a_newer_one(app, make):
    make.idea()
    old = current_token(db.session, FIGURES)
    assert store.claim(accountability_key(), old, stored=False)  # computing before the write
    make.idea()
    assert stats.accountability_figures()["totals"]["ideas_received"] == 2
    assert store.read(accountability_key()).token == current_token(db.session, FIGURES)


def test_the_refresh_command_fills_the_table_and_then_requests_compute_nothing(
        app, other_app, make):
    moderator = make.user(role="moderator", email="mod@example.org")
    make.idea(first_response_at=utcnow())
    make.idea()
    result = app.test_cli_runner().invoke(args=["figures-refresh", "--passes", "1"])
    assert result.exit_code == 0, result.output
    assert result.output == "figures: computed 5 of 5\n"
    assert db.session.query(FigureSnapshot).count() == 5
    # Run again (or on another host): fresh enough, nothing to compute.
    result = app.test_cli_runner().invoke(args=["figures-refresh", "--passes", "1"])
    assert result.output == "figures: computed 0 of 5\n"

    client = other_app.test_client()  # a worker that has computed nothing yet
    for path in ("/", "/ideas", "/accountability", "/accountability?lang=cy",
                 "/api/v1/stats"):
        assert client.get(path).status_code == 200, path
    Auth(client).sign_in(moderator.email)
    assert client.get("/council").status_code == 200
    assert cache_of(other_app).computations == 0
    assert cache_of(other_app).shared_reads == 5


def test_a_refresh_of_values_half_their_lifetime_old_computes_them_again(app, make):
    make.idea()
    assert refresh_standard_figures().computed == 5
    figures_cache.age_all(CACHE_SECONDS / 2 + 1)
    assert refresh_standard_figures().computed == 5
    make.idea()  # a new data version
    assert refresh_standard_figures().computed == 5


def test_refreshes_on_two_hosts_at_once_compute_each_figure_once(app, other_app, make):
    make.idea()
    db.session.remove()
    results: list = []
    errors: list = []
    with slow_statements(app, 0.02) as slow_one, slow_statements(other_app, 0.02) as slow_two:
        threads = [in_thread(app, lambda: refresh_standard_figures().computed, results, errors,
                             slow=slow_one),
                   in_thread(other_app, lambda: refresh_standard_figures().computed, results,
                             errors, slow=slow_two)]
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    assert sum(results) == 5


def test_figures_a_transaction_has_not_committed_are_never_shared(app, make):
    idea = make.idea()
    db.session.add(Idea(
        title="Uncommitted idea", description=idea.description, category_id=idea.category_id,
        ward_id=idea.ward_id, author_id=idea.author_id, status="submitted",
        reference="T-UNCOMMITTED", created_at=utcnow(), updated_at=utcnow()))
    db.session.flush()
    assert stats.accountability_figures()["totals"]["ideas_received"] == 2
    assert store.read(accountability_key()).token is None
    db.session.rollback()
    assert stats.accountability_figures()["totals"]["ideas_received"] == 1


def test_a_failure_to_store_the_figures_never_fails_the_page(app, client, make, caplog):
    make.idea()
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE figure_snapshots RENAME TO figure_snapshots_away"))
    try:
        with caplog.at_level(logging.ERROR, logger="citizenideas.services.figures_cache"):
            response = client.get("/api/v1/stats")
    finally:
        with db.engine.begin() as connection:
            connection.execute(
                text("ALTER TABLE figure_snapshots_away RENAME TO figure_snapshots"))
    assert response.status_code == 200
    assert response.get_json()["totals"]["ideas_received"] == 1
    assert "could not read the shared figures" in caplog.text


@contextmanager
def shared_writes_refused():
    """A trigger makes every INSERT and UPDATE of figure_snapshots fail, as a full disk or a
    lost connection would."""
    if db.engine.dialect.name == "postgresql":
        make = ["CREATE FUNCTION refuse_figures() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse_figures BEFORE INSERT OR UPDATE ON figure_snapshots "
                "FOR EACH ROW EXECUTE FUNCTION refuse_figures()"]
        undo = ["DROP TRIGGER refuse_figures ON figure_snapshots",
                "DROP FUNCTION refuse_figures()"]
    else:
        make = [f"CREATE TRIGGER refuse_figures_{verb} BEFORE {verb} ON figure_snapshots "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END" for verb in ("INSERT", "UPDATE")]
        undo = [f"DROP TRIGGER refuse_figures_{verb}" for verb in ("INSERT", "UPDATE")]
    with db.engine.begin() as connection:
        for statement in make:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            for statement in undo:
                connection.execute(text(statement))


def test_figures_that_cannot_be_stored_are_still_shown(app, client, make, caplog):
    make.idea()
    stats.accountability_figures()  # stored once, at this version
    make.idea()  # a new version: to be claimed and stored again
    db.session.remove()
    with shared_writes_refused(), caplog.at_level(
            logging.ERROR, logger="citizenideas.services.figures_cache"):
        response = client.get("/api/v1/stats")
    assert response.status_code == 200
    assert response.get_json()["totals"]["ideas_received"] == 2
    assert "could not claim the shared figures" in caplog.text
    assert "could not write the shared figures" in caplog.text


@pytest.mark.parametrize("value", [(1, 2), {1: "a"}, float("nan"), utcnow(), {"a": {2, 3}}])
def test_a_value_that_json_would_change_is_not_stored(value):
    assert store.encode(value) is None


def test_numbers_from_sql_sums_are_stored_as_plain_numbers():
    from decimal import Decimal

    assert store.encode({"hours": Decimal("12.5"), "people": Decimal("40")}) == (
        '{"hours":12.5,"people":40}')
