"""Assets of community value: the two published lists (public) and an organisation's intent
to bid during the interim moratorium (verified organisations' members)."""

from __future__ import annotations

from datetime import date, datetime

from ..errors import NotFound
from ..extensions import db
from ..models import Organisation
from ..services import community_value as acv
from ..services import community_value_lists as lists
from .assets import _load
from .base import AUTH_OPTIONAL, AUTH_REQUIRED, bp, caller, committed, responses, signed_in, spec
from .schemas import Body, Id, Out

TAG = ["Assets of community value"]


class _NominatedPlaceOut(Out):
    """What both statutory lists say of a nominated place."""

    asset_id: int
    asset_url: str
    asset: str
    address: str
    postcode: str | None
    uprn: str | None
    ward: str | None
    nominated_by: str
    reasons: str


class ListedOut(_NominatedPlaceOut):
    listed_on: date
    listed_until: date
    decision_reason: str
    notice_of_sale_received_on: date | None
    interim_moratorium_ends: date | None
    full_moratorium_ends: date | None
    protected_period_ends: date | None
    intents_to_bid: int


class ListedListOut(Out):
    items: list[ListedOut]


class UnsuccessfulOut(_NominatedPlaceOut):
    submitted_on: date
    decided_on: date
    decision_reason: str


class UnsuccessfulListOut(Out):
    items: list[UnsuccessfulOut]


class IntentIn(Body):
    organisation_id: Id


class IntentOut(Out):
    asset_id: int
    organisation_id: int
    organisation: str
    created_at: datetime
    interim_moratorium_ends: date
    full_moratorium_ends: date
    protected_period_ends: date


@bp.get("/assets/community-value")
@spec.validate(resp=responses(200, ListedListOut), tags=TAG, security=AUTH_OPTIONAL)
def list_assets_of_community_value():
    """The list of assets of community value: listings in force, with their dates and any
    notice of sale with its moratorium dates.

    A token is optional and changes nothing here.
    """
    return ListedListOut(items=lists.listed_rows())


@bp.get("/assets/community-value/unsuccessful")
@spec.validate(resp=responses(200, UnsuccessfulListOut), tags=TAG, security=AUTH_OPTIONAL)
def list_unsuccessful_nominations():
    """Nominations the council decided not to list, with its reasons.

    A token is optional and changes nothing here.
    """
    return UnsuccessfulListOut(items=lists.unsuccessful_rows())


@bp.post("/assets/<int:asset_id>/intent-to-bid")
@signed_in
@spec.validate(resp=responses(201, IntentOut, 401, 403, 404, 409, 422), tags=TAG,
               security=AUTH_REQUIRED)
def register_intent_to_bid(asset_id: int, json: IntentIn):
    """Register a verified organisation's intent to bid (its members only), during the
    interim moratorium only: 409 before a notice of sale, after the window, or a second
    time."""
    asset = _load(asset_id)
    nomination = acv.current_listing(asset)
    if nomination is None:
        raise NotFound("This place is not listed as an asset of community value.")
    organisation = db.session.get(Organisation, json.organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation.")
    intent = committed(lambda: acv.register_intent_to_bid(caller(), nomination, organisation))
    dates = acv.moratorium(nomination)
    return IntentOut(asset_id=asset.id, organisation_id=organisation.id,
                     organisation=organisation.name, created_at=intent.created_at,
                     interim_moratorium_ends=dates.interim_ends,
                     full_moratorium_ends=dates.full_ends,
                     protected_period_ends=dates.protected_ends), 201
