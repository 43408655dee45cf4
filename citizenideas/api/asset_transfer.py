"""Community asset transfer requests: a verified organisation asks to take on a place (its
members), the council moves the request through its stages (staff; the organisation
withdraws), the council asks for more information and the organisation answers. Reads are
public, except the organisation's capacity and the questions, which only the organisation's
members and the council see (``null`` for anyone else)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from ..models import TRANSFER_STAGES, Organisation, TransferRequest
from ..permissions import can
from ..services import asset_transfer as transfers
from ..services import asset_transfer_lists as transfer_lists
from ..services import asset_transfer_questions as transfer_questions
from .assets import _load
from .base import (
    AUTH_OPTIONAL,
    AUTH_REQUIRED,
    actor,
    bp,
    caller,
    committed,
    get_or_404,
    responses,
    signed_in,
    spec,
)
from .schemas import Body, Id, Out, document_rules, documented, text_limits, visible_text

TAG = ["Community asset transfer"]
ERRORS = (401, 403, 409, 422)
Stage = Literal[TRANSFER_STAGES]  # type: ignore[valid-type]
IsoDate = Annotated[date, Field(strict=False)]


# The service's limits (services.asset_transfer.TEXT_FIELDS).
Use = Annotated[str, text_limits(5000, minimum=20, required=True)]
LongText = Annotated[str, text_limits(5000, required=True)]
ShortText = Annotated[str, text_limits(2000, required=True)]


class TransferRequestIn(Body):
    """What the organisation will do with the place, who benefits, how equal access will be
    kept (opening hours, prices, accessibility: public) and its capacity (people, money,
    experience: seen by the organisation and the council only)."""

    organisation_id: Id
    proposed_use: Use
    beneficiaries: LongText
    commitment_opening_hours: ShortText
    commitment_prices: ShortText
    commitment_accessibility: ShortText
    capacity_people: ShortText
    capacity_money: ShortText
    capacity_experience: ShortText
    ideas: Annotated[list[Annotated[str, Field(max_length=30, pattern=r"^[^\x00]*$")]],
                     Field(max_length=transfers.MAX_IDEAS)] = Field(
        default_factory=list,
        description="The ideas on the platform it answers: references (DB-2026-0012) or ids.")


class StageIn(Body):
    """`approved` and `declined` need a public `message` (the reason); `transferred` needs
    `terms` (in a sentence) and `transferred_on` (today or earlier); `withdrawn` is the
    organisation's own (its members); every other stage is the council's."""

    model_config = {"json_schema_extra": document_rules(when=[
        ({"stage": {"enum": sorted(transfers.REASON_REQUIRED)}},
         {"required": ["message"], "properties": {"message": visible_text()}}),
        ({"stage": {"const": "transferred"}},
         {"required": ["terms", "transferred_on"],
          "properties": {"terms": visible_text()}})])}

    stage: Stage
    message: Annotated[str, text_limits(5000)] = ""
    terms: Annotated[str, text_limits(500)] | None = None
    transferred_on: Annotated[IsoDate, documented(
        pattern=r"^(?:20[0-9]{2}|2100)-",
        description="A date in a year from 2000 to 2100, today or earlier.")] | None = None
    # The stage the client last saw: if the request has moved on since, 409.
    expected_stage: Stage | None = None


class QuestionIn(Body):
    question: Annotated[str, text_limits(5000, required=True)]


class AnswerIn(Body):
    answer: Annotated[str, text_limits(10000, required=True)]


class LinkedIdeaOut(Out):
    id: int
    reference: str | None
    title: str


class StageChangeOut(Out):
    from_stage: Stage | None
    to_stage: Stage
    message: str
    created_at: datetime


class CapacityOut(Out):
    people: str
    money: str
    experience: str


class QuestionOut(Out):
    id: int
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


class TransferRequestOut(Out):
    id: int
    asset_id: int
    asset: str
    organisation_id: int
    organisation: str
    stage: Stage
    stage_changed_at: datetime
    submitted_at: datetime
    proposed_use: str
    beneficiaries: str
    commitment_opening_hours: str
    commitment_prices: str
    commitment_accessibility: str
    decision_reason: str | None
    decided_at: datetime | None
    terms: str | None
    transferred_on: date | None
    ideas: list[LinkedIdeaOut]
    stages: list[StageChangeOut]
    capacity: CapacityOut | None = Field(
        description="The organisation's members and the council only; null for others.")
    questions: list[QuestionOut] | None = Field(
        description="The organisation's members and the council only; null for others.")


class TransferRequestListOut(Out):
    items: list[TransferRequestOut]


def question_out(q) -> QuestionOut:
    return QuestionOut(id=q.id, question=q.question, asked_at=q.asked_at, answer=q.answer,
                       answered_at=q.answered_at)


def request_out(r: TransferRequest) -> TransferRequestOut:
    private = can(actor(), "view_transfer_private", r)
    return TransferRequestOut(
        id=r.id, asset_id=r.asset_id, asset=r.asset.name, organisation_id=r.organisation_id,
        organisation=r.organisation.name, stage=r.stage, stage_changed_at=r.stage_changed_at,
        submitted_at=r.submitted_at, proposed_use=r.proposed_use,
        beneficiaries=r.beneficiaries, commitment_opening_hours=r.commitment_opening_hours,
        commitment_prices=r.commitment_prices,
        commitment_accessibility=r.commitment_accessibility,
        decision_reason=r.decision_reason, decided_at=r.decided_at, terms=r.terms,
        transferred_on=r.transferred_on,
        ideas=[LinkedIdeaOut(id=i.id, reference=i.reference, title=i.title)
               for i in r.ideas if not i.hidden],
        stages=[StageChangeOut(from_stage=s.from_stage, to_stage=s.to_stage,
                               message=s.message, created_at=s.created_at) for s in r.stages],
        capacity=CapacityOut(people=r.capacity_people, money=r.capacity_money,
                             experience=r.capacity_experience) if private else None,
        questions=[question_out(q) for q in r.info_requests] if private else None)


def _request(request_id: int) -> TransferRequest:
    return get_or_404(TransferRequest, request_id, "There is no such transfer request.")


@bp.get("/assets/<int:asset_id>/transfer-requests")
@spec.validate(resp=responses(200, TransferRequestListOut), tags=TAG, security=AUTH_OPTIONAL)
def list_transfer_requests(asset_id: int):
    """Every transfer request for a place, newest first (declined and withdrawn ones too).

    A token is optional: with one, the organisation's members and the council also see its
    capacity and the questions.
    """
    asset = _load(asset_id)
    return TransferRequestListOut(
        items=[request_out(r) for r in transfer_lists.asset_transfer_requests(asset)])


@bp.post("/assets/<int:asset_id>/transfer-requests")
@signed_in
@spec.validate(resp=responses(201, TransferRequestOut, *ERRORS), tags=TAG,
               security=AUTH_REQUIRED)
def create_transfer_request(asset_id: int, json: TransferRequestIn):
    """Ask to take on a place, for a verified organisation the caller belongs to (403
    otherwise; 409 if it already has an open request for the place, or the place was
    transferred)."""
    asset = _load(asset_id)
    organisation = get_or_404(Organisation, json.organisation_id, "There is no such organisation.")
    fields = json.model_dump(exclude={"organisation_id", "ideas"})
    made = committed(lambda: transfers.submit_transfer_request(
        caller(), asset, organisation, ideas=json.ideas, **fields))
    return request_out(made), 201


@bp.get("/transfer-requests/<int:request_id>")
@spec.validate(resp=responses(200, TransferRequestOut), tags=TAG, security=AUTH_OPTIONAL)
def get_transfer_request(request_id: int):
    """One transfer request, with its steps.

    A token is optional: with one, the organisation's members and the council also see its
    capacity and the questions.
    """
    return request_out(_request(request_id))


@bp.post("/transfer-requests/<int:request_id>/stage")
@signed_in
@spec.validate(resp=responses(200, TransferRequestOut, *ERRORS), tags=TAG,
               security=AUTH_REQUIRED)
def move_transfer_request(request_id: int, json: StageIn):
    """Move a request to its next stage (the council), or withdraw it (`withdrawn`: the
    organisation's members). A stage that cannot follow the current one is 409."""
    request = _request(request_id)
    if json.stage == "withdrawn":
        committed(lambda: transfers.withdraw_transfer_request(caller(), request, json.message))
    else:
        committed(lambda: transfers.move_transfer_stage(
            caller(), request, json.stage, json.message, terms=json.terms,
            transferred_on=json.transferred_on, expected_stage=json.expected_stage))
    return request_out(request)


@bp.post("/transfer-requests/<int:request_id>/questions")
@signed_in
@spec.validate(resp=responses(201, QuestionOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def ask_transfer_question(request_id: int, json: QuestionIn):
    """Ask the organisation for more information (the council; 409 once the request is
    decided)."""
    request = _request(request_id)
    info = committed(lambda: transfer_questions.ask_for_information(caller(), request,
                                                                    json.question))
    return question_out(info), 201


@bp.post("/transfer-requests/<int:request_id>/questions/<int:question_id>/answer")
@signed_in
@spec.validate(resp=responses(200, QuestionOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def answer_transfer_question(request_id: int, question_id: int, json: AnswerIn):
    """Answer the council's question (the organisation's members; once: 409 after)."""
    request = _request(request_id)
    info = transfer_questions.get_info_request(request, question_id)
    committed(lambda: transfer_questions.answer_information_request(caller(), info, json.answer))
    return question_out(info)
