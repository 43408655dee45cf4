"""The council's side of delivery: the pending claims queue and decisions, the outcome
reports queue (return or publish), and the admin's organisation verification pages.

Nested in the ``partners`` blueprint, so endpoints are ``partners.review.*``.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import CLAIM_STATUSES, OUTCOME_STATES, Claim, OutcomeReport
from ..pagination import requested_page
from ..permissions import require
from ..services import claims as claim_service
from ..services import delivery_lists, organisations
from ..services import outcomes as outcome_service
from .actions import form_status, run_action
from .forms import text_field

bp = Blueprint("review", __name__)
PER_PAGE = 20


def _get(model, object_id: int):
    """A row by id, or 404."""
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


def _page() -> int:
    """The requested page number (1 or more)."""
    return requested_page(request.args)


# ----------------------------------------------------------------------------------- claims

@bp.get("/council/claims")
@login_required
def claims():
    """Claims waiting for a decision (or, by filter, decided ones)."""
    require(current_user, "decide_claim")
    status = request.args.get("status", "pending")
    if status not in CLAIM_STATUSES:
        status = "pending"
    items, total = delivery_lists.claims_queue(status=status, page=_page(), per_page=PER_PAGE)
    return render_template("council_delivery/claims.html", claims=items, total=total,
                           status=status, page=_page(), per_page=PER_PAGE)


@bp.route("/council/claims/<int:claim_id>", methods=["GET", "POST"])
@login_required
def claim(claim_id: int):
    """Read a claim's plan and approve or reject it (a reason is required to reject)."""
    require(current_user, "decide_claim")
    claim_obj = _get(Claim, claim_id)
    values = {"decision": text_field("decision"), "message": text_field("message")}

    def page(errors: dict, status: int = 200):
        pledges = delivery_lists.pledge_summaries([claim_obj.idea_id])[claim_obj.idea_id]
        return render_template("council_delivery/claim.html", claim=claim_obj, values=values,
                               errors=errors, pledges=pledges), status

    if request.method == "GET":
        return page({})

    def decided(_result):
        flash(_("Claim approved.") if claim_obj.status == "approved"
              else _("Claim rejected."), "success")
        return redirect(url_for("partners.review.claims"), code=303)

    # A refusal shows the page again, with the claim as it is now (another moderator may
    # have decided it a moment ago) and what went wrong.
    return run_action(lambda: claim_service.decide_claim(current_user, claim_obj,
                                                         values["decision"], values["message"]),
                      done=decided,
                      failed=lambda exc: page(exc.errors or {"decision": [exc.detail]},
                                              form_status(exc)))


# --------------------------------------------------------------------------------- outcomes

@bp.get("/council/outcomes")
@login_required
def outcomes():
    """Outcome reports submitted for publication (or, by filter, in other states)."""
    require(current_user, "publish_outcome")
    state = request.args.get("state", "submitted")
    if state not in OUTCOME_STATES:
        state = "submitted"
    items, total = delivery_lists.outcomes_queue(state=state, page=_page(), per_page=PER_PAGE)
    return render_template("council_delivery/outcomes.html", reports=items, total=total,
                           state=state, page=_page(), per_page=PER_PAGE)


def _outcome_page(report, errors=None, values=None, status=200):
    """The review page for one report."""
    return render_template("council_delivery/outcome.html", report=report,
                           errors=errors or {}, values=values or {}), status


@bp.get("/council/outcomes/<int:report_id>")
@login_required
def outcome(report_id: int):
    """Read a report before publishing it or sending it back."""
    require(current_user, "publish_outcome")
    return _outcome_page(_get(OutcomeReport, report_id))


@bp.post("/council/outcomes/<int:report_id>/publish")
@login_required
def publish(report_id: int):
    """Publish a submitted report: the idea becomes delivered, partly delivered or not
    delivered."""
    require(current_user, "publish_outcome")
    report = _get(OutcomeReport, report_id)

    def published(_result):
        flash(_("The outcome is published and the idea's followers have been told."),
              "success")
        return redirect(url_for("partners.review.outcomes"), code=303)

    return run_action(lambda: outcome_service.publish_outcome(current_user, report), done=published,
                      failed=lambda exc: _outcome_page(report, {"publish": [exc.detail]},
                                                       status=form_status(exc)))


@bp.post("/council/outcomes/<int:report_id>/return")
@login_required
def send_back(report_id: int):
    """Return a submitted report to its authors with a note."""
    require(current_user, "publish_outcome")
    report = _get(OutcomeReport, report_id)
    values = {"note": text_field("note")}

    def returned(_result):
        flash(_("The report has been sent back with your note."), "success")
        return redirect(url_for("partners.review.outcomes"), code=303)

    return run_action(lambda: outcome_service.return_outcome_report(current_user, report,
                                                                    values["note"]),
                      done=returned,
                      failed=lambda exc: _outcome_page(report, exc.errors or {
                          "note": [exc.detail]}, values, form_status(exc)))


# ---------------------------------------------------------------------------- organisations

@bp.get("/admin/organisations")
@login_required
def organisation_list():
    """Every organisation, filterable by verified or not."""
    require(current_user, "administer")
    show = request.args.get("show", "")
    verified = {"verified": True, "unverified": False}.get(show)
    items, total = organisations.list_organisations(verified=verified, page=_page(),
                                                    per_page=50)
    return render_template("partners/admin_organisations.html", organisations=items,
                           total=total, show=show, page=_page(), per_page=50)


@bp.post("/admin/organisations/<int:org_id>/verify")
@login_required
def verify(org_id: int):
    """An admin verifies an organisation, or withdraws its verification."""
    org = organisations.get_organisation(org_id)
    back = url_for("partners.organisation", org_id=org.id)
    if request.form.get("action") == "unverify":
        work, message = (lambda: organisations.unverify_organisation(current_user, org),
                         _("%(name)s is no longer verified.", name=org.name))
    else:
        work, message = (lambda: organisations.verify_organisation(current_user, org),
                         _("%(name)s is verified.", name=org.name))

    def told(text: str, category: str):
        flash(text, category)
        return redirect(back, code=303)

    return run_action(work, done=lambda _r: told(message, "success"), catch=Conflict,
                      failed=lambda exc: told(exc.detail, "error"))
