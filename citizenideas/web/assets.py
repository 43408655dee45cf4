"""The community asset register: public list and pages; moderators create, edit, retire and
import from a CSV land-and-buildings register."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import ASSET_KINDS, COMMUNITY_STATUSES, Organisation, Ward
from ..page_cache import public_page
from ..pagination import requested_page
from ..services import asset_import
from ..services import assets as register
from .actions import run_action
from .council import staff_only
from .forms import int_field, text_field
from .maps import map_layers

bp = Blueprint("assets", __name__)
PER_PAGE = 20
MAX_UPLOAD = 10 * 1024 * 1024
# The labels live with the service, which reads them in CSV imports too.
KIND_LABELS, STATUS_LABELS = register.KIND_LABELS, register.STATUS_LABELS
FORM_FIELDS = ("name", "kind", "address", "postcode", "uprn", "ward_id", "lat", "lon", "tenure",
               "operator_organisation_id", "community_status", "description")


@bp.app_context_processor
def _labels():
    return {"asset_kind_label": lambda k: str(KIND_LABELS.get(k, k)),
            "asset_status_label": lambda s: str(STATUS_LABELS.get(s, s))}


def _choices() -> dict:
    return {
        "kinds": [(k, str(KIND_LABELS[k])) for k in ASSET_KINDS],
        "statuses": [(s, str(STATUS_LABELS[s])) for s in COMMUNITY_STATUSES],
        "typed_statuses": [(s, str(STATUS_LABELS[s])) for s in register.TYPED_STATUSES],
        "wards": list(db.session.scalars(select(Ward).order_by(Ward.name))),
    }


@bp.get("/assets")
@public_page
def index():
    """Public list of community places, filtered by kind, ward and community status."""
    kind = request.args.get("kind") if request.args.get("kind") in ASSET_KINDS else None
    status = (request.args.get("community_status")
              if request.args.get("community_status") in COMMUNITY_STATUSES else None)
    ward_id = int_field("ward_id", request.args)
    page = requested_page(request.args)
    items, total = register.search_assets(kind=kind, ward_id=ward_id, community_status=status,
                                          page=page, per_page=PER_PAGE)
    filters = {"kind": kind or "", "ward_id": ward_id or "", "community_status": status or ""}
    query_args = {k: v for k, v in filters.items() if v}
    layers = map_layers("places", url_for("maps.assets_geojson", **query_args),
                        url_for("maps.ideas_geojson"))
    return render_template("assets/index.html", assets=items, total=total, page=page,
                           per_page=PER_PAGE, filters=filters, query_args=query_args,
                           layers=layers, **_choices())


@bp.get("/assets/<int:asset_id>")
@public_page
def show(asset_id: int):
    """A place, the ideas linked to it and outcomes delivered there."""
    asset = register.get_asset(current_user, asset_id)
    return render_template("assets/show.html", asset=asset, ideas=register.asset_ideas(asset),
                           outcomes=register.asset_outcomes(asset))


def _form_values() -> dict:
    return {key: text_field(key) for key in FORM_FIELDS}


def _form(template_values: dict, errors: dict, asset=None, status: int = 200):
    organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    return render_template("assets/form.html", values=template_values, errors=errors,
                           asset=asset, organisations=organisations,
                           record_status=(register.record_status_reason(asset.community_status)
                                          if asset is not None and asset.community_status
                                          in register.RECORD_STATUSES else None),
                           **_choices()), status


@bp.route("/assets/new", methods=["GET", "POST"])
@staff_only
def new():
    if request.method == "GET":
        return _form({"community_status": "council_run"}, {})
    values = _form_values()

    def added(asset):
        flash(_("%(name)s added to the register.", name=asset.name), "success")
        return redirect(url_for("assets.show", asset_id=asset.id), code=303)

    return run_action(lambda: register.create_asset(current_user, **values), done=added,
                      catch=ValidationFailed,
                      failed=lambda exc: _form(values, exc.errors, None, 422))


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(asset_id: int):
    asset = register.get_asset(current_user, asset_id)
    if request.method == "GET":
        return _form({key: ("" if getattr(asset, key) is None else getattr(asset, key))
                      for key in FORM_FIELDS}, {}, asset)
    # A status (or a transferred place's operator) that follows from records is shown, not
    # posted: what the form leaves out keeps its value.
    values = {key: value for key, value in _form_values().items() if key in request.form}

    def saved(_result):
        flash(_("Changes saved."), "success")
        return redirect(url_for("assets.show", asset_id=asset.id), code=303)

    return run_action(lambda: register.update_asset(current_user, asset, **values), done=saved,
                      catch=ValidationFailed,
                      failed=lambda exc: _form(values, exc.errors, asset, 422))


@bp.post("/assets/<int:asset_id>/retire")
@staff_only
def retire(asset_id: int):
    asset = register.get_asset(current_user, asset_id)

    def retired(_result):
        flash(_("%(name)s is retired: it no longer shows on the public list.",
                name=asset.name), "success")
        return redirect(url_for("assets.show", asset_id=asset.id), code=303)

    return run_action(lambda: register.retire_asset(current_user, asset), done=retired)


@bp.route("/council/assets/import", methods=["GET", "POST"])
@staff_only
def import_csv():
    """Upload a register, see the report (a dry run), then import: all rows or the valid ones."""
    if request.method == "GET":
        return render_template("assets/import.html", report=None, csv_text="", errors={})
    step = request.form.get("step", "preview")
    csv_text = request.form.get("csv_text", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            return render_template("assets/import.html", report=None, csv_text="", errors={
                "file": [_("The file must be smaller than 10 MB.")]}), 422
        csv_text = raw.decode("utf-8-sig", errors="replace")
    if not csv_text.strip():
        return render_template("assets/import.html", report=None, csv_text="", errors={
            "file": [_("Choose a CSV file to upload.")]}), 422
    valid_only = request.form.get("valid_only") == "yes"
    dry_run = step != "import"

    def reported(report):
        if report.imported:
            flash(_("Import finished: %(created)s created, %(updated)s updated, %(unchanged)s "
                    "unchanged.", created=report.created, updated=report.updated,
                    unchanged=report.unchanged), "success")
        status = 422 if report.problem or (report.errors and not dry_run
                                           and not report.imported) else 200
        return render_template("assets/import.html", report=report, csv_text=csv_text,
                               errors={}, dry_run=dry_run), status

    # A dry run (the preview) is rolled back; an import that refused its rows wrote nothing.
    return run_action(lambda: asset_import.import_assets_csv(
        current_user, csv_text, import_valid_only=valid_only or dry_run, dry_run=dry_run),
        done=reported, commit=not dry_run)
