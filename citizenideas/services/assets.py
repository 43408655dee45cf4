"""The community asset register: libraries, parks, pools, halls... Add, change, retire,
search and show them. Importing a land-and-buildings register from CSV is
services.asset_import.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    ASSET_KINDS,
    COMMUNITY_STATUSES,
    CommunityAsset,
    Idea,
    Organisation,
    OutcomeReport,
    User,
    Ward,
    idea_assets,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from .audit import record_audit
from .text_rules import clean_text

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
UPRN = re.compile(r"^[0-9]{1,12}$")
FIELDS = ("name", "kind", "address", "postcode", "uprn", "ward_id", "lat", "lon", "tenure",
          "operator_organisation_id", "community_status", "description")


def normalise_postcode(raw: str | None) -> str | None:
    """``sw1a1aa`` -> ``SW1A 1AA``; None if empty."""
    value = re.sub(r"\s+", "", (raw or "").upper())
    if not value:
        return None
    return f"{value[:-3]} {value[-3:]}" if len(value) > 3 else value


# The words the site shows for each kind and community status (pages, forms, and the CSV
# import's messages); the codes are what is stored.
KIND_LABELS = {"library": _l("Library"), "park": _l("Park"), "pool": _l("Swimming pool"),
               "community_centre": _l("Community centre"), "hall": _l("Hall"),
               "allotment": _l("Allotment"), "sports": _l("Sports ground"), "other": _l("Other")}
STATUS_LABELS = {"council_run": _l("Run by the council"),
                 "community_run": _l("Run by the community"),
                 "transfer_proposed": _l("Transfer to the community proposed"),
                 "transferred": _l("Transferred to the community"),
                 "acv_listed": _l("Listed as an asset of community value")}


def _choice(raw: str | None, choices: tuple[str, ...],
            labels: dict | None = None) -> str | None:
    """The code in ``choices`` that ``raw`` names: the code itself ("community_centre", also
    written "Community centre" or "community-centre") or, given ``labels``, the label the site
    shows ("Sports ground" for ``sports``); any case, spaces trimmed and squeezed."""
    words = " ".join((raw or "").split()).lower()
    value = re.sub(r"[\s\-]+", "_", words)
    if value in choices:
        return value
    for code, label in (labels or {}).items():
        if code in choices and " ".join(str(label).split()).lower() == words:
            return code
    return None


def choice_labels(labels: dict, choices: tuple[str, ...]) -> str:
    """"Library, Park, ...": the site's words for ``choices``, in order, for a message."""
    return ", ".join(str(labels.get(code, code)) for code in choices)


def _float(raw) -> float | None:
    if raw in (None, ""):
        return None
    return float(raw)


# Ids are 32-bit integers in the database (SQLite cannot even bind a bigger one).
ID_MAX = 2**31 - 1


def _id(raw) -> int | None:
    """An id from a form or a model value; None if it is not a whole number in range."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    else:
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit():
            return None
        number = int(text)
    return number if 0 < number <= ID_MAX else None


# Who runs a place, as staff type it; the other statuses follow from records (a transfer
# request, a transfer, a listing as an asset of community value) and only their services set
# them. The CSV import reads the same rule.
TYPED_STATUSES = ("council_run", "community_run")
RECORD_STATUSES = tuple(s for s in COMMUNITY_STATUSES if s not in TYPED_STATUSES)


def _typed_status(raw, current: CommunityAsset | None, errors: dict) -> str | None:
    """The status staff typed: council_run or community_run. For a place whose status
    follows from records, the status it has (typed again, or left out) and nothing else."""
    if current is not None and current.community_status in RECORD_STATUSES:
        status = _choice(raw or current.community_status, COMMUNITY_STATUSES)
        if status != current.community_status:
            errors["community_status"] = [record_status_reason(current.community_status)]
        return current.community_status
    status = _choice(raw or "council_run", TYPED_STATUSES)
    if status is None:
        errors["community_status"] = [_("Choose who runs the place: the council or the "
                                        "community.")]
    return status


def record_status_reason(status: str) -> str:
    """Why a place's status cannot be typed: the record it follows from."""
    if status == "acv_listed":
        return _("This status follows from the place's listing as an asset of community "
                 "value; it changes when the listing does.")
    return _("This status follows from the place's community asset transfer requests; it "
             "changes as the council moves them on.")


