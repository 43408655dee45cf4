"""One way to cut a list into pages, for the pages, the API lists and the open-data views.

Services build a filtered, sorted query and hand it to :func:`paginate`, which runs two
queries whatever the size of the list (the count and the page) and returns a :class:`Page`.
Routes read the page number with :func:`requested_page`; the API reads ``page`` and
``per_page`` through its ``PageQuery`` schema, bounded by the same limits.

A page number past the end of its list (an old bookmark, a link from when the list was
longer) would show "53 ideas found" above "No ideas match". For the pages, and only for them,
:func:`paginate` raises :class:`PastTheEnd` when the number it was given is one a GET request
asked for through :func:`requested_page`; the error handler answers with a 303 to the last
page, keeping the other query arguments. The API, which never calls ``requested_page``, keeps
answering an empty page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import Select, func, select

from .extensions import db

# A page number beyond this is refused by the API (422) and read as page 1 by the pages;
# it keeps OFFSET within what every database accepts.
MAX_PAGE = 100_000
MAX_PER_PAGE = 100


class PastTheEnd(Exception):
    """The page number a page's query string asked for (``name``) lies past the end of its
    list, whose last page is ``last``."""

    def __init__(self, name: str, last: int):
        super().__init__(f"{name}={last}")
        self.name = name
        self.last = last


class Page(tuple):
    """One page of a list: ``items`` (this page's rows), ``total`` (rows in the whole list),
    ``page`` (from 1) and ``per_page``.

    It is also the pair ``(items, total)``, so ``items, total = search_ideas(...)`` reads as
    it always has.
    """

    page: int
    per_page: int

    def __new__(cls, items: list, total: int, page: int, per_page: int) -> Page:
        self = super().__new__(cls, (items, total))
        self.page = page
        self.per_page = per_page
        return self

    @property
    def items(self) -> list:
        return self[0]

    @property
    def total(self) -> int:
        return self[1]

    @property
    def pages(self) -> int:
        """How many pages there are (1 for an empty list, so "page 1 of 1")."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def paginate(query: Select, page: int | None, per_page: int, *,
             count: Select | int | None = None, offset: bool = True,
             params: dict | None = None) -> Page:
    """Page ``page`` (from 1; anything less is 1) of ``query``, ``per_page`` rows, and the
    total. ``count`` is a cheaper count query when the caller has one (or the total itself,
    when the caller knows it); by default the query itself is counted. Rows are made unique,
    so eager-loaded collections do not repeat them. ``offset=False`` when ``query`` already
    holds just the page's rows (the caller picked them some cheaper way); ``params``: the
    values of ``query``'s bound parameters (a statement built once and reused)."""
    page = max(1, page or 1)
    if count is None:
        count = select(func.count()).select_from(query.order_by(None).subquery())
    total = count if isinstance(count, int) else (db.session.scalar(count) or 0)
    last = max(1, math.ceil(total / per_page))
    if page > last:
        name = _asked_for(page)
        if name is not None:
            raise PastTheEnd(name, last)
    if offset:
        query = query.limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(query, params).unique())
    return Page(items, total, page, per_page)


def _asked_for(page: int) -> str | None:
    """The query argument through which this GET request asked for page ``page``, if any."""
    if not has_request_context():
        return None
    for name, number in g.get("_requested_pages", {}).items():
        if number == page:
            return name
    return None


def requested_page(args: Mapping[str, Any], name: str = "page") -> int:
    """The page number asked for in a page's query string. Anything that is not a whole
    number from 1 to MAX_PAGE (missing, text, 0, negative, huge) is page 1: a page link
    someone mistyped still shows a page."""
    raw = str(args.get(name) or "").strip()
    try:
        number = int(raw)
    except ValueError:
        return 1
    number = number if 1 <= number <= MAX_PAGE else 1
    if (number > 1 and has_request_context() and request.method in ("GET", "HEAD")
            and args is request.args):
        # Remembered so paginate() can send a page past the end to the last page.
        g.setdefault("_requested_pages", {})[name] = number
    return number
