"""The community asset register: list and read (public), add and change (moderators)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ..models import ASSET_KINDS, COMMUNITY_STATUSES
from ..services import assets
from ..services import community_value as acv
from .base import (
    AUTH_OPTIONAL,
    AUTH_REQUIRED,
    actor,
    bp,
    caller,
    committed,
    paginated,
    responses,
    signed_in,
    spec,
)
from .schemas import (
    MAX_ID,
    Body,
    Id,
    Named,
    Out,
    PageOut,
    PageQuery,
    document_rules,
    documented,
    text_limits,
)

TAG = ["Assets"]
Kind = Literal[ASSET_KINDS]  # type: ignore[valid-type]
CommunityStatus = Literal[COMMUNITY_STATUSES]  # type: ignore[valid-type]
# What staff may type; the other statuses follow from records (transfer requests, listings).
TypedStatus = Literal[assets.TYPED_STATUSES]  # type: ignore[valid-type]


class AssetOut(Out):
    id: int
    name: str
    kind: Kind
    address: str
    postcode: str | None
    uprn: str | None
    ward: Named | None
    lat: float | None
    lon: float | None
    tenure: str | None
    operator_organisation_id: int | None
    community_status: CommunityStatus
    description: str
    retired: bool
    created_at: datetime
    updated_at: datetime
    # While listed as an asset of community value with the owner's notice of sale recorded:
    # the dates that run from it (the full moratorium applies once an intent to bid is
    # registered in the interim window).
    interim_moratorium_ends: date | None = None
    full_moratorium_ends: date | None = None
    protected_period_ends: date | None = None


class AssetPageOut(PageOut):
    items: list[AssetOut]


class AssetQuery(PageQuery):
    kind: Kind | None = None
    ward_id: Id | None = None
    community_status: CommunityStatus | None = None


# The limits of services/assets.py: a UK postcode (any case, spaces anywhere) and a UPRN of
# 1 to 12 digits, either of them blank.
Name = Annotated[str, text_limits(200, required=True)]
Address = Annotated[str, text_limits(300)]
Postcode = Annotated[str, documented(
    pattern=r"^\s*(?:[A-Za-z]\s*[A-Za-z]?\s*[0-9]\s*[A-Za-z0-9]?\s*[0-9]\s*[A-Za-z]\s*[A-Za-z]\s*)?$",
    description="A UK postcode, like SW1A 1AA, or blank.")]
Uprn = Annotated[str, documented(pattern=r"^\s*(?:[0-9]{1,12}\s*)?$",
                                 description="A UPRN: 1 to 12 digits, or blank.")]
Tenure = Annotated[str, text_limits(40)]
AssetDescription = Annotated[str, text_limits(5000)]
Latitude = Annotated[float, documented(minimum=-90, maximum=90)]
Longitude = Annotated[float, documented(minimum=-180, maximum=180)]


class AssetIn(Body):
    """A new place. Its community status is council_run or community_run: the others follow
    from records (a transfer request, a transfer, a listing as an asset of community
    value)."""

    name: Name
    kind: Kind
    community_status: TypedStatus = "council_run"
    address: Address = ""
    postcode: Postcode | None = None
    uprn: Uprn | None = None
    ward_id: Id | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    tenure: Tenure | None = None
    operator_organisation_id: Id | None = None
    description: AssetDescription = ""


class AssetPatchIn(Body):
    """Fields to change; those left out keep their values (`name` and `kind` may not be
    null). `community_status` may be set to council_run or community_run; a place whose
    status follows from records (transfer_proposed, transferred, acv_listed) keeps it (422
    otherwise), and a transferred place keeps its operator."""

    model_config = {"json_schema_extra": document_rules(not_null=("name", "kind"))}

    name: Name = None  # type: ignore[assignment]
    kind: Kind = None  # type: ignore[assignment]
    community_status: CommunityStatus | None = None
    address: Address | None = None
    postcode: Postcode | None = None
    uprn: Uprn | None = None
    ward_id: Id | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    tenure: Tenure | None = None
    operator_organisation_id: Id | None = None
    description: AssetDescription | None = None


def asset_out(asset, moratoria: dict | None = None) -> AssetOut:
    """``moratoria``: ``community_value.moratoria`` for a page of assets (one query)."""
    ward = asset.ward
    found = (acv.moratoria([asset.id]) if moratoria is None else moratoria).get(asset.id)
    dates = found[0] if found else None
    return AssetOut(id=asset.id, name=asset.name, kind=asset.kind, address=asset.address or "",
                    postcode=asset.postcode, uprn=asset.uprn,
                    ward=Named(id=ward.id, name=ward.name) if ward else None,
                    lat=asset.lat, lon=asset.lon, tenure=asset.tenure,
                    operator_organisation_id=asset.operator_organisation_id,
                    community_status=asset.community_status,
                    description=asset.description or "", retired=asset.retired_at is not None,
                    created_at=asset.created_at, updated_at=asset.updated_at,
                    interim_moratorium_ends=dates and dates.interim_ends,
                    full_moratorium_ends=dates and dates.full_ends,
                    protected_period_ends=dates and dates.protected_ends)


def _load(asset_id: int):
    from ..errors import NotFound

    if not 0 < asset_id <= MAX_ID:
        raise NotFound("There is no such place.")
    return assets.get_asset(actor(), asset_id)


@bp.get("/assets")
@spec.validate(resp=responses(200, AssetPageOut, 422), tags=TAG, security=AUTH_OPTIONAL)
def list_assets(query: AssetQuery):
    """Places in the register (libraries, parks, halls...), by name.

    A token is optional and changes nothing here.
    """
    found = assets.search_assets(kind=query.kind, ward_id=query.ward_id,
                                 community_status=query.community_status,
                                 page=query.page, per_page=query.per_page)
    moratoria = acv.moratoria([a.id for a in found.items])
    return paginated(AssetPageOut, found, [asset_out(a, moratoria) for a in found.items])


@bp.get("/assets/<int:asset_id>")
@spec.validate(resp=responses(200, AssetOut), tags=TAG, security=AUTH_OPTIONAL)
def get_asset(asset_id: int):
    """One place.

    A token is optional: with one, moderators also see retired places.
    """
    return asset_out(_load(asset_id))


@bp.post("/assets")
@signed_in
@spec.validate(resp=responses(201, AssetOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def create_asset(json: AssetIn):
    """Add a place to the register (moderators)."""
    asset = committed(lambda: assets.create_asset(caller(), **json.model_dump()))
    return asset_out(asset), 201


@bp.patch("/assets/<int:asset_id>")
@signed_in
@spec.validate(resp=responses(200, AssetOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def update_asset(asset_id: int, json: AssetPatchIn):
    """Change a place's details (moderators); fields left out keep their values."""
    asset = _load(asset_id)
    committed(lambda: assets.update_asset(caller(), asset, **json.model_dump(exclude_unset=True)))
    return asset_out(asset)
