"""The full-text index of ideas: its schema on SQLite and on PostgreSQL.

- SQLite: an FTS5 table ``ideas_fts`` over ``ideas.title`` and ``ideas.description``
  (external content: it stores only the index), Porter stemming over the unicode61 tokenizer
  with diacritics kept (so Welsh letters such as ŵ and ŷ stay as they are, as on PostgreSQL),
  kept in step with ``ideas`` by three triggers.
- PostgreSQL: a generated ``ideas.search_vector`` tsvector column ('english' configuration,
  the title weighted A and the description B) with a GIN index.

The same statements are run by ``db.create_all()`` (DDL events on the ideas table below) and by
the migration (``migrations/versions/0001_initial_schema.py`` imports them). The objects are not
mapped, so the migration comparison and autogenerate leave them alone (``include_object``).
"""

from __future__ import annotations

from sqlalchemy import DDL, event

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS ideas_fts USING fts5("
    "title, description, content='ideas', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS ideas_fts_insert AFTER INSERT ON ideas BEGIN "
    "INSERT INTO ideas_fts(rowid, title, description) "
    "VALUES (new.id, new.title, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS ideas_fts_delete AFTER DELETE ON ideas BEGIN "
    "INSERT INTO ideas_fts(ideas_fts, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS ideas_fts_update AFTER UPDATE OF title, description ON ideas "
    "BEGIN "
    "INSERT INTO ideas_fts(ideas_fts, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); "
    "INSERT INTO ideas_fts(rowid, title, description) "
    "VALUES (new.id, new.title, new.description); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS ideas_fts_update",
    "DROP TRIGGER IF EXISTS ideas_fts_delete",
    "DROP TRIGGER IF EXISTS ideas_fts_insert",
    "DROP TABLE IF EXISTS ideas_fts",
)

POSTGRESQL_CREATE = (
    "ALTER TABLE ideas ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_ideas_search_vector ON ideas USING gin (search_vector)",
)
POSTGRESQL_DROP = (
    "DROP INDEX IF EXISTS ix_ideas_search_vector",
    "ALTER TABLE ideas DROP COLUMN IF EXISTS search_vector",
)

# Names of the search objects, which the models do not map.
SEARCH_TABLE_PREFIX = "ideas_fts"  # ideas_fts and FTS5's shadow tables ideas_fts_*
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_ideas_search_vector"


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the full-text objects that live outside the models."""
    if not name:
        return False
    if type_ == "table":
        return name == SEARCH_TABLE_PREFIX or name.startswith(SEARCH_TABLE_PREFIX + "_")
    if type_ == "column":
        return name == SEARCH_COLUMN
    if type_ == "index":
        return name == SEARCH_INDEX
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: leave the full-text objects out of comparisons."""
    return not (reflected and compare_to is None and is_search_object(name, type_))


def create_search_schema(connection) -> None:
    """Create the full-text objects on this connection (idempotent)."""
    statements = (POSTGRESQL_CREATE if connection.dialect.name == "postgresql"
                  else SQLITE_CREATE)
    for statement in statements:
        connection.exec_driver_sql(statement)


def rebuild_search_index(connection) -> None:
    """Rebuild the index from the ideas table (``flask search-reindex``)."""
    create_search_schema(connection)
    if connection.dialect.name == "postgresql":
        # A generated column is always in step; rebuilding the index is all there is to do.
        connection.exec_driver_sql(f"REINDEX INDEX {SEARCH_INDEX}")
    else:
        connection.exec_driver_sql("INSERT INTO ideas_fts(ideas_fts) VALUES ('rebuild')")


def register(table) -> None:
    """Attach the DDL to the ideas table so ``create_all``/``drop_all`` make and drop it."""
    for statement in SQLITE_CREATE:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in SQLITE_DROP:
        event.listen(table, "before_drop", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRESQL_CREATE:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
