"""Assets of community value, step by step: nominate (verified organisations' members; staff
for a group of local people), decide (staff), record the owner's notice of sale (staff), and
read an asset's nominations and public timeline. Same services as the pages
(services.community_value, services.asset_timeline). No personal data in any answer: a
nomination names the organisation or the group, never the person who typed it in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from ..errors import NotFound
from ..extensions import db
from ..models import ASSET_EVENTS, TRANSFER_STAGES, AcvNomination, Organisation
from ..services import community_value as acv
from ..services import community_value_lists as lists
from ..services.asset_timeline import asset_timeline as asset_timeline_service
from .assets import _load
from .base import (
    AUTH_OPTIONAL,
    AUTH_REQUIRED,
    bp,
    caller,
    committed,
    get_or_404,
    paginated,
    responses,
    signed_in,
    spec,
)
from .schemas import (
    Body,
    Id,
    Named,
    Out,
    PageOut,
    PageQuery,
    document_rules,
    text_limits,
    visible_text,
)

TAG = ["Assets of community value"]
ERRORS = (401, 403, 404, 409, 422)
# ISO dates arrive as strings in JSON, so they are parsed in lax mode.
IsoDate = Annotated[date, Field(strict=False)]
# The API's words for the two decisions, and the services'.
DECISIONS = {"list": "listed", "refuse": "not_listed"}


class AcvBidIntentOut(Out):
    organisation: Named
    created_at: datetime


class AcvNominationOut(Out):
    """A nomination and, once decided, the listing or refusal; with the notice of sale and
    its moratorium dates while listed. `full_moratorium_ends` applies once an organisation
    registered an intent to bid in the interim window (`full_moratorium_triggered`)."""

    id: int
    asset_id: int
    state: Literal["nominated", "listed", "not_listed"]
    nominated_by: str
    organisation_id: int | None
    reasons: str
    submitted_at: datetime
    decision_due_on: date
    overdue: bool
    decided_at: datetime | None
    decision_reason: str | None
    listed_on: date | None
    listed_until: date | None
    listing_ended: bool
    owner_told: bool
    notice_of_sale_received_on: date | None
    interim_moratorium_ends: date | None
    full_moratorium_ends: date | None
    protected_period_ends: date | None
    full_moratorium_triggered: bool
    intents_to_bid: list[AcvBidIntentOut]


class AcvNominationListOut(Out):
    items: list[AcvNominationOut]


def _nominator_rules(schema: dict) -> None:
    """`reasons` is required, and either `organisation_id` or (staff) `group_name`."""
    document_rules(required=("reasons",))(schema)
    schema["anyOf"] = [
        {"required": ["organisation_id"], "properties": {"organisation_id": {"type": "integer"}}},
        {"required": ["group_name"], "properties": {"group_name": visible_text()}}]


class AcvNominationIn(Body):
    """A verified organisation's member names `organisation_id`; council staff may instead
    record a group of local people by `group_name`."""

    model_config = {"json_schema_extra": _nominator_rules}

    organisation_id: Id | None = None
    group_name: Annotated[str, text_limits(200)] | None = None
    reasons: Annotated[str, text_limits(5000, minimum=20, required=True)] = ""


class AcvDecisionIn(Body):
    """List the asset (for five years) or refuse it; the reason is published either way."""

    model_config = {"json_schema_extra": document_rules(required=("reason",))}

    decision: Literal["list", "refuse"]
    reason: Annotated[str, text_limits(5000, required=True)] = ""


class AcvDisposalNoticeIn(Body):
    """The date the council received the owner's notice of intent to sell (today or
    earlier)."""

    received_on: IsoDate


class AcvMoratoriumOut(Out):
    asset_id: int
    nomination_id: int
    notice_of_sale_received_on: date
    interim_moratorium_ends: date
    full_moratorium_ends: date
    protected_period_ends: date


class AssetTimelineEntryOut(Out):
    """One entry of an asset's public timeline. `message` is public: a reason, a stage's
    message; for `nominated` by a group, the group's name; for `notice_of_sale` the date the
    notice was received and for `listing_ended` the listing's last day (YYYY-MM-DD)."""

    id: int
    event: Literal[ASSET_EVENTS]  # type: ignore[valid-type]
    created_at: datetime
    message: str
    organisation: Named | None
    # For `transfer_stage`: the stage the request moved to.
    stage: Literal[TRANSFER_STAGES] | None  # type: ignore[valid-type]


class AssetTimelineOut(PageOut):
    items: list[AssetTimelineEntryOut]


