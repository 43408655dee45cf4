"""The backup and restore procedures in docs/operations.md, run for real: back up a live
database, restore it into a fresh one, and find the same rows in every table.

SQLite always (Python's ``sqlite3.Connection.backup``, and the ``sqlite3`` shell's ``.backup``
and ``.restore`` when it is installed); PostgreSQL (``pg_dump -Fc`` and ``pg_restore``) when
TEST_DATABASE_URL is set and both tools are on PATH.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from citizenideas import create_app
from citizenideas.extensions import db
from citizenideas.services import engagement, lifecycle

from .conftest import _pg_admin_url
from .factories import Factory

OPERATIONS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"


def populate() -> None:
    """People, an idea with a timeline, supports and comments (in the current app)."""
    make = Factory()
    author, moderator = make.user(), make.user(role="moderator")
    idea = make.idea(author=author, title="Benches along the river path")
    for n in range(3):
        fan = make.user()
        engagement.support_idea(fan, idea)
        engagement.post_comment(fan, idea, f"Yes please, number {n}. Ünïcödé too.")
    lifecycle.change_status(moderator, idea, "accepted", "We will fund two benches.")
    db.session.commit()


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: [tuple(row) for row in conn.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in db.metadata.sorted_tables}
    finally:
        engine.dispose()


def assert_same_rows(original: dict, restored: dict) -> None:
    assert len(original["users"]) == 5 and len(original["comments"]) == 3
    assert original["status_changes"] and original["notifications"]
    assert restored == original


def test_the_operations_guide_documents_both_procedures():
    guide = OPERATIONS.read_text()
    for needle in ("pg_dump", "-Fc", "pg_restore", ".backup", ".restore",
                   "sqlite3.connect", "Never copy"):
        assert needle in guide, needle


@pytest.fixture
def live_sqlite(tmp_path, base_config):
    """An SQLite database in WAL mode with rows, its app still connected (a live database:
    recent commits may sit in the -wal file, which a file copy would leave behind)."""
    path = tmp_path / "live.sqlite"
    app = create_app({**base_config, "DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        populate()
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            yield path
        db.session.remove()
        db.engine.dispose()


def test_sqlite_backup_with_python_restores_into_a_fresh_database(live_sqlite, tmp_path):
    backup, fresh = tmp_path / "backup.sqlite", tmp_path / "fresh.sqlite"
    # The procedure from docs/operations.md: Connection.backup, then the same the other way.
    for source_path, target_path in ((live_sqlite, backup), (backup, fresh)):
        with closing(sqlite3.connect(source_path)) as source, \
                closing(sqlite3.connect(target_path)) as target:
            source.backup(target)
    with closing(sqlite3.connect(fresh)) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert_same_rows(snapshot(f"sqlite:///{live_sqlite}"), snapshot(f"sqlite:///{fresh}"))


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_sqlite_backup_with_the_shell_restores_into_a_fresh_database(live_sqlite, tmp_path):
    backup, fresh = tmp_path / "backup.sqlite", tmp_path / "fresh.sqlite"
    subprocess.run(["sqlite3", str(live_sqlite), f".backup '{backup}'"], check=True)
    subprocess.run(["sqlite3", str(fresh), f".restore '{backup}'"], check=True)
    assert_same_rows(snapshot(f"sqlite:///{live_sqlite}"), snapshot(f"sqlite:///{fresh}"))


def _postgres_ready() -> bool:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url.startswith("postgres") and all(shutil.which(t) for t in ("pg_dump", "pg_restore"))


@pytest.mark.skipif(not _postgres_ready(),
                    reason="needs TEST_DATABASE_URL (PostgreSQL) and pg_dump/pg_restore")
def test_postgresql_dump_restores_into_a_fresh_database(app, database_url, tmp_path):
    import psycopg

    populate()
    db.session.remove()
    plain = _pg_admin_url(database_url)  # postgresql://..., as pg_dump wants it
    dump = tmp_path / "citizenideas.dump"
    subprocess.run(["pg_dump", "-Fc", "--file", str(dump), plain], check=True)

    name = f"ci_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_pg_admin_url(os.environ["TEST_DATABASE_URL"]), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        fresh = make_url(plain).set(database=name).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                        "--dbname", fresh, str(dump)], check=True)
        with_driver = make_url(database_url).set(drivername="postgresql+psycopg")
        assert_same_rows(
            snapshot(with_driver.render_as_string(hide_password=False)),
            snapshot(with_driver.set(database=name).render_as_string(hide_password=False)))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
