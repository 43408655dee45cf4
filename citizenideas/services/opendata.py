"""Open data: the public tables as CSV and JSON, with no personal data.

What is published: idea references, titles, descriptions, statuses, wards, categories and dates
(ideas are public content); outcome figures and the organisation's own words; the accountability
tables. What is never published: anything about a resident (email, user id, display name,
home ward), internal notes, and hidden ideas or anything attached to them. An idea's point on
the map is in the GeoJSON only (services/geojson.py): the form tells the proposer it is public.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import Category, Idea, Organisation, OutcomeReport, Ward, utcnow
from ..pagination import Page, paginate
from .lifecycle import STATUS_LABELS

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

IDEA_FIELDS = ("reference", "url", "title", "description", "status", "status_label", "ward",
               "ward_ons_code", "category", "support_count", "paper_supports", "total",
               "comment_count", "created_at",
               "first_response_at", "decided_at", "delivered_at")
OUTCOME_FIELDS = ("idea_reference", "idea_url", "idea_title", "ward", "category",
                  "organisation", "result", "summary", "people_reached", "volunteer_hours",
                  "spend_pounds", "funding_source", "story", "lessons", "published_at",
                  "residents_say_done", "residents_say_partly", "residents_say_not_done")
RESULT_LABELS = {"delivered": "Delivered", "partly_delivered": "Partly delivered",
                 "not_delivered": "Not delivered"}

# The accountability tables that can be downloaded one at a time as CSV (?table=...).
FIGURE_FIELDS = ("ideas_received", "responded", "responded_share",
                 "median_days_to_first_response", "p90_days_to_first_response", "within_target",
                 "within_target_denominator", "within_target_share", "ideas_delivered",
                 "ideas_partly_delivered", "people_reached", "volunteer_hours_pledged",
                 "volunteer_hours_delivered", "outcomes_published")
ACCOUNTABILITY_TABLES = {
    "summary": ("response_target_days", *FIGURE_FIELDS, "outcomes_answered_by_residents",
                "outcomes_confirmed_by_residents", "outcomes_disputed_by_residents",
                "residents_confirmed_share", "verification_yes", "verification_partly",
                "verification_no"),
    "decisions_by_status": ("status", "label", "ideas"),
    "by_month": ("month", *FIGURE_FIELDS),
    "by_ward": ("ward", *FIGURE_FIELDS),
    "by_category": ("category", *FIGURE_FIELDS),
}


def site_url(path: str) -> str:
    """An absolute public address on this site."""
    return current_app.config["SITE_URL"].rstrip("/") + path


def idea_url(idea_id: int) -> str:
    return site_url(f"/ideas/{idea_id}")


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _filters(query, ward_id: int | None, category_id: int | None):
    query = query.where(Idea.hidden.is_(False))
    if ward_id is not None:
        query = query.where(Idea.ward_id == ward_id)
    if category_id is not None:
        query = query.where(Idea.category_id == category_id)
    return query


def idea_rows(ward_id: int | None = None, category_id: int | None = None) -> Iterator[dict]:
    """Every public (not hidden) idea, oldest first, as open-data rows. One streamed query."""
    query = _filters(
        select(Idea.id, Idea.reference, Idea.title, Idea.description, Idea.status,
               Ward.name, Ward.ons_code, Category.name, Idea.support_count,
               Idea.paper_support_count, Idea.total_support_count, Idea.comment_count,
               Idea.created_at, Idea.first_response_at, Idea.decided_at, Idea.delivered_at)
        .join(Ward, Ward.id == Idea.ward_id).join(Category, Category.id == Idea.category_id)
        .order_by(Idea.created_at, Idea.id), ward_id, category_id)
    for row in db.session.execute(query.execution_options(yield_per=500)):
        (idea_id, reference, title, description, status, ward, ons, category, supports,
         paper, total, comments, created, responded, decided, delivered) = row
        yield {"reference": reference, "url": idea_url(idea_id), "title": title,
               "description": description, "status": status,
               "status_label": str(STATUS_LABELS.get(status, status)), "ward": ward,
               "ward_ons_code": ons, "category": category, "support_count": supports,
               "paper_supports": paper, "total": total,
               "comment_count": comments, "created_at": iso(created),
               "first_response_at": iso(responded), "decided_at": iso(decided),
               "delivered_at": iso(delivered)}


def published_outcomes_query(ward_id: int | None = None, category_id: int | None = None):
    """Published outcome reports of public ideas, newest first (shared by page, data, feed)."""
    return _filters(
        select(OutcomeReport).join(Idea, Idea.id == OutcomeReport.idea_id)
        .where(OutcomeReport.state == "published")
        .order_by(OutcomeReport.published_at.desc(), OutcomeReport.id.desc()),
        ward_id, category_id)


def list_published_outcomes(ward_id: int | None = None, category_id: int | None = None, *,
                            page: int = 1, per_page: int = 10) -> Page:
    """One page of published outcomes with their idea, ward, category and organisation loaded
    (two queries: the count and the page)."""
    query = published_outcomes_query(ward_id, category_id)
    return paginate(query.options(joinedload(OutcomeReport.idea).joinedload(Idea.ward),
                                  joinedload(OutcomeReport.idea).joinedload(Idea.category),
                                  joinedload(OutcomeReport.organisation)),
                    page, per_page,
                    count=select(func.count()).select_from(query.subquery()))


def filter_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(id, name) of the wards and categories in use, for the filter selects."""
    wards = db.session.execute(select(Ward.id, Ward.name).where(Ward.retired_at.is_(None))
                               .order_by(Ward.name)).all()
    categories = db.session.execute(select(Category.id, Category.name)
                                    .where(Category.retired_at.is_(None))
                                    .order_by(Category.name)).all()
    return [tuple(r) for r in wards], [tuple(r) for r in categories]


