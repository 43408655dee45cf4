"""Community asset transfer pages: the request form (verified organisations' members), the
request's page (public parts for everyone; questions, answers, capacity and the forms for the
organisation's members and the council), the council's list with stage counts and the
partner's list. The service is services.asset_transfer."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..models import Organisation, TransferRequest
from ..pagination import requested_page
from ..permissions import can, require
from ..services import asset_transfer as transfers
from ..services import asset_transfer_lists as transfer_lists
from ..services import asset_transfer_questions as transfer_questions
from ..services import assets as register
from .actions import form_status, run_action
from .council import staff_only
from .forms import int_field, text_field

bp = Blueprint("asset_transfer", __name__)
PER_PAGE = 25
FORM_FIELDS = tuple(key for key, *_rest in transfers.TEXT_FIELDS)


@bp.app_context_processor
def _helpers():
    return {"transfer_requests_for": transfer_lists.asset_transfer_requests,
            "transfer_stage_label": transfers.stage_label,
            "transfer_stage_colour": lambda s: transfers.STAGE_COLOURS.get(s, "grey"),
            "transfer_sees_private": lambda r: transfer_lists.sees_private_parts(current_user, r),
            "transfer_open": transfers.is_open}


def _verified_organisations() -> list[Organisation]:
    if not current_user.is_authenticated:
        return []
    return sorted((m.organisation for m in current_user.memberships
                   if m.organisation.is_verified), key=lambda o: o.name)


@bp.route("/assets/<int:asset_id>/transfer-request", methods=["GET", "POST"])
@login_required
def new(asset_id: int):
    """"Ask to take on this place": the request form."""
    asset = register.get_asset(current_user, asset_id)
    require(current_user, "request_transfer_any", None,
            _("Only members of a verified organisation can ask to take on a place."))
    organisations = _verified_organisations()

    def form(values, errors, status=200):
        return render_template("assets/transfer_form.html", asset=asset, values=values,
                               errors=errors, organisations=organisations), status

    if request.method != "POST":
        return form({"organisation_id": str(organisations[0].id) if len(organisations) == 1
                     else ""}, {})
    values = {key: text_field(key) for key in (*FORM_FIELDS, "organisation_id", "ideas")}
    org_id = int_field("organisation_id")
    organisation = next((o for o in organisations if o.id == org_id), None)
    if organisation is None:
        return form(values, {"organisation_id": [_("Choose the organisation asking.")]}, 422)

    def sent(made: TransferRequest):
        flash(_("Request sent. The council will publish each step on this page."), "success")
        return redirect(url_for("asset_transfer.show", request_id=made.id), code=303)

    return run_action(
        lambda: transfers.submit_transfer_request(
            current_user, asset, organisation, ideas=values["ideas"],
            **{key: values[key] for key in FORM_FIELDS}),
        done=sent,
        failed=lambda exc: form(values, exc.errors or {"proposed_use": [exc.detail]},
                                form_status(exc)))


def _page(transfer: TransferRequest, *, values=None, errors=None, form=None, status=200):
    """The request's page; ``form`` names the form ``values`` and ``errors`` belong to
    (``stage``, ``withdraw``, ``question`` or ``answer-<id>``)."""
    return render_template(
        "assets/transfer_request.html", transfer=transfer, values=values or {},
        errors=errors or {}, form=form, moves=transfers.staff_moves(transfer),
        private=transfer_lists.sees_private_parts(current_user, transfer)), status


@bp.get("/transfer-requests/<int:request_id>")
def show(request_id: int):
    """A transfer request: public for everyone (declined ones too)."""
    return _page(transfer_lists.get_transfer_request(request_id))


def _back(transfer: TransferRequest, message: str):
    flash(message, "success")
    return redirect(url_for("asset_transfer.show", request_id=transfer.id), code=303)


@bp.post("/transfer-requests/<int:request_id>/stage")
@staff_only
def move(request_id: int):
    transfer = transfer_lists.get_transfer_request(request_id)
    values = {key: text_field(key) for key in ("stage", "message", "terms", "transferred_on",
                                                "expected_stage")}
    return run_action(
        lambda: transfers.move_transfer_stage(
            current_user, transfer, values["stage"], values["message"], terms=values["terms"],
            transferred_on=values["transferred_on"],
            expected_stage=values["expected_stage"] or None),
        done=lambda t: _back(t, _("The request is now at the stage: %(stage)s.",
                                  stage=transfers.stage_label(t.stage))),
        failed=lambda exc: _page(transfer, values=values,
                                 errors=exc.errors or {"stage": [exc.detail]}, form="stage",
                                 status=form_status(exc)))


@bp.post("/transfer-requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    transfer = transfer_lists.get_transfer_request(request_id)
    values = {"withdraw_message": text_field("withdraw_message")}
    return run_action(
        lambda: transfers.withdraw_transfer_request(current_user, transfer,
                                                    values["withdraw_message"]),
        done=lambda t: _back(t, _("Your request is withdrawn.")),
        failed=lambda exc: _page(transfer, values=values, errors={
            "withdraw_message": sum(exc.errors.values(), []) or [exc.detail]},
            form="withdraw", status=form_status(exc)))


@bp.post("/transfer-requests/<int:request_id>/questions")
@staff_only
def ask(request_id: int):
    transfer = transfer_lists.get_transfer_request(request_id)
    values = {"question": text_field("question")}
    return run_action(
        lambda: transfer_questions.ask_for_information(current_user, transfer, values["question"]),
        done=lambda _q: _back(transfer, _("Question sent to %(name)s.",
                                          name=transfer.organisation.name)),
        failed=lambda exc: _page(transfer, values=values,
                                 errors=exc.errors or {"question": [exc.detail]},
                                 form="question", status=form_status(exc)))


@bp.post("/transfer-requests/<int:request_id>/questions/<int:question_id>/answer")
@login_required
def answer(request_id: int, question_id: int):
    transfer = transfer_lists.get_transfer_request(request_id)
    info = transfer_questions.get_info_request(transfer, question_id)
    field = f"answer-{info.id}"
    values = {field: text_field(field)}
    return run_action(
        lambda: transfer_questions.answer_information_request(current_user, info, values[field]),
        done=lambda _q: _back(transfer, _("Answer sent to the council.")),
        failed=lambda exc: _page(transfer, values=values, errors={
            field: sum(exc.errors.values(), []) or [exc.detail]}, form=field,
            status=form_status(exc)))


@bp.get("/council/asset-transfers")
@staff_only
def council_list():
    """Transfer requests for the council: open ones by default, or those at one stage."""
    stage = request.args.get("stage")
    stage = stage if stage in transfers.STAGE_LABELS else None
    found, counts = transfer_lists.council_list(stage, requested_page(request.args), PER_PAGE)
    return render_template("council/asset_transfers.html", found=found, items=found.items,
                           counts=counts, stage=stage, per_page=PER_PAGE,
                           query_args={"stage": stage} if stage else {})


@bp.get("/partners/transfer-requests")
@login_required
def partner_list():
    """What the signed-in person's organisations asked for, and questions waiting for them."""
    items = transfer_lists.partner_requests(current_user)
    waiting = [(r, q) for r in items for q in transfer_questions.unanswered_questions(r)
               if can(current_user, "answer_transfer_question", r)]
    return render_template("partners/transfer_requests.html", items=items, waiting=waiting)
