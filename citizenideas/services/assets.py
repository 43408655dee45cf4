"""The community asset register: libraries, parks, pools, halls... and its CSV import."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..input import without_control_characters
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
IMPORT_BATCH = 500


def normalise_postcode(raw: str | None) -> str | None:
    """``sw1a1aa`` -> ``SW1A 1AA``; None if empty."""
    value = re.sub(r"\s+", "", (raw or "").upper())
    if not value:
        return None
    return f"{value[:-3]} {value[-3:]}" if len(value) > 3 else value


def _choice(raw: str | None, choices: tuple[str, ...]) -> str | None:
    """Match "Community centre" or "community-centre" to ``community_centre``."""
    value = re.sub(r"[\s\-]+", "_", (raw or "").strip().lower())
    return value if value in choices else None


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


def _clean(fields: dict) -> tuple[dict, dict[str, list[str]]]:
    """Validate asset fields; return (clean values, errors by field name)."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    values["name"] = clean_text(fields.get("name"), "name", errors,
                                required=_("Enter the name of the place."), maximum=200,
                                too_long=_("The name must be 200 characters or fewer."))
    kind = _choice(fields.get("kind"), ASSET_KINDS)
    if kind is None:
        errors["kind"] = [_("Choose what kind of place it is.")]
    values["kind"] = kind
    status = _choice(fields.get("community_status") or "council_run", COMMUNITY_STATUSES)
    if status is None:
        errors["community_status"] = [_("Choose who runs the place.")]
    values["community_status"] = status
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
    values, errors = _clean(merged)
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


# --- CSV import -----------------------------------------------------------------------

# Our field -> the header names we accept (compared lower-cased, spaces and _ squeezed).
COLUMNS = {
    "uprn": ("uprn", "unique property reference number"),
    "name": ("asset name", "name", "property name"),
    "street": ("street", "street name", "address", "address 1"),
    "town": ("town", "town/city", "city"),
    "postcode": ("postcode", "post code"),
    "tenure": ("tenure", "tenure type"),
    "kind": ("kind", "asset kind", "type"),
    "community_status": ("community status", "status"),
    "ward": ("ward", "ward name", "ward code"),
    "lat": ("latitude", "lat"),
    "lon": ("longitude", "lon", "long"),
    "description": ("description",),
}
REQUIRED = ("uprn", "name", "kind", "community_status")


def _header_key(raw: str) -> str:
    return re.sub(r"[\s_]+", " ", (raw or "").replace("\ufeff", "").strip().lower())