def spend_pounds(pence: int | None) -> float | int | None:
    """Pence as pounds: whole pounds as an int, otherwise to the penny."""
    if pence is None:
        return None
    return pence // 100 if pence % 100 == 0 else round(pence / 100, 2)


def outcome_rows(ward_id: int | None = None, category_id: int | None = None) -> Iterator[dict]:
    """Every published outcome of a public idea, newest first. One query."""
    org = aliased(Organisation)
    query = _filters(
        select(Idea.id, Idea.reference, Idea.title, Ward.name, Category.name, org.name,
               OutcomeReport.result, OutcomeReport.summary, OutcomeReport.people_reached,
               OutcomeReport.volunteer_hours, OutcomeReport.spend_pence,
               OutcomeReport.funding_source, OutcomeReport.story, OutcomeReport.lessons,
               OutcomeReport.published_at, OutcomeReport.verified_yes,
               OutcomeReport.verified_partly, OutcomeReport.verified_no)
        .select_from(OutcomeReport).join(Idea, Idea.id == OutcomeReport.idea_id)
        .join(Ward, Ward.id == Idea.ward_id).join(Category, Category.id == Idea.category_id)
        .outerjoin(org, org.id == OutcomeReport.organisation_id)
        .where(OutcomeReport.state == "published")
        .order_by(OutcomeReport.published_at.desc(), OutcomeReport.id.desc()),
        ward_id, category_id)
    for row in db.session.execute(query):
        (idea_id, reference, title, ward, category, organisation, result, summary, people,
         hours, pence, funding, story, lessons, published, yes, partly, no) = row
        yield {"idea_reference": reference, "idea_url": idea_url(idea_id), "idea_title": title,
               "ward": ward, "category": category,
               "organisation": organisation or current_app.config["COUNCIL_NAME"],
               "result": result, "summary": summary, "people_reached": people,
               "volunteer_hours": None if hours is None else float(hours),
               "spend_pounds": spend_pounds(pence), "funding_source": funding,
               "story": story, "lessons": lessons, "published_at": iso(published),
               "residents_say_done": yes, "residents_say_partly": partly,
               "residents_say_not_done": no}


def accountability_table(figures: dict, table: str) -> list[dict]:
    """One of the accountability tables as flat rows (for CSV)."""
    if table == "summary":
        return [{"response_target_days": figures["response_target_days"], **figures["totals"]}]
    return list(figures[table])


# --- serialisation --------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell for a CSV file people open in a spreadsheet: text that a spreadsheet would run
    as a formula (starting = + - @, tab or carriage return) gets a leading apostrophe.
    Numbers are left alone."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[dict], fields: tuple[str, ...]) -> Iterator[str]:
    """CSV text in chunks: a header row, then one line per row (only ``fields``, in order).

    Residents' text is neutralised against spreadsheet formula injection (see csv_cell)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: csv_cell(row.get(k)) for k in fields})
        count += 1
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_json(body: dict[str, Any]) -> str:
    """A JSON document with the generation time and licence first."""
    document = {"generated_at": iso(utcnow()), "licence": LICENCE, "licence_url": LICENCE_URL}
    document.update(body)
    return json.dumps(document, ensure_ascii=False, indent=1)
