"""The cache of the public figures (services/stats.py) and of list counts (services/ideas.py).

A value is kept per key (what, filters, language, response target, database) with the
``figures`` data version it was computed at (models/versions.py), and for at most
CACHE_SECONDS: a write that changes the data gives a new version, so the next request
computes again; the clock moves the figures too (an unanswered idea becomes overdue).
"""

from __future__ import annotations

import copy
import threading
import time

from flask_babel import get_locale

from ..extensions import db
from ..models import FIGURES, current_token
from .site import response_target_days

CACHE_SECONDS = 60
_CACHE_ENTRIES = 512


class _FiguresCache:
    """Computed values per key, each with the data version it was computed at."""

    def __init__(self):
        self._entries: dict[tuple, tuple[str, float, dict]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, compute) -> dict:
        token = current_token(db.session, FIGURES)
        if token is None:  # nothing written yet (or the tables were emptied): no cache
            return compute()
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None and cached[0] == token and now - cached[1] < CACHE_SECONDS:
            return copy.deepcopy(cached[2])  # callers may change what they are given
        value = compute()
        with self._lock:
            if len(self._entries) >= _CACHE_ENTRIES:
                self._entries.clear()
            self._entries[key] = (token, now, copy.deepcopy(value))
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


figures_cache = _FiguresCache()


def cache_key(*parts) -> tuple:
    """A cache key for ``figures_cache``: ``parts`` and what every cached value depends on."""
    try:
        locale = str(get_locale())
    except (RuntimeError, AttributeError):  # outside a request
        locale = ""
    return (*parts, locale, response_target_days(), str(db.engine.url))
