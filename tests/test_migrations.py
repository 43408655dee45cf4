"""`flask db upgrade` on an empty database gives exactly the models' schema, and SQLite runs
with WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from citizenideas import create_app
from citizenideas.extensions import db
from citizenideas.models.search import include_object, is_search_object

from .conftest import _pg_admin_url


def _diff_after_upgrade(base_config, url: str) -> list:
    app = create_app({**base_config, "DATABASE_URL": url})
    root_logger_level = logging.getLogger().level
    with app.app_context():
        try:
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={
                    "compare_type": True, "compare_server_default": True,
                    "render_as_batch": True,
                    # The full-text index lives outside the models (models/search.py).
                    "include_object": include_object})
                diff = compare_metadata(context, db.metadata)
                inspector = db.inspect(conn)
                tables = set(inspector.get_table_names())
                search_objects = _search_objects(conn, inspector)
                # Alembic does not compare CHECK constraints: compare their names here.
                checks = 0
                for table in db.metadata.sorted_tables:
                    wanted = {c.name for c in table.constraints
                              if c.__class__.__name__ == "CheckConstraint" and c.name}
                    found = {c["name"] for c in inspector.get_check_constraints(table.name)}
                    checks += len(wanted)
                    if wanted != found:
                        diff.append(("check constraints", table.name, wanted, found))
        finally:
            db.session.remove()
            db.engine.dispose()
    logging.getLogger().setLevel(root_logger_level)
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert checks > 5  # the check-constraint comparison really compared something
    # ... and the migration made the full-text objects that the comparison leaves out.
    assert search_objects >= SEARCH_OBJECTS[_dialect(url)]
    return diff


SEARCH_OBJECTS = {
    "sqlite": {"ideas_fts", "trigger ideas_fts_insert", "trigger ideas_fts_update",
               "trigger ideas_fts_delete"},
    "postgresql": {"column search_vector", "index ix_ideas_search_vector"},
}


def _dialect(url: str) -> str:
    return make_url(url).get_backend_name()


def _search_objects(conn, inspector) -> set[str]:
    names = {t for t in inspector.get_table_names() if is_search_object(t, "table")}
    names |= {f"column {c['name']}" for c in inspector.get_columns("ideas")
              if is_search_object(c["name"], "column")}
    names |= {f"index {i['name']}" for i in inspector.get_indexes("ideas")
              if is_search_object(i["name"], "index")}
    if conn.dialect.name == "sqlite":
        names |= {f"trigger {n}" for (n,) in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ideas'"))}
    return names


def test_upgrade_on_an_empty_sqlite_file_matches_the_models(base_config, tmp_path):
    diff = _diff_after_upgrade(base_config, f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert diff == []


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set")
def test_upgrade_on_an_empty_postgresql_database_matches_the_models(base_config):
    import psycopg

    base = os.environ["TEST_DATABASE_URL"]
    name = f"ci_migrations_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_pg_admin_url(base), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        assert _diff_after_upgrade(base_config, url) == []
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(base_config, tmp_path):
    app = create_app({**base_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        finally:
            db.engine.dispose()