def _clean(fields: dict, current: CommunityAsset | None = None
           ) -> tuple[dict, dict[str, list[str]]]:
    """Validate asset fields (``current``: the place being changed); return (clean values,
    errors by field name)."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    values["name"] = clean_text(fields.get("name"), "name", errors,
                                required=_("Enter the name of the place."), maximum=200,
                                too_long=_("The name must be 200 characters or fewer."))
    kind = _choice(fields.get("kind"), ASSET_KINDS)
    if kind is None:
        errors["kind"] = [_("Choose what kind of place it is.")]
    values["kind"] = kind
    values["community_status"] = _typed_status(fields.get("community_status"), current,
                                               errors)
    values["address"] = clean_text(fields.get("address"), "address", errors, maximum=300,
                                   too_long=_("The address must be 300 characters or fewer."))
    postcode = normalise_postcode(fields.get("postcode"))
    if postcode is not None and not POSTCODE.match(postcode):
        errors["postcode"] = [_("Enter a real postcode, like SW1A 1AA.")]
    values["postcode"] = postcode
    uprn = (str(fields.get("uprn") or "")).strip() or None
    if uprn is not None and not UPRN.match(uprn):
        errors["uprn"] = [_("A UPRN is 1 to 12 digits.")]
    values["uprn"] = uprn
    values["tenure"] = clean_text(fields.get("tenure"), "tenure", errors, maximum=40,
                                  too_long=_("Tenure must be 40 characters or fewer.")) or None
    values["description"] = clean_text(
        fields.get("description"), "description", errors, maximum=5000,
        too_long=_("The description must be 5,000 characters or fewer."))
    for key, low, high, message in (("lat", -90, 90, _("Enter a latitude between -90 and 90.")),
                                    ("lon", -180, 180,
                                     _("Enter a longitude between -180 and 180."))):
        try:
            number = _float(fields.get(key))
        except (TypeError, ValueError):
            number, errors[key] = None, [message]
        if number is not None and not low <= number <= high:
            errors[key] = [message]
        values[key] = number
    for key, model, message in (
            ("ward_id", Ward, _("Choose a ward from the list.")),
            ("operator_organisation_id", Organisation,
             _("Choose an organisation from the list."))):
        raw = fields.get(key)
        if raw in (None, ""):
            values[key] = None
            continue
        # A form posts text: a word, a fraction or a number too big for the database is a
        # field error like an unknown id, never a ValueError (or an overflow) at the database.
        number = _id(raw)
        if number is None or db.session.get(model, number) is None:
            errors[key] = [message]
        values[key] = number
    if (current is not None and current.community_status == "transferred"
            and values["operator_organisation_id"] != current.operator_organisation_id):
        # The operator of a transferred place is the organisation it was transferred to.
        errors["operator_organisation_id"] = [record_status_reason("transferred")]
        values["operator_organisation_id"] = current.operator_organisation_id
    return values, errors


def _check_uprn_free(uprn: str | None, asset_id: int | None, errors: dict) -> None:
    if uprn is None:
        return
    other = db.session.scalar(select(CommunityAsset.id).where(CommunityAsset.uprn == uprn))
    if other is not None and other != asset_id:
        errors["uprn"] = [_("Another place already has this UPRN.")]


def _snapshot(asset: CommunityAsset) -> dict:
    return {key: getattr(asset, key) for key in FIELDS}


def create_asset(actor: User, **fields) -> CommunityAsset:
    """Add a place to the register."""
    require(actor, "manage_assets")
    values, errors = _clean(fields)
    _check_uprn_free(values["uprn"], None, errors)
    if errors:
        raise ValidationFailed(_("There is a problem with the place's details."), errors)
    asset = CommunityAsset(**values, created_at=utcnow(), updated_at=utcnow())
    db.session.add(asset)
    db.session.flush()
    record_audit(actor, "asset.create", asset, None, _snapshot(asset))
    db.session.flush()
    return asset


def update_asset(actor: User, asset: CommunityAsset, **fields) -> CommunityAsset:
    """Change a place's details (the fields not given keep their values)."""
    require(actor, "manage_assets", asset)
    merged = _snapshot(asset) | fields
    values, errors = _clean(merged, asset)
    _check_uprn_free(values["uprn"], asset.id, errors)
    if errors:
        raise ValidationFailed(_("There is a problem with the place's details."), errors)
    before = _snapshot(asset)
    for key, value in values.items():
        setattr(asset, key, value)
    asset.updated_at = utcnow()
    record_audit(actor, "asset.update", asset, before, _snapshot(asset))
    db.session.flush()
    return asset


