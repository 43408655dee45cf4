"""Data versions: a token per cached view that changes in the same transaction as its data.

Every flush that adds, deletes or changes a row the public figures are computed from gives the
``figures`` token a fresh value, whichever service wrote it: ideas (only the columns the
figures read, so a support or a comment leaves the cache alone), outcome reports, residents'
answers to "Was it done?" (outcome verifications), offers of help, wards, categories and site
settings (the response target). ORM bulk UPDATE/DELETE/INSERT statements on those tables do
too.
"""

from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .base import utcnow
from .delivery import OutcomeReport, OutcomeVerification
from .ideas import Idea, Pledge
from .places import Category, Ward
from .settings import DataVersion, SiteSetting

FIGURES = "figures"

# The idea columns the figures read (services/stats.py), and those the council dashboard's
# cached counts read (services/council_dashboard.py: decided_at, merged_into_id).
FIGURE_COLUMNS = frozenset({"status", "hidden", "ward_id", "category_id", "created_at",
                            "first_response_at", "delivered_at", "decided_at",
                            "merged_into_id"})
_ANY_CHANGE = (OutcomeReport, OutcomeVerification, Pledge, Ward, Category, SiteSetting)
_TABLES = {model.__tablename__ for model in (Idea, *_ANY_CHANGE)}


def current_token(session, key: str = FIGURES) -> str | None:
    """The token of ``key`` now (None before the first change): one primary-key read."""
    return session.scalar(_token_statement(), {"key": key})


@cache
def _token_statement():
    """Built once: it is read on most requests, and building costs more than reading."""
    return select(DataVersion.token).where(DataVersion.key == bindparam("key"))


def bump(connection, key: str = FIGURES) -> None:
    """Give ``key`` a fresh token (insert or update, safe under concurrent writers)."""
    values = {"key": key, "token": uuid.uuid4().hex, "updated_at": utcnow()}
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(DataVersion).values(**values)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["key"], set_={"token": statement.excluded.token,
                                      "updated_at": statement.excluded.updated_at}))


def _changes_figures(obj, *, dirty: bool) -> bool:
    if isinstance(obj, _ANY_CHANGE):
        return True
    if isinstance(obj, Idea):
        if not dirty:
            return True
        state = inspect(obj)
        return any(state.attrs[name].history.has_changes() for name in FIGURE_COLUMNS)
    return False


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context) -> None:
    if (any(_changes_figures(o, dirty=False) for o in (*session.new, *session.deleted))
            or any(_changes_figures(o, dirty=True) for o in session.dirty)):
        bump(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_statement(orm_execute_state) -> None:
    if not (orm_execute_state.is_update or orm_execute_state.is_delete
            or orm_execute_state.is_insert):
        return
    statement = orm_execute_state.statement
    table = getattr(getattr(statement, "table", None), "name", None)
    if table not in _TABLES:
        return
    if orm_execute_state.is_update and table == Idea.__tablename__:
        changed = {getattr(column, "key", column) for column, value in
                   (getattr(statement, "_values", None) or {}).items()
                   if getattr(value, "key", None) != getattr(column, "key", column)}
        # A counter (supports, comments) or a row lock (status = status): the figures do not
        # change.
        if not (changed & FIGURE_COLUMNS):
            return
    bump(orm_execute_state.session.connection())
