"""After a transfer: the operating organisation's yearly reports (its members publish them)
and residents' comments on access (signed in, email confirmed). Reads are public."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ..models import ACCESS_CHANGES, COMMITMENT_ANSWERS
from ..services import asset_access as access
from ..services import asset_reports as reports
from .assets import _load
from .base import (
    AUTH_OPTIONAL,
    AUTH_REQUIRED,
    bp,
    caller,
    committed,
    limited,
    paginated,
    responses,
    signed_in,
    spec,
)
from .schemas import (
    Body,
    Out,
    PageOut,
    PageQuery,
    WholeNumber,
    document_rules,
    documented,
    text_limits,
)

TAG = ["Transferred places"]
YearState = Literal["on_time", "late", "overdue", "due", "upcoming"]


class ReportOut(Out):
    id: int
    year_number: int
    due_on: date
    organisation_id: int
    organisation: str
    opening_hours: str
    people_served: int | None
    prices: str
    access_changes: str
    story: str
    commitments: Literal[COMMITMENT_ANSWERS]  # type: ignore[valid-type]
    commitments_note: str
    submitted_at: datetime


class ReportYearOut(Out):
    year_number: int
    due_on: date
    state: YearState
    report: ReportOut | None


class TransferOut(Out):
    organisation_id: int
    organisation: str
    transferred_on: date
    terms: str | None
    commitment_opening_hours: str
    commitment_prices: str
    commitment_accessibility: str


class ReportsOut(Out):
    asset_id: int
    transfer: TransferOut | None
    years: list[ReportYearOut]


class ReportIn(Body):
    """A year's report. Field errors are given together (422); the service checks the text
    limits, the year (due within 30 days or overdue, else 409) and who may report (403)."""

    model_config = {**Body.model_config,
                    "json_schema_extra": document_rules(
                        required=("year_number", "opening_hours", "prices", "access_changes",
                                  "commitments"),
                        not_null=("people_served",))}
    year_number: Annotated[int, documented(minimum=1), WholeNumber] = 0
    opening_hours: Annotated[str, text_limits(reports.TEXT_MAX, required=True)] = ""
    people_served: Annotated[int, documented(minimum=0, maximum=reports.PEOPLE_SERVED_MAX),
                             WholeNumber] | None = None
    prices: Annotated[str, text_limits(reports.TEXT_MAX, required=True)] = ""
    access_changes: Annotated[str, text_limits(reports.TEXT_MAX, required=True)] = ""
    story: Annotated[str, text_limits(reports.STORY_MAX)] = ""
    commitments: Annotated[str, documented(enum=list(COMMITMENT_ANSWERS))] = ""
    commitments_note: Annotated[str, text_limits(reports.TEXT_MAX)] = ""


class AccessCommentOut(Out):
    id: int
    change: Literal[ACCESS_CHANGES] | None  # type: ignore[valid-type]
    body: str | None
    author: str | None
    created_at: datetime
    hidden: bool
    hidden_reason: str | None


class AccessCommentsOut(PageOut):
    asset_id: int
    tally: dict[str, int]
    items: list[AccessCommentOut]


class AccessCommentIn(Body):
    model_config = {**Body.model_config,
                    "json_schema_extra": document_rules(required=("change", "body"))}
    change: Annotated[str, documented(enum=list(ACCESS_CHANGES))] = ""
    body: Annotated[str, text_limits(access.BODY_MAX, required=True)] = ""


def _report_out(report) -> ReportOut:
    return ReportOut(id=report.id, year_number=report.year_number, due_on=report.due_on,
                     organisation_id=report.organisation_id,
                     organisation=report.organisation.name,
                     opening_hours=report.opening_hours, people_served=report.people_served,
                     prices=report.prices, access_changes=report.access_changes,
                     story=report.story, commitments=report.commitments,
                     commitments_note=report.commitments_note,
                     submitted_at=report.submitted_at)


def _comment_out(comment) -> AccessCommentOut:
    hidden = comment.hidden_at is not None
    return AccessCommentOut(
        id=comment.id, change=None if hidden else comment.change,
        body=None if hidden else comment.body,
        author=None if hidden or comment.author is None else comment.author.public_name,
        created_at=comment.created_at, hidden=hidden,
        hidden_reason=comment.hidden_reason if hidden else None)


@bp.get("/assets/<int:asset_id>/reports")
@spec.validate(resp=responses(200, ReportsOut, 404), tags=TAG, security=AUTH_OPTIONAL)
def list_asset_reports(asset_id: int):
    """A transferred place's transfer, its commitments and every report year: on time, late,
    overdue, due (within 30 days) or upcoming, with the report when there is one. For a place
    not transferred, ``transfer`` is null and ``years`` empty.

    A token is optional and changes nothing here.
    """
    asset = _load(asset_id)
    transfer = reports.transferred_request(asset)
    if transfer is None:
        return ReportsOut(asset_id=asset.id, transfer=None, years=[])
    return ReportsOut(
        asset_id=asset.id,
        transfer=TransferOut(
            organisation_id=transfer.organisation_id, organisation=transfer.organisation.name,
            transferred_on=transfer.transferred_on, terms=transfer.terms,
            commitment_opening_hours=transfer.commitment_opening_hours,
            commitment_prices=transfer.commitment_prices,
            commitment_accessibility=transfer.commitment_accessibility),
        years=[ReportYearOut(year_number=y.year_number, due_on=y.due_on, state=y.state,
                             report=_report_out(y.report) if y.report else None)
               for y in reports.report_years(transfer)])


@bp.post("/assets/<int:asset_id>/reports")
@signed_in
@spec.validate(resp=responses(201, ReportOut, 401, 403, 404, 409, 422), tags=TAG,
               security=AUTH_REQUIRED)
def publish_asset_report(asset_id: int, json: ReportIn):
    """Publish the yearly report for a year that is due (from 30 days before) or overdue:
    members of the operating organisation only. One report per year: a second one is 409.
    The place's followers are told."""
    asset = _load(asset_id)
    transfer = reports.transfer_in_force(asset)
    report = committed(lambda: reports.submit_report(caller(), transfer, **json.model_dump()))
    return _report_out(report), 201


@bp.get("/assets/<int:asset_id>/access-comments")
@spec.validate(resp=responses(200, AccessCommentsOut, 404, 422), tags=TAG,
               security=AUTH_OPTIONAL)
def list_access_comments(asset_id: int, query: PageQuery):
    """Residents' comments on how access to a transferred place changed, newest first, one
    page at a time, and the tally of shown ones. A comment the council hid keeps its place
    and reason, without its words. A place not transferred has none.

    A token is optional and changes nothing here.
    """
    asset = _load(asset_id)
    found = access.access_comments(asset, query.page, query.per_page)
    return paginated(AccessCommentsOut, found, [_comment_out(c) for c in found.items],
                     asset_id=asset.id, tally=access.access_tally(asset))


@bp.post("/assets/<int:asset_id>/access-comments")
@signed_in
@limited("RATELIMIT_COMMENT")
@spec.validate(resp=responses(201, AccessCommentOut, 401, 403, 404, 409, 422), tags=TAG,
               security=AUTH_REQUIRED)
def post_access_comment(asset_id: int, json: AccessCommentIn):
    """Say how access to a transferred place has changed for you: better, same or worse,
    and up to 500 characters (needs a confirmed email address). Limited like comments on
    ideas. 409 if the place has not been transferred."""
    asset = _load(asset_id)
    comment = committed(lambda: access.post_access_comment(caller(), asset, **json.model_dump()))
    return _comment_out(comment), 201
