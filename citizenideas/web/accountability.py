"""Public accountability: "You said, we did", how we are doing, open data and Atom feeds.

Everything here is public and read-only. Figures come from services.stats, rows from
services.opendata, feeds from services.feeds; the views only read filters and choose a format.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from ..page_cache import public_page
from ..pagination import requested_page
from ..services import feeds, opendata
from ..services.stats import accountability_figures
from .forms import int_field

bp = Blueprint("accountability", __name__)

PER_PAGE = 10
CACHE = "public, max-age=300"


def _filters() -> tuple[int | None, int | None]:
    """ward_id and category_id from the query string (anything unusable counts as no filter)."""
    return (int_field("ward_id", request.args), int_field("category_id", request.args))


def _query(ward_id: int | None, category_id: int | None) -> dict:
    """The active filters as URL parameters (for download, pagination and feed links)."""
    return {k: v for k, v in (("ward_id", ward_id), ("category_id", category_id))
            if v is not None}


def _page() -> int:
    return requested_page(request.args)


def _csv(name: str, rows, fields) -> Response:
    response = Response(stream_with_context(opendata.to_csv(rows, fields)),
                        mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = CACHE
    return response


def _json(name: str, body: dict) -> Response:
    response = Response(opendata.to_json(body), mimetype="application/json")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.json"'
    response.headers["Cache-Control"] = CACHE
    return response


def _atom(document: bytes) -> Response:
    response = Response(document, mimetype="application/atom+xml")
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/outcomes")
@public_page
def outcomes():
    """"You said, we did": published outcomes, newest first, filtered and paginated in SQL."""
    ward_id, category_id = _filters()
    found = opendata.list_published_outcomes(ward_id, category_id, page=_page(),
                                             per_page=PER_PAGE)
    wards, categories = opendata.filter_choices()
    return render_template("public/outcomes.html", reports=found.items, total=found.total,
                           page=found.page, per_page=PER_PAGE, pages=found.pages,
                           wards=wards, categories=categories,
                           filters={"ward_id": ward_id, "category_id": category_id},
                           query=_query(ward_id, category_id))


@bp.get("/accountability")
@public_page
def accountability():
    """How we are doing: response times, decisions and delivery, with charts and tables."""
    ward_id, category_id = _filters()
    figures = accountability_figures(ward_id=ward_id, category_id=category_id)
    wards, categories = opendata.filter_choices()
    return render_template("public/accountability.html", figures=figures, wards=wards,
                           categories=categories, tables=opendata.ACCOUNTABILITY_TABLES,
                           filters={"ward_id": ward_id, "category_id": category_id},
                           query=_query(ward_id, category_id))


@bp.get("/accountability.csv")
def accountability_csv():
    """One accountability table as CSV: ?table=summary|decisions_by_status|by_month|..."""
    table = request.args.get("table", "summary")
    if table not in opendata.ACCOUNTABILITY_TABLES:
        abort(404)
    ward_id, category_id = _filters()
    figures = accountability_figures(ward_id=ward_id, category_id=category_id)
    name = "accountability" if table == "summary" else f"accountability-{table.replace('_', '-')}"
    return _csv(name, opendata.accountability_table(figures, table),
                opendata.ACCOUNTABILITY_TABLES[table])


@bp.get("/accountability.json")
def accountability_json():
    ward_id, category_id = _filters()
    figures = accountability_figures(ward_id=ward_id, category_id=category_id)
    figures.pop("generated_at", None)
    return _json("accountability", figures)


@bp.get("/ideas.csv")
def ideas_csv():
    ward_id, category_id = _filters()
    return _csv("ideas", opendata.idea_rows(ward_id, category_id), opendata.IDEA_FIELDS)


@bp.get("/ideas.json")
def ideas_json():
    ward_id, category_id = _filters()
    return _json("ideas", {"items": list(opendata.idea_rows(ward_id, category_id))})


@bp.get("/outcomes.csv")
def outcomes_csv():
    ward_id, category_id = _filters()
    return _csv("outcomes", opendata.outcome_rows(ward_id, category_id),
                opendata.OUTCOME_FIELDS)


@bp.get("/outcomes.json")
def outcomes_json():
    ward_id, category_id = _filters()
    return _json("outcomes", {"items": list(opendata.outcome_rows(ward_id, category_id))})


@bp.get("/feeds/ideas.atom")
@public_page
def ideas_feed():
    return _atom(feeds.ideas_feed())


@bp.get("/feeds/status-changes.atom")
@public_page
def status_changes_feed():
    return _atom(feeds.status_changes_feed())


@bp.get("/feeds/outcomes.atom")
@public_page
def outcomes_feed():
    return _atom(feeds.outcomes_feed())
