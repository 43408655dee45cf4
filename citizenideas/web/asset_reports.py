"""After a transfer, on the pages: the asset page's section (the transfer, its commitments,
every yearly report next to them, residents' access comments), the operator's report form,
the access comment form, staff hiding a comment, and the council's list of transferred places.
The services are services.asset_reports and services.asset_access."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..models import AccessComment
from ..pagination import requested_page
from ..permissions import can, require
from ..services import asset_access as access
from ..services import asset_reports as reports
from ..services import assets as register
from ..throttling import action_limits
from .actions import form_status, run_action
from .asset_timeline import asset_page_links
from .council import staff_only
from .forms import text_field

bp = Blueprint("asset_reports", __name__)

YEAR_STATES = {"on_time": _l("On time"), "late": _l("Late"), "overdue": _l("Overdue"),
               "due": _l("Due"), "upcoming": _l("Not yet due")}
YEAR_COLOURS = {"on_time": "green", "late": "orange", "overdue": "red", "due": "yellow",
                "upcoming": "grey"}
COMMITMENT_LABELS = {"kept": _l("Kept"), "partly_kept": _l("Partly kept"),
                     "not_kept": _l("Not kept")}
COMMITMENT_COLOURS = {"kept": "green", "partly_kept": "orange", "not_kept": "red"}
ACCESS_LABELS = {"better": _l("Better"), "same": _l("The same"), "worse": _l("Worse")}
REPORT_FIELDS = ("year_number", "opening_hours", "people_served", "prices", "access_changes",
                 "story", "commitments", "commitments_note")
COMMENT_FIELDS = ("change", "body")


def after_transfer(asset) -> dict | None:
    """What the asset page's "After the transfer" section shows, or None (not transferred)."""
    transfer = reports.transferred_request(asset)
    if transfer is None:
        return None
    comments = access.access_comments(asset, requested_page(request.args, "comments"))
    older, newer = asset_page_links(asset, comments, "comments", "access-comments")
    return {"transfer": transfer, "years": reports.report_years(transfer),
            "comments": comments.items, "comments_page": comments,
            "older_comments": older, "newer_comments": newer,
            "tally": access.access_tally(asset)}


@bp.app_context_processor
def _helpers():
    return {"after_transfer": after_transfer,
            "asset_reports_for_member": reports.reporting_for_member,
            "asset_reports_overdue": reports.overdue_count,
            "transferred_places_summary": reports.accountability_summary,
            "report_year_label": lambda s: str(YEAR_STATES.get(s, s)),
            "report_year_colour": lambda s: YEAR_COLOURS.get(s, "grey"),
            "commitment_label": lambda s: str(COMMITMENT_LABELS.get(s, s)),
            "commitment_colour": lambda s: COMMITMENT_COLOURS.get(s, "grey"),
            "access_change_label": lambda s: str(ACCESS_LABELS.get(s, s))}


def _transferred(asset_id: int):
    asset = register.get_asset(current_user, asset_id)
    transfer = reports.transferred_request(asset)
    if transfer is None:
        abort(404)
    return asset, transfer


@bp.route("/assets/<int:asset_id>/reports/new", methods=["GET", "POST"])
@login_required
def new_report(asset_id: int):
    """The operator's yearly report: for a year that is due or overdue."""
    asset, transfer = _transferred(asset_id)
    require(current_user, "report_on_asset", transfer,
            _("Only members of the organisation running this place can report on it."))
    years = [y for y in reports.report_years(transfer) if y.open_for_report]

    def form(values, errors, status=200):
        return render_template("assets/report_form.html", asset=asset, transfer=transfer,
                               years=years, values=values, errors=errors), status

    if request.method != "POST":
        return form({"year_number": str(years[0].year_number) if years else ""}, {})
    values = {name: text_field(name) for name in REPORT_FIELDS}
    return run_action(
        lambda: reports.submit_report(current_user, transfer, **values),
        done=lambda r: _back(asset.id, _("Your report for year %(n)s is published.",
                                         n=r.year_number), "reports"),
        failed=lambda exc: form(values, getattr(exc, "errors", None)
                                or {"year_number": [exc.detail]}, form_status(exc)))


@bp.route("/assets/<int:asset_id>/access-comments/new", methods=["GET", "POST"])
@login_required
@action_limits("RATELIMIT_COMMENT", methods=["POST"])
def new_access_comment(asset_id: int):
    """A resident's word on access (the asset page carries the same form)."""
    asset, _transfer = _transferred(asset_id)
    require(current_user, "comment_on_access", asset)

    def form(values, errors, status=200):
        return render_template("assets/access_comment_form.html", asset=asset, values=values,
                               errors=errors), status

    if request.method != "POST":
        return form({}, {})
    values = {"change": text_field("change"), "body": request.form.get("body", "")}
    return run_action(
        lambda: access.post_access_comment(current_user, asset, **values),
        done=lambda _c: _back(asset.id, _("Thank you. Your comment is published."),
                              "access-comments"),
        failed=lambda exc: form(values, getattr(exc, "errors", None)
                                or {"body": [exc.detail]}, form_status(exc)))


@bp.route("/council/access-comments/<int:comment_id>/hide", methods=["GET", "POST"])
@staff_only
def hide_access_comment(comment_id: int):
    comment = db.session.get(AccessComment, comment_id)
    if comment is None:
        abort(404)

    def form(values, errors, status=200):
        return render_template("council/hide_access_comment.html", comment=comment,
                               values=values, errors=errors), status

    if request.method != "POST":
        return form({}, {})
    values = {"reason": text_field("reason")}
    return run_action(
        lambda: access.hide_access_comment(current_user, comment, values["reason"]),
        done=lambda _c: _back(comment.asset_id, _("The comment is hidden."),
                              "access-comments"),
        failed=lambda exc: form(values, getattr(exc, "errors", None)
                                or {"reason": [exc.detail]}, form_status(exc)))


@bp.get("/council/transferred-places")
@staff_only
def council_list():
    """Every transferred place and its reporting: on time, late, overdue, next due."""
    require(current_user, "view_asset_reporting")
    return render_template("council/transferred_places.html",
                           rows=reports.transfers_reporting(), can_hide=can(current_user, "hide"))


def _back(asset_id: int, message: str, anchor: str):
    flash(message, "success")
    return redirect(url_for("assets.show", asset_id=asset_id, _anchor=anchor), code=303)