def nomination_out(n: AcvNomination) -> AcvNominationOut:
    dates = acv.moratorium(n)
    return AcvNominationOut(
        id=n.id, asset_id=n.asset_id, state=n.state,
        nominated_by=n.organisation.name if n.organisation else n.group_name,
        organisation_id=n.organisation_id, reasons=n.reasons, submitted_at=n.submitted_at,
        decision_due_on=n.decision_due_on, overdue=acv.is_overdue(n),
        decided_at=n.decided_at, decision_reason=n.decision_reason, listed_on=n.listed_on,
        listed_until=n.listed_until,
        listing_ended=n.state == "listed" and (n.listing_ended_at is not None
                                               or n.listed_until < acv.today()),
        owner_told=n.owner_told_at is not None,
        notice_of_sale_received_on=n.notice_received_on,
        interim_moratorium_ends=dates.interim_ends if dates else None,
        full_moratorium_ends=dates.full_ends if dates else None,
        protected_period_ends=dates.protected_ends if dates else None,
        full_moratorium_triggered=bool(dates and n.bid_intents),
        intents_to_bid=[AcvBidIntentOut(organisation=Named(id=i.organisation.id,
                                                        name=i.organisation.name),
                                     created_at=i.created_at) for i in n.bid_intents])


def _nomination(nomination_id: int) -> AcvNomination:
    nomination = get_or_404(AcvNomination, nomination_id, "There is no such nomination.")
    _load(nomination.asset_id)  # a retired asset's nominations are for staff only
    return nomination


@bp.get("/assets/<int:asset_id>/nominations")
@spec.validate(resp=responses(200, AcvNominationListOut, 404), tags=TAG, security=AUTH_OPTIONAL)
def list_asset_nominations(asset_id: int):
    """Every nomination of a place as an asset of community value, the latest first.

    A token is optional and changes nothing here (moderators also see retired places).
    """
    asset = _load(asset_id)
    return AcvNominationListOut(items=[nomination_out(n) for n in lists.asset_nominations(asset)])


@bp.post("/assets/<int:asset_id>/nominations")
@signed_in
@spec.validate(resp=responses(201, AcvNominationOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def nominate_asset(asset_id: int, json: AcvNominationIn):
    """Nominate a place for the list: for a verified organisation the caller belongs to
    (`organisation_id`), or, council staff only, for a group of local people
    (`group_name`). 409 while another nomination of the place waits for a decision or while
    it is listed."""
    asset = _load(asset_id)
    organisation = None
    if json.organisation_id is not None:
        organisation = db.session.get(Organisation, json.organisation_id)
        if organisation is None:
            raise NotFound("There is no such organisation.")
    nomination = committed(lambda: acv.nominate_asset(
        caller(), asset, organisation=organisation, group_name=json.group_name,
        reasons=json.reasons))
    return nomination_out(nomination), 201


@bp.get("/nominations/<int:nomination_id>")
@spec.validate(resp=responses(200, AcvNominationOut, 404), tags=TAG, security=AUTH_OPTIONAL)
def get_nomination(nomination_id: int):
    """One nomination, with its decision, notice of sale and intents to bid.

    A token is optional and changes nothing here.
    """
    return nomination_out(_nomination(nomination_id))


@bp.post("/nominations/<int:nomination_id>/decision")
@signed_in
@spec.validate(resp=responses(200, AcvNominationOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def decide_nomination(nomination_id: int, json: AcvDecisionIn):
    """Council staff list the place (for five years from today) or refuse the nomination,
    always with a public reason. 409 if it was already decided."""
    nomination = _nomination(nomination_id)
    committed(lambda: acv.decide_nomination(caller(), nomination, DECISIONS[json.decision],
                                            json.reason))
    return nomination_out(nomination)


@bp.post("/assets/<int:asset_id>/disposal-notice")
@signed_in
@spec.validate(resp=responses(201, AcvMoratoriumOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def record_disposal_notice(asset_id: int, json: AcvDisposalNoticeIn):
    """Council staff record the date the owner's notice of intent to sell was received: the
    interim moratorium (6 weeks), the full moratorium (6 months, if an organisation registers
    an intent to bid) and the protected period (18 months) run from it. 409 unless the place
    is listed."""
    asset = _load(asset_id)
    nomination = committed(lambda: acv.record_notice_of_sale_for_asset(
        caller(), asset, json.received_on))
    dates = acv.moratorium(nomination)
    return AcvMoratoriumOut(asset_id=asset.id, nomination_id=nomination.id,
                         notice_of_sale_received_on=dates.received_on,
                         interim_moratorium_ends=dates.interim_ends,
                         full_moratorium_ends=dates.full_ends,
                         protected_period_ends=dates.protected_ends), 201


@bp.get("/assets/<int:asset_id>/timeline")
@spec.validate(resp=responses(200, AssetTimelineOut, 404, 422), tags=TAG,
               security=AUTH_OPTIONAL)
def asset_timeline(asset_id: int, query: PageQuery):
    """A place's public timeline, oldest first, one page at a time: nominations and
    decisions, the owner told, notices of sale, intents to bid, listings ended, transfer
    requests and their stages, transfers, yearly reports, residents' word on access.

    A token is optional and changes nothing here.
    """
    asset = _load(asset_id)
    found = asset_timeline_service(asset, query.page, query.per_page, newest_page_first=False)
    return paginated(AssetTimelineOut, found, [
        AssetTimelineEntryOut(id=e.id, event=e.event, created_at=e.created_at, message=e.message,
                              organisation=Named(id=e.organisation.id, name=e.organisation.name)
                              if e.organisation is not None else None, stage=e.stage)
        for e in found.items])