@dataclass
class ImportReport:
    """What an import found and did. ``errors`` is [(row number, [reasons])]."""

    rows: int = 0
    valid: int = 0
    errors: list[tuple[int, list[str]]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    batches: int = 0
    imported: bool = False
    problem: str | None = None

    def as_dict(self) -> dict:
        return {"rows": self.rows, "valid": self.valid, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "batches": self.batches,
                "imported": self.imported, "problem": self.problem,
                "errors": [{"row": row, "reasons": reasons} for row, reasons in self.errors]}


def _read_rows(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    # newline=None reads "\r" (old Mac), "\r\n" and "\n" alike as line endings, as
    # open(..., newline=None) would; csv would otherwise refuse a bare "\r" in a field.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=None))
    try:
        header = next(reader)
    except StopIteration:
        return {}, []
    keys = [_header_key(h) for h in header]
    mapping: dict[str, int] = {}
    for ours, accepted in COLUMNS.items():
        for index, key in enumerate(keys):
            if key in accepted and ours not in mapping:
                mapping[ours] = index
    rows = []
    for raw in reader:
        if not any(cell.strip() for cell in raw):
            rows.append(None)
            continue
        # An uploaded file is not cleaned like form fields: drop control characters here
        # (PostgreSQL refuses NUL in text; the feeds and pages have no use for the others).
        rows.append({ours: (without_control_characters(raw[i]).strip() if i < len(raw) else "")
                     for ours, i in mapping.items()})
    return mapping, rows


def _validate_rows(rows: list, wards: dict[str, int]) -> tuple[list, list]:
    """(valid [(row number, values)], errors [(row number, reasons)]); row 1 is the header."""
    valid, errors = [], []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if row is None:
            continue
        reasons = []
        for key in REQUIRED:
            if not row.get(key):
                reasons.append(_("%(column)s is missing", column=COLUMNS[key][0].capitalize()
                                 if key != "uprn" else "UPRN"))
        kind = _choice(row.get("kind"), ASSET_KINDS)
        if row.get("kind") and kind is None:
            reasons.append(_("Kind \u201c%(value)s\u201d is not one of: %(choices)s",
                             value=row["kind"], choices=", ".join(ASSET_KINDS)))
        status = _choice(row.get("community_status"), COMMUNITY_STATUSES)
        if row.get("community_status") and status is None:
            reasons.append(_("Community status \u201c%(value)s\u201d is not one of: %(choices)s",
                             value=row["community_status"], choices=", ".join(COMMUNITY_STATUSES)))
        uprn = row.get("uprn", "")
        if uprn and not UPRN.match(uprn):
            reasons.append(_("UPRN \u201c%(value)s\u201d must be 1 to 12 digits", value=uprn))
        elif uprn in seen:
            reasons.append(_("UPRN %(value)s is also on row %(row)s", value=uprn, row=seen[uprn]))
        elif uprn:
            seen[uprn] = number
        postcode = normalise_postcode(row.get("postcode"))
        if postcode and not POSTCODE.match(postcode):
            reasons.append(_("Postcode \u201c%(value)s\u201d is not a real postcode",
                             value=row["postcode"]))
        if len(row.get("name", "")) > 200:
            reasons.append(_("Asset name is longer than 200 characters"))
        if len(row.get("tenure", "")) > 40:
            reasons.append(_("Tenure is longer than 40 characters"))
        ward_id = None
        if row.get("ward"):
            ward_id = wards.get(row["ward"].lower())
            if ward_id is None:
                reasons.append(_("Ward \u201c%(value)s\u201d is not one of our wards",
                                 value=row["ward"]))
        lat = lon = None
        try:
            lat, lon = _float(row.get("lat")), _float(row.get("lon"))
            if (lat is not None and not -90 <= lat <= 90) or (
                    lon is not None and not -180 <= lon <= 180):
                raise ValueError
        except ValueError:
            reasons.append(_("Latitude and longitude must be numbers on the map"))
        if reasons:
            errors.append((number, reasons))
            continue
        address = ", ".join(p for p in (row.get("street"), row.get("town")) if p)
        values = {"uprn": uprn, "name": row["name"], "kind": kind, "community_status": status,
                  "address": address[:300], "postcode": postcode,
                  "tenure": row.get("tenure") or None}
        if "ward" in row:
            values["ward_id"] = ward_id
        if "lat" in row:
            values["lat"] = lat
        if "lon" in row:
            values["lon"] = lon
        if "description" in row:
            values["description"] = row.get("description") or ""
        valid.append((number, values))
    return valid, errors


def import_assets_csv(actor: User, text: str, import_valid_only: bool = False,
                      dry_run: bool = False, batch_size: int = IMPORT_BATCH,
                      progress=None) -> ImportReport:
    """Import a land-and-buildings register (CSV text).

    Every row is checked first. If any row is invalid nothing is imported, unless
    ``import_valid_only``. Assets are matched by UPRN: existing ones are updated, new ones
    created, identical ones left alone, so running the same file twice changes nothing.
    ``dry_run`` reports what would happen. ``progress(done, total)`` is called per batch.
    """
    require(actor, "manage_assets")
    report = ImportReport()
    try:
        mapping, rows = _read_rows(text or "")
    except csv.Error as exc:  # e.g. a field over the csv module's limit: say so, import nothing
        report.problem = _("The file could not be read as CSV (%(reason)s). Check it opens in "
                           "a spreadsheet and save it again as CSV.", reason=str(exc))
        return report
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in mapping]
    if not mapping or missing:
        report.problem = _("The file must have a header row with the columns UPRN, Asset name, "
                           "Kind and Community status. Missing: %(missing)s",
                           missing=", ".join(missing) or "all")
        return report
    wards = {}
    for ward in db.session.scalars(select(Ward)):
        wards[ward.name.lower()] = ward.id
        if ward.ons_code:
            wards[ward.ons_code.lower()] = ward.id
    report.rows = sum(1 for r in rows if r is not None)
    valid, report.errors = _validate_rows(rows, wards)
    report.valid = len(valid)
    if report.errors and not import_valid_only:
        return report

    for start in range(0, len(valid), batch_size):
        batch = valid[start:start + batch_size]
        existing = {a.uprn: a for a in db.session.scalars(select(CommunityAsset).where(
            CommunityAsset.uprn.in_([values["uprn"] for _n, values in batch])))}
        for _number, values in batch:
            asset = existing.get(values["uprn"])
            if asset is None:
                report.created += 1
                if not dry_run:
                    asset = CommunityAsset(**values, created_at=utcnow(), updated_at=utcnow())
                    db.session.add(asset)
                continue
            changes = {k: v for k, v in values.items() if getattr(asset, k) != v}
            if not changes:
                report.unchanged += 1
                continue
            report.updated += 1
            if not dry_run:
                for key, value in changes.items():
                    setattr(asset, key, value)
                asset.updated_at = utcnow()
        if not dry_run:
            db.session.flush()
        report.batches += 1
        if progress is not None:
            progress(min(start + batch_size, len(valid)), len(valid))
    report.imported = not dry_run
    if not dry_run:
        record_audit(actor, "asset.import", None, None,
                     {"rows": report.rows, "created": report.created, "updated": report.updated,
                      "unchanged": report.unchanged, "rejected": len(report.errors)})
        db.session.flush()
    return report


def import_assets_file(path: str, *, valid_only: bool = False, actor_email: str | None = None,
                       echo=print) -> int:
    """``flask import-assets FILE``: import, commit, print a report; returns the exit code."""
    query = select(User).where(User.deactivated_at.is_(None), User.deleted_at.is_(None))
    if actor_email:
        query = query.where(func.lower(User.email) == actor_email.strip().lower())
    else:
        query = query.where(User.role == "admin").order_by(User.id)
    actor = db.session.scalars(query.limit(1)).first()
    if actor is None or not actor.is_staff:
        echo("No staff account to import as: create an admin first (flask create-admin), "
             "or pass --as with a moderator's email.")
        return 2
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()

    def progress(done: int, total: int) -> None:
        echo(f"  {done} of {total} rows processed")

    report = import_assets_csv(actor, text, import_valid_only=valid_only, progress=progress)
    if report.problem:
        echo(report.problem)
        return 1
    for row, reasons in report.errors:
        echo(f"Row {row}: {'; '.join(reasons)}")
    if not report.imported:
        db.session.rollback()
        echo(f"{len(report.errors)} of {report.rows} rows have problems: nothing imported. "
             "Correct the file, or run again with --valid-only to import the valid rows.")
        return 1
    db.session.commit()
    echo(f"{report.rows} rows: {report.created} created, {report.updated} updated, "
         f"{report.unchanged} unchanged, {len(report.errors)} rejected.")
    return 0