def retire_asset(actor: User, asset: CommunityAsset) -> CommunityAsset:
    """Take a place off the public list; it stays for the history of linked ideas."""
    require(actor, "manage_assets", asset)
    if asset.retired_at is None:
        asset.retired_at = utcnow()
        record_audit(actor, "asset.retire", asset, {"retired_at": None},
                     {"retired_at": asset.retired_at.isoformat()})
    db.session.flush()
    return asset


def search_assets(*, kind: str | None = None, ward_id: int | None = None,
                  community_status: str | None = None, q: str | None = None,
                  include_retired: bool = False, page: int = 1,
                  per_page: int = 20) -> Page:
    """The public register, filtered and paginated in SQL (two queries)."""
    where = []
    if not include_retired:
        where.append(CommunityAsset.retired_at.is_(None))
    if kind:
        where.append(CommunityAsset.kind == kind)
    if ward_id:
        where.append(CommunityAsset.ward_id == ward_id)
    if community_status:
        where.append(CommunityAsset.community_status == community_status)
    if q:
        where.append(func.lower(CommunityAsset.name).like(f"%{q.strip().lower()}%"))
    return paginate(
        select(CommunityAsset).where(*where).order_by(CommunityAsset.name, CommunityAsset.id)
        .options(joinedload(CommunityAsset.ward)), page, per_page,
        count=select(func.count(CommunityAsset.id)).where(*where))


def get_asset(viewer: User | None, asset_id: int) -> CommunityAsset:
    """An asset; retired ones only for staff."""
    from ..permissions import can

    asset = db.session.get(CommunityAsset, asset_id)
    if asset is None or (asset.retired_at is not None and not can(viewer, "manage_assets")):
        raise NotFound(_("There is no such place."))
    return asset


def asset_ideas(asset: CommunityAsset) -> list[Idea]:
    """Visible ideas linked to the asset, newest first."""
    return list(db.session.scalars(
        select(Idea).join(idea_assets, idea_assets.c.idea_id == Idea.id)
        .where(idea_assets.c.asset_id == asset.id, Idea.hidden.is_(False))
        .order_by(Idea.created_at.desc())))


def asset_outcomes(asset: CommunityAsset) -> list[OutcomeReport]:
    """Published outcomes of ideas linked to the asset."""
    return list(db.session.scalars(
        select(OutcomeReport).join(idea_assets, idea_assets.c.idea_id == OutcomeReport.idea_id)
        .join(Idea, Idea.id == OutcomeReport.idea_id)
        .where(idea_assets.c.asset_id == asset.id, OutcomeReport.state == "published",
               Idea.hidden.is_(False))
        .order_by(OutcomeReport.published_at.desc()).options(joinedload(OutcomeReport.idea))))


def active_assets() -> list[CommunityAsset]:
    return list(db.session.scalars(select(CommunityAsset).where(
        CommunityAsset.retired_at.is_(None)).order_by(CommunityAsset.name)))
