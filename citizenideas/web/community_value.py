"""Assets of community value: nominate (verified organisations' members; staff for a group of
local people), decide (staff), record the owner told and a notice of sale (staff), register an
intent to bid (verified organisations' members), and the two published lists with their open
data. The services are services.community_value and services.community_value_lists."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import AcvNomination, Organisation
from ..page_cache import public_page
from ..permissions import can, require
from ..services import assets as register
from ..services import community_value as acv
from ..services import community_value_lists as lists
from .accountability import _csv, _json
from .actions import form_status, run_action
from .council import staff_only
from .forms import int_field, text_field

bp = Blueprint("community_value", __name__)


@bp.app_context_processor
def _helpers():
    return {"acv_moratorium": acv.moratorium, "acv_overdue": acv.is_overdue,
            "acv_today": acv.today, "acv_nominations": lists.asset_nominations,
            "acv_bidding_organisations": _bidding_organisations,
            "acv_queue_counts": lists.queue_counts}


def _verified_organisations() -> list[Organisation]:
    if not current_user.is_authenticated:
        return []
    return sorted((m.organisation for m in current_user.memberships
                   if m.organisation.is_verified), key=lambda o: o.name)


def _bidding_organisations(nomination: AcvNomination) -> list[Organisation]:
    """The signed-in person's verified organisations that have not yet registered an intent
    to bid on ``nomination`` (the buttons shown during the interim window)."""
    done = {i.organisation_id for i in nomination.bid_intents}
    return [o for o in _verified_organisations() if o.id not in done]


def _nomination(nomination_id: int) -> AcvNomination:
    nomination = db.session.get(AcvNomination, nomination_id)
    if nomination is None:
        abort(404)
    return nomination


def _back_to_asset(asset_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("assets.show", asset_id=asset_id), code=303)


@bp.route("/assets/<int:asset_id>/nominate", methods=["GET", "POST"])
@login_required
def nominate(asset_id: int):
    asset = register.get_asset(current_user, asset_id)
    staff = can(current_user, "record_acv_group_nomination")
    if not staff:
        require(current_user, "nominate_acv_any", None,
                _("Only members of a verified organisation can nominate a place."))
    organisations = _verified_organisations()

    def form(values, errors, status=200):
        return render_template("assets/acv_nominate.html", asset=asset, values=values,
                               errors=errors, organisations=organisations, staff=staff), status

    if request.method != "POST":
        return form({"organisation_id": str(organisations[0].id) if len(organisations) == 1
                     else ""}, {})
    values = {"organisation_id": text_field("organisation_id"),
              "group_name": text_field("group_name"), "reasons": text_field("reasons")}
    org_id = int_field("organisation_id")
    organisation = next((o for o in organisations if o.id == org_id), None)
    if organisation is None and not (staff and values["group_name"]):
        if not organisations:  # staff with no organisation of their own: the group's name
            return form(values, {"group_name": [_("Enter the name of the group of local "
                                                  "people.")]}, 422)
        return form(values, {"organisation_id": [_("Choose the organisation nominating the "
                                                   "place.")]}, 422)
    return run_action(
        lambda: acv.nominate_asset(current_user, asset, organisation=organisation,
                                   group_name=values["group_name"] or None,
                                   reasons=values["reasons"]),
        done=lambda _n: _back_to_asset(asset.id, _("Nomination sent. The council will decide "
                                                   "within 8 weeks.")),
        failed=lambda exc: form(values, getattr(exc, "errors", None)
                                or {"reasons": [exc.detail]}, form_status(exc)))


@bp.post("/assets/<int:asset_id>/intent-to-bid")
@login_required
def intent_to_bid(asset_id: int):
    asset = register.get_asset(current_user, asset_id)
    nomination = acv.current_listing(asset)
    if nomination is None:
        abort(404)
    org_id = int_field("organisation_id")
    organisation = next((o for o in _verified_organisations() if o.id == org_id), None)
    if organisation is None:
        require(current_user, "bid_on_acv", None)  # 403 (or sign in)
    return run_action(
        lambda: acv.register_intent_to_bid(current_user, nomination, organisation),
        done=lambda _i: _back_to_asset(asset.id, _("%(name)s's intent to bid is registered.",
                                                   name=organisation.name)),
        failed=lambda exc: _refused(asset.id, exc))


def _refused(asset_id: int, exc):
    flash(exc.detail, "error")
    return redirect(url_for("assets.show", asset_id=asset_id), code=303)


@bp.get("/council/community-value")
@staff_only
def queue():
    return render_template("council/acv_queue.html", nominations=lists.nominations_to_decide(),
                           today=acv.today())


@bp.route("/council/community-value/<int:nomination_id>", methods=["GET", "POST"])
@staff_only
def decide(nomination_id: int):
    nomination = _nomination(nomination_id)

    def form(values, errors, status=200):
        return render_template("council/acv_decide.html", nomination=nomination,
                               values=values, errors=errors), status

    if request.method != "POST":
        return form({}, {})
    values = {"decision": text_field("decision"), "reason": text_field("reason")}
    return run_action(
        lambda: acv.decide_nomination(current_user, nomination, values["decision"],
                                      values["reason"]),
        done=lambda n: _back_to_asset(n.asset_id, _("Decision recorded and published.")),
        failed=lambda exc: form(values, getattr(exc, "errors", None)
                                or {"decision": [exc.detail]}, form_status(exc)))


@bp.post("/council/community-value/<int:nomination_id>/owner-told")
@staff_only
def owner_told(nomination_id: int):
    nomination = _nomination(nomination_id)
    return run_action(lambda: acv.record_owner_told(current_user, nomination),
                      done=lambda n: _back_to_asset(n.asset_id, _("Recorded: the owner was "
                                                                  "told.")),
                      failed=lambda exc: _refused(nomination.asset_id, exc))


@bp.post("/council/community-value/<int:nomination_id>/notice-of-sale")
@staff_only
def notice_of_sale(nomination_id: int):
    nomination = _nomination(nomination_id)
    return run_action(
        lambda: acv.record_notice_of_sale(current_user, nomination, text_field("received_on")),
        done=lambda _d: _back_to_asset(nomination.asset_id, _("Notice of sale recorded.")),
        failed=lambda exc: _refused_with_errors(nomination.asset_id, exc))


def _refused_with_errors(asset_id: int, exc):
    errors = getattr(exc, "errors", None) or {}
    flash(" ".join(m for messages in errors.values() for m in messages) or exc.detail, "error")
    return redirect(url_for("assets.show", asset_id=asset_id), code=303)


@bp.get("/assets/community-value")
@public_page
def listed():
    return render_template("assets/acv_listed.html", nominations=lists.listed_nominations())


@bp.get("/assets/community-value/unsuccessful")
@public_page
def unsuccessful():
    return render_template("assets/acv_unsuccessful.html",
                           nominations=lists.unsuccessful_nominations())


@bp.get("/assets/community-value.csv")
def listed_csv():
    return _csv("assets-of-community-value", lists.listed_rows(), lists.LISTED_FIELDS)


@bp.get("/assets/community-value.json")
def listed_json():
    return _json("assets-of-community-value", {"items": lists.listed_rows()})


@bp.get("/assets/community-value/unsuccessful.csv")
def unsuccessful_csv():
    return _csv("unsuccessful-nominations", lists.unsuccessful_rows(),
                lists.UNSUCCESSFUL_FIELDS)


@bp.get("/assets/community-value/unsuccessful.json")
def unsuccessful_json():
    return _json("unsuccessful-nominations", {"items": lists.unsuccessful_rows()})
