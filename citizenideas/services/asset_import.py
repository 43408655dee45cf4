"""Importing a council's land-and-buildings register (CSV) into the community asset register.

Every row is checked before anything is written; assets are matched by UPRN, so importing
the same file twice changes nothing. The service flushes and never commits: the caller (the
page's route, or ``flask import-assets`` in cli.py) commits once.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..input import without_control_characters
from ..models import ASSET_KINDS, CommunityAsset, User, Ward, utcnow
from ..permissions import require
from .assets import (
    KIND_LABELS,
    POSTCODE,
    RECORD_STATUSES,
    STATUS_LABELS,
    TYPED_STATUSES,
    UPRN,
    _choice,
    _float,
    choice_labels,
    normalise_postcode,
)
from .audit import record_audit

IMPORT_BATCH = 500

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
        # The site's labels ("Sports ground") or the codes, in any case; a mistake is
        # reported in the labels the moderator sees on the register's pages.
        kind = _choice(row.get("kind"), ASSET_KINDS, KIND_LABELS)
        if row.get("kind") and kind is None:
            reasons.append(_("Kind \u201c%(value)s\u201d must be one of: %(choices)s",
                             value=row["kind"], choices=choice_labels(KIND_LABELS, ASSET_KINDS)))
        # Only the statuses staff type: the others follow from records (transfer requests,
        # listings as assets of community value) and only their services set them.
        status = _choice(row.get("community_status"), TYPED_STATUSES, STATUS_LABELS)
        if row.get("community_status") and status is None:
            reasons.append(_("Community status \u201c%(value)s\u201d must be one of: "
                             "%(choices)s", value=row["community_status"],
                             choices=choice_labels(STATUS_LABELS, TYPED_STATUSES)))
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
            if asset.community_status in RECORD_STATUSES:
                # Its status follows from its records: the register's column does not change it.
                changes.pop("community_status", None)
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
