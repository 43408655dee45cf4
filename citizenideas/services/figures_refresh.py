"""Keeping the standard figures computed before anyone asks for them (``flask
figures-refresh``, run from cron every minute).

The standard figures are those most pages show: the home page's headline figures, the
unfiltered /accountability figures (and GET /api/v1/stats), the count of the public /ideas
list without filters, and the council dashboard's idea counts; the accountability figures in
every language the site serves (they hold month and status names). Each is computed and
stored in the shared table (services/figures_cache.py) when it is missing, was computed at an
older data version, or is more than half its lifetime old; otherwise it is left alone.

Safe to run on two hosts at once: each value is claimed before it is computed, and a value
another run is computing is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import g
from flask_babel import force_locale

from ..extensions import db
from ..locale import supported_locales
from .council_dashboard import _open_idea_counts
from .figures_cache import figures_cache, refreshing
from .ideas import search_ideas
from .stats import accountability_figures, headline_figures

# Within one cron minute, a pass every PASS_SECONDS: a value is refreshed once it is half its
# lifetime old, so it is never older than CACHE_SECONDS / 2 + PASS_SECONDS (+ computing).
PASSES = 3
PASS_SECONDS = 20


@dataclass(frozen=True)
class RefreshReport:
    figures: int  # how many standard figures were looked at
    computed: int  # how many of them were computed (the others were fresh enough)


def _standard_figures() -> list[tuple[str | None, Callable[[], object]]]:
    """(language or None when the value holds no text, how to get it through the cache)."""
    figures: list[tuple[str | None, Callable[[], object]]] = [
        (None, headline_figures),
        (None, lambda: search_ideas(None, page=1, per_page=1)),  # the /ideas count
        (None, lambda: _open_idea_counts(read_token=True)),  # the council dashboard
    ]
    figures += [(locale, accountability_figures) for locale in supported_locales()]
    return figures


def refresh_standard_figures() -> RefreshReport:
    """One pass: compute and store each standard figure that is missing, of an older data
    version, or more than half its lifetime old."""
    g.figures_refresh = True  # Flask-Babel's force_locale needs a non-empty g
    before = figures_cache.computations
    standard = _standard_figures()
    with refreshing():
        for locale, get in standard:
            db.session.close()  # each from the data as it is now (SQLite keeps a snapshot)
            if locale is None:
                get()
            else:
                with force_locale(locale):
                    get()
    db.session.close()
    return RefreshReport(figures=len(standard), computed=figures_cache.computations - before)
