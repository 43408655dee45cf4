"""The shared tier of the figures cache: computed values in the ``figure_snapshots`` table
(models/figures.py), so that one process's computation serves every process and host.

Every function here runs on its own connection in its own short transaction
(``db.engine.begin()``), never on the request's session: a claim or a stored value is
committed at once, whatever the request does next, and the request's own transaction is left
alone. Callers treat a database error here as "no shared value" and carry on without it.

Values are stored as JSON, never pickled. ``encode`` refuses a value that would not come back
from JSON exactly as it went in (a tuple, a dict with number keys, a date, NaN), so no process
is ever given figures of a different shape from the ones it would compute.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, exists, literal, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import FIGURES, DataVersion, FigureSnapshot, UTCDateTime, utcnow

# How long a claim to compute holds: past it, the claimer is taken for dead.
CLAIM_SECONDS = 20


@dataclass(frozen=True)
class Snapshot:
    """What the shared table says about one key, read with the current data version."""

    current_token: str | None  # the figures' data version now
    stored: bool  # whether the key has a row (a value, or a claim)
    token: str | None  # the version the stored value was computed at (None: no value)
    computed_at: datetime | None
    value: str | None  # JSON
    computing_until: datetime | None
    computing_token: str | None


def shared_key(key: tuple) -> str:
    """A stable name for a cache key, the same in every process: SHA-256 of its JSON."""
    text = json.dumps(list(key), separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _explicit(value):
    """The JSON form of the few non-JSON types the figures may hold, converted on purpose."""
    if isinstance(value, Decimal):  # a SUM on PostgreSQL
        return int(value) if value == value.to_integral_value() else float(value)
    if type(value).__name__ == "LazyString":  # a lazy_gettext label: text in this language
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-safe")


def encode(value) -> str | None:
    """``value`` as JSON, or None when it would not come back equal to itself."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          default=_explicit)
    except (TypeError, ValueError):
        return None
    return text if json.loads(text) == value else None


def decode(text: str):
    return json.loads(text)


def read(key: str) -> Snapshot:
    """The stored value of ``key`` and the current data version: one statement, two
    primary-key reads."""
    with db.engine.connect() as connection:
        row = connection.execute(
            select(DataVersion.token, FigureSnapshot.key.is_not(None), FigureSnapshot.token,
                   FigureSnapshot.computed_at, FigureSnapshot.value,
                   FigureSnapshot.computing_until, FigureSnapshot.computing_token)
            .select_from(DataVersion)
            .outerjoin(FigureSnapshot, FigureSnapshot.key == key)
            .where(DataVersion.key == FIGURES)).first()
    if row is None:  # no data version yet
        return Snapshot(None, False, None, None, None, None, None)
    return Snapshot(row[0], bool(row[1]), *row[2:])


def _is_current(token: str):
    return exists().where(DataVersion.key == FIGURES, DataVersion.token == token)


def claim(key: str, token: str, now: datetime | None = None, *, stored: bool = True,
          fresh_for: float | None = None) -> bool:
    """Claim the right to compute ``key`` at data version ``token``: one statement, an UPDATE
    of the key's row, or the INSERT that makes it when ``stored`` is False (as ``read`` said).
    True if this caller has the claim.

    Refused while someone else holds a live claim at the same version; when ``token`` is no
    longer the current version (the caller's figures would be out of date anyway); and when
    the row holds a value at ``token`` younger than ``fresh_for`` seconds (stored by someone
    else since the caller read it). Of two first claims at once, one makes the row.
    """
    now = now or utcnow()
    until = now + timedelta(seconds=CLAIM_SECONDS)
    with db.engine.begin() as connection:
        if not stored:
            make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            made = connection.execute(
                make(FigureSnapshot)
                .from_select(["key", "computing_until", "computing_token"],
                             select(literal(key), literal(until, UTCDateTime()), literal(token))
                             .where(_is_current(token)))
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(FigureSnapshot.key)).first()
            return made is not None
        not_fresh = true()
        if fresh_for is not None:
            not_fresh = (FigureSnapshot.token.is_(None) | (FigureSnapshot.token != token)
                         | FigureSnapshot.computed_at.is_(None)
                         | (FigureSnapshot.computed_at <= now - timedelta(seconds=fresh_for)))
        return bool(connection.execute(
            update(FigureSnapshot)
            .where(FigureSnapshot.key == key, _is_current(token), not_fresh,
                   FigureSnapshot.computing_until.is_(None)
                   | (FigureSnapshot.computing_until < now)
                   | FigureSnapshot.computing_token.is_(None)
                   | (FigureSnapshot.computing_token != token))
            .values(computing_until=until, computing_token=token)).rowcount)


def save(key: str, token: str, computed_at: datetime, text: str) -> bool:
    """Store a value computed at ``token``, only if ``token`` is still the current version
    (checked after computing: then no write happened while it was computed, so the value is
    exactly that version's). Ends this version's claim. True if stored."""
    with db.engine.begin() as connection:
        return bool(connection.execute(
            update(FigureSnapshot)
            .where(FigureSnapshot.key == key, _is_current(token))
            .values(token=token, computed_at=computed_at, value=text,
                    computing_until=case((FigureSnapshot.computing_token == token, None),
                                         else_=FigureSnapshot.computing_until),
                    computing_token=case((FigureSnapshot.computing_token == token, None),
                                         else_=FigureSnapshot.computing_token))).rowcount)


def release(key: str, token: str) -> None:
    """Give up a claim at ``token`` without a value (the computation failed)."""
    with db.engine.begin() as connection:
        connection.execute(
            update(FigureSnapshot)
            .where(FigureSnapshot.key == key, FigureSnapshot.computing_token == token)
            .values(computing_until=None, computing_token=None))


def forget_all() -> None:
    """Delete every stored value (tests, and ``figures_cache.clear``)."""
    with db.engine.begin() as connection:
        connection.execute(FigureSnapshot.__table__.delete())


def age_all(seconds: float) -> None:
    """Make every stored value ``seconds`` older (tests: the clock moving on)."""
    with db.engine.begin() as connection:
        rows = connection.execute(select(FigureSnapshot.key, FigureSnapshot.computed_at)
                                  .where(FigureSnapshot.computed_at.is_not(None))).all()
        for key, computed_at in rows:
            connection.execute(update(FigureSnapshot).where(FigureSnapshot.key == key)
                               .values(computed_at=computed_at - timedelta(seconds=seconds)))

