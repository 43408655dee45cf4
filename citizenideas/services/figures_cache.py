"""The cache of the public figures (services/stats.py), of list counts (services/ideas.py) and
of the council dashboard's idea counts (services/triage.py).

A value is kept per key (what, filters, language, response target, database) with the
``figures`` data version it was computed at (models/versions.py), and is fresh for
CACHE_SECONDS: a write that changes the data gives a new version, so the next request
computes again; the clock moves the figures too (an unanswered idea becomes overdue).

Computing is single-flight, per process:

- When a value has only **aged** (same data version, older than CACHE_SECONDS), the first
  request to notice recomputes it while every other request keeps getting the previous value
  (stale-while-revalidate). At 100,000 ideas the accountability figures take a few hundred
  ms; without this, every request arriving in that time computed them again, all at once.
- When the **data version changed** (a write), nobody is given the old value: the first
  request computes and the others asking for the same key and version wait for its answer
  instead of computing the same thing beside it.

A request given a value past its lifetime is marked (``figures_stale``), and each request
notes when the oldest value it was given stops being fresh (``figures_fresh_until``), so the
page cache (page_cache.py) never keeps a page built from figures longer than the figures
themselves would have been kept.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import g, has_app_context
from flask_babel import get_locale

from ..extensions import db
from ..models import FIGURES, current_token
from .site import response_target_days

CACHE_SECONDS = 60
_CACHE_ENTRIES = 512
# How long a request waits for another's computation before computing itself.
_WAIT_SECONDS = 30


@dataclass
class _Entry:
    token: str
    computed_at: float  # time.monotonic()
    value: object


@dataclass
class _Flight:
    """One computation in progress, for one key at one data version."""

    token: str
    done: threading.Event = field(default_factory=threading.Event)
    entry: _Entry | None = None  # None once done: it failed


class _FiguresCache:
    """Computed values per key, each with the data version it was computed at."""

    def __init__(self):
        self._entries: dict[tuple, _Entry] = {}
        self._flights: dict[tuple, _Flight] = {}
        self._lock = threading.Lock()
        self.computations = 0  # how many values were computed (tests count them)

    def get(self, key: tuple, compute: Callable[[], object]):
        """The value of ``key`` at the current figures version (one primary-key read)."""
        return self.get_at(key, current_token(db.session, FIGURES), compute)

    def get_at(self, key: tuple, token: str | None, compute: Callable[[], object]):
        """The value of ``key`` at data version ``token``, already read by the caller."""
        if token is None:  # nothing written yet (or the tables were emptied): no cache
            return compute()
        while True:
            now = time.monotonic()
            with self._lock:
                cached = self._entries.get(key)
                flight = self._flights.get(key)
                same_version = cached is not None and cached.token == token
                if same_version and now - cached.computed_at < CACHE_SECONDS:
                    return self._given(cached, stale=False)
                if flight is not None and flight.token == token:
                    if same_version:  # aged only: someone is recomputing, serve the last one
                        return self._given(cached, stale=True)
                    mine = False
                else:
                    flight = self._flights[key] = _Flight(token)
                    mine = True
            if mine:
                return self._compute(key, flight, compute)
            if flight.done.wait(_WAIT_SECONDS) and flight.entry is not None:
                return self._given(flight.entry, stale=False)
            if not flight.done.is_set():  # too slow: compute beside it rather than wait on
                return compute()
            # It failed: go round again (this request may be the one to compute now).

    def _compute(self, key: tuple, flight: _Flight, compute: Callable[[], object]):
        try:
            value = compute()
            entry = _Entry(flight.token, time.monotonic(), copy.deepcopy(value))
            with self._lock:
                self.computations += 1
                if len(self._entries) >= _CACHE_ENTRIES:
                    self._entries.clear()
                self._entries[key] = entry
                flight.entry = entry
            _note_lifetime(entry, stale=False)
            return value
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    @staticmethod
    def _given(entry: _Entry, *, stale: bool):
        _note_lifetime(entry, stale=stale)
        return copy.deepcopy(entry.value)  # callers may change what they are given

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def age_all(self, seconds: float) -> None:
        """Make every value ``seconds`` older (tests: the clock moving on)."""
        with self._lock:
            for entry in self._entries.values():
                entry.computed_at -= seconds


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
    return None if until is None else max(0.0, until - time.monotonic())


figures_cache = _FiguresCache()


def cache_key(*parts) -> tuple:
    """A cache key for ``figures_cache``: ``parts`` and what every cached value depends on."""
    try:
        locale = str(get_locale())
    except (RuntimeError, AttributeError):  # outside a request
        locale = ""
    return (*parts, locale, response_target_days(), str(db.engine.url))
