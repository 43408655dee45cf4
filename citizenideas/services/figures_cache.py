"""The cache of the public figures (services/stats.py), of list counts (services/ideas.py) and
of the council dashboard's idea counts (services/council_dashboard.py), shared by every process.

A value is kept per key (what, filters, language where it matters, response target) with the
``figures`` data version it was computed at (models/versions.py), and is fresh for
CACHE_SECONDS from when it was computed: a write that changes the data gives a new version,
so the value is computed again; the clock moves the figures too (an unanswered idea becomes
overdue).

Two tiers:

- **In this process** (per app): a request that finds a fresh value at the current version
  costs one primary-key read (the data version).
- **In the database** (``figure_snapshots``, services/figures_store.py): on a miss or an aged
  value, the process reads the shared row (one primary-key read). A fresh row at the current
  version is used and kept in process for the rest of its life, counted from when it was
  computed, so one computation serves every worker on every host.

Computing is single-flight, within a process and across processes:

- When a value has only **aged** (same data version, older than CACHE_SECONDS), the first
  process to claim the shared row recomputes it (the claim is a conditional UPDATE or INSERT
  in its own short transaction), while everyone else keeps getting the previous value
  (stale-while-revalidate). Within a process, one request goes to the database; the others
  are given the previous value at once.
- When the **data version changed** (a write), nobody is given the old value: one process
  claims and computes; the others wait for the row to carry the new version (polling briefly,
  at most _WAIT_SECONDS), or take the claim over when its holder ran out of time (it died,
  figures_store.CLAIM_SECONDS). Within a process, the other requests wait for the one that
  asked the database.

A value is stored only if its data version is still the current one once it has been
computed, so a stored value is exactly that version's. Storing it happens on its own
connection; if that fails, the page is still answered with the value computed (logged). A
request whose own transaction has written (uncommitted) never shares: its figures are its
own. ``flask figures-refresh`` (services/figures_refresh.py, from cron) computes the standard
figures before they age, so that in steady state no request computes.

A request given a value past its lifetime is marked (``figures_stale``), and each request
notes when the oldest value it was given stops being fresh (``figures_fresh_until``), so the
page cache (page_cache.py) never keeps a page built from figures longer than the figures
themselves would have been kept.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app, g, has_app_context
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..extensions import db
from ..locale import default_locale
from ..models import FIGURES, current_token
from . import figures_store as store
from .site import response_target_days

CACHE_SECONDS = 60
_CACHE_ENTRIES = 512
# How long a request waits for another's computation before computing itself.
_WAIT_SECONDS = 30
# Polling the shared row while another process computes: first pause, longest pause.
_POLL_FIRST, _POLL_MOST = 0.02, 0.25

log = logging.getLogger(__name__)
# Set by figures_refresh: compute a value once it is half its lifetime old, not only once
# it has aged, and look past this process's own copy.
_refreshing: ContextVar[bool] = ContextVar("figures_refreshing", default=False)


@dataclass
class _Entry:
    token: str
    computed_at: float  # time.time() when computed (in whichever process computed it)
    value: object

    def age(self) -> float:
        return time.time() - self.computed_at


@dataclass
class _Flight:
    """One request of this process getting a value, for one key at one data version."""

    token: str
    done: threading.Event = field(default_factory=threading.Event)
    entry: _Entry | None = None  # None once done: it failed
    stale: bool = False


class _FiguresCache:
    """Computed values per key, each with the data version it was computed at."""

    def __init__(self):
        self._entries: dict[tuple, _Entry] = {}
        self._flights: dict[tuple, _Flight] = {}
        self._lock = threading.Lock()
        self.computations = 0  # how many values this process computed (tests count them)
        self.shared_reads = 0  # how many times it read the shared table

    def get(self, key: tuple, compute: Callable[[], object]):
        """The value of ``key`` at the current figures version (one primary-key read)."""
        return self.get_at(key, current_token(db.session, FIGURES), compute)

    def get_at(self, key: tuple, token: str | None, compute: Callable[[], object]):
        """The value of ``key`` at data version ``token``, already read by the caller."""
        if token is None:  # nothing written yet (or the tables were emptied): no cache
            return self._compute(compute)
        if _refreshing.get():
            entry, stale = self._shared(key, token, compute, fresh_for=CACHE_SECONDS / 2)
            return self._given(entry, stale=stale)
        while True:
            with self._lock:
                cached = self._entries.get(key)
                flight = self._flights.get(key)
                same_version = cached is not None and cached.token == token
                if same_version and cached.age() < CACHE_SECONDS:
                    return self._given(cached, stale=False)
                if flight is not None and flight.token == token:
                    if same_version:  # aged only: someone is recomputing, serve the last one
                        return self._given(cached, stale=True)
                    mine = False
                else:
                    flight = self._flights[key] = _Flight(token)
                    mine = True
            if mine:
                return self._fill(key, flight, compute)
            if flight.done.wait(_WAIT_SECONDS) and flight.entry is not None:
                return self._given(flight.entry, stale=flight.stale)
            if not flight.done.is_set():  # too slow: compute beside it rather than wait on
                return self._compute(compute)
            # It failed: go round again (this request may be the one to compute now).

    def _fill(self, key: tuple, flight: _Flight, compute: Callable[[], object]):
        """Get the value for this process's waiting requests: from the shared tier, or
        computed."""
        try:
            entry, stale = self._shared(key, flight.token, compute, fresh_for=CACHE_SECONDS)
            with self._lock:
                kept = self._entries.get(key)
                if (kept is None or kept.token != entry.token
                        or kept.computed_at < entry.computed_at):
                    if len(self._entries) >= _CACHE_ENTRIES:
                        self._entries.clear()
                    self._entries[key] = entry
                flight.entry, flight.stale = entry, stale
            return self._given(entry, stale=stale)
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    def _shared(self, key: tuple, token: str, compute: Callable[[], object], *,
                fresh_for: float) -> tuple[_Entry, bool]:
        """The value at ``token`` from the shared table, or computed (by this process if it
        wins the claim); True with it if it is past its lifetime."""
        if not _may_share():
            return self._computed_entry(token, compute), False
        name = store.shared_key(key)
        deadline = time.monotonic() + _WAIT_SECONDS
        pause = _POLL_FIRST
        while True:
            try:
                found = store.read(name)
                with self._lock:
                    self.shared_reads += 1
            except SQLAlchemyError:
                log.exception("figures: could not read the shared figures; computing here")
                return self._computed_entry(token, compute), False
            if found.current_token != token:
                # Written since this request read its version: its figures are its own.
                return self._computed_entry(token, compute), False
            aged = None
            if found.token == token and found.value is not None:
                entry = _Entry(token, found.computed_at.timestamp(), store.decode(found.value))
                if entry.age() < fresh_for:
                    return entry, False
                aged = entry
            if self._claim(name, token, stored=found.stored, fresh_for=fresh_for):
                return self._compute_and_store(name, token, compute, claimed=True), False
            if aged is not None:  # someone else is recomputing: the last value meanwhile
                return aged, aged.age() >= CACHE_SECONDS
            if time.monotonic() >= deadline:  # too slow: compute beside it
                return self._compute_and_store(name, token, compute, claimed=False), False
            time.sleep(pause)
            pause = min(pause * 2, _POLL_MOST)

    @staticmethod
    def _claim(name: str, token: str, *, stored: bool, fresh_for: float) -> bool:
        try:
            return store.claim(name, token, stored=stored, fresh_for=fresh_for)
        except SQLAlchemyError:
            log.exception("figures: could not claim the shared figures; computing here")
            return True  # compute; storing will be tried (and logged if it fails too)

    def _compute_and_store(self, name: str, token: str, compute: Callable[[], object], *,
                           claimed: bool) -> _Entry:
        try:
            entry = self._computed_entry(token, compute)
        except BaseException:
            if claimed:
                _quietly(store.release, name, token)
            raise
        text = store.encode(entry.value)
        if text is None:
            log.warning("figures: a value is not JSON-safe, kept in this process only: %s",
                        type(entry.value).__name__)
            if claimed:
                _quietly(store.release, name, token)
        else:
            _quietly(store.save, name, token,
                     datetime.fromtimestamp(entry.computed_at, UTC), text)
        return entry

    def _computed_entry(self, token: str, compute: Callable[[], object]) -> _Entry:
        value = self._compute(compute)
        return _Entry(token, time.time(), value)

    def _compute(self, compute: Callable[[], object]):
        value = compute()
        with self._lock:
            self.computations += 1
        return value

    @staticmethod
    def _given(entry: _Entry, *, stale: bool):
        _note_lifetime(entry, stale=stale)
        return copy.deepcopy(entry.value)  # callers may change what they are given

    def clear(self) -> None:
        """Forget every value, in this process and in the shared table."""
        with self._lock:
            self._entries.clear()
        store.forget_all()

    def age_all(self, seconds: float) -> None:
        """Make every value ``seconds`` older, here and in the shared table (tests: the
        clock moving on)."""
        with self._lock:
            for entry in self._entries.values():
                entry.computed_at -= seconds
        store.age_all(seconds)


def _quietly(step: Callable, *args) -> None:
    """A write to the shared table that must never fail the page: logged instead."""
    try:
        step(*args)
    except SQLAlchemyError:
        log.exception("figures: could not write the shared figures (the page is answered)")


def _may_share() -> bool:
    """Whether values may go through the shared table now: not from a transaction that has
    written and not committed (its figures may include what it wrote, and on SQLite a claim
    would wait for its lock), and not with an in-memory SQLite database."""
    if db.session.info.get("figures_wrote"):
        return False
    return db.engine.url.database not in (None, "", ":memory:")


@event.listens_for(Session, "after_flush")
def _note_write(session, _flush_context) -> None:
    session.info["figures_wrote"] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("figures_wrote", None)


def _note_lifetime(entry: _Entry, *, stale: bool) -> None:
    """Remember, for the page cache, how long what this request was given stays fresh."""
    if not has_app_context():
        return
    fresh_until = entry.computed_at + CACHE_SECONDS
    g.figures_fresh_until = min(g.get("figures_fresh_until", fresh_until), fresh_until)
    if stale:
        g.figures_stale = True


def fresh_seconds_left() -> float | None:
    """How many seconds the figures this request was given stay fresh (0 if any of them was
    already stale), or None if it was given none."""
    if g.get("figures_stale"):
        return 0.0
    until = g.get("figures_fresh_until")
    return None if until is None else max(0.0, until - time.time())


@contextmanager
def refreshing() -> Iterator[None]:
    """Inside, figures are read from the shared table past this process's copy, and computed
    (and stored) once they are half their lifetime old: for ``flask figures-refresh``."""
    reset = _refreshing.set(True)
    try:
        yield
    finally:
        _refreshing.reset(reset)


class _AppFiguresCache:
    """The figures cache of the current app: one per app, as one per process in production
    (two apps in one test process behave as two processes sharing one database)."""

    def __getattr__(self, name: str):
        caches = current_app.extensions
        cache = caches.get("figures_cache")
        if cache is None:
            cache = caches.setdefault("figures_cache", _FiguresCache())
        return getattr(cache, name)


figures_cache = _AppFiguresCache()


def cache_key(*parts, localised: bool = True) -> tuple:
    """A cache key for ``figures_cache``: ``parts`` and what every cached value depends on
    (the language only when the value holds text: ``localised``)."""
    locale = ""
    if localised:
        try:
            locale = get_locale()
        except (RuntimeError, AttributeError):  # outside a request
            locale = None
        # Outside a request (a command, a thread), text is in the default language.
        locale = str(locale or default_locale())
    return (*parts, locale, response_target_days())
