"""Engine settings, and the one place a request's work is committed.

SQLite gets WAL, a busy timeout (``SQLITE_BUSY_TIMEOUT_MS``) and foreign keys on every
connection. ``run_with_retry`` runs a unit of work and commits it once, running it again when
SQLite says "database is locked"; the pages (``web/actions.py``) and the API
(``api/base.py``) both go through it, so services only flush.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from .extensions import db

T = TypeVar("T")
DEFAULT_BUSY_TIMEOUT_MS = 10000


def _sqlite_pragmas(app: Flask):
    def on_connect(dbapi_connection, _record) -> None:
        # Read when a connection opens, so a changed setting applies to new connections.
        timeout = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={timeout:d}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def configure_engine_events(app: Flask) -> None:
    """Attach the SQLite pragmas to the app's engine (no-op on PostgreSQL)."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas(app))
            # pysqlite's own transaction handling defers BEGIN; use BEGIN IMMEDIATE-free default
            # but make sure SERIALIZABLE-style row counters are safe: counters use UPDATE x=x+1.


def is_locked(error: OperationalError) -> bool:
    """SQLite's "database is locked": another connection holds the write lock."""
    return "locked" in str(error).lower()


def run_with_retry(work: Callable[[], T], attempts: int = 5, *, commit: bool = True) -> T:
    """Run ``work`` and commit once; on SQLite's "database is locked" roll back and run it again.

    The single place that retries, and (with the pages' and the API's wrappers around it) the
    single place a request's change is committed. ``work`` must be safe to run again: it is a
    service call, and a rolled-back attempt leaves nothing behind. Any other error rolls back
    and propagates. ``commit=False`` rolls back instead (a preview: the input is checked, nothing
    is kept). PostgreSQL never needs the retry (row locks wait), but it does no harm there.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            if commit:
                db.session.commit()
            else:
                db.session.rollback()
            return result
        except OperationalError as exc:
            db.session.rollback()
            if not is_locked(exc) or attempt == attempts:
                raise
            time.sleep(0.05 * attempt)
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")
