"""Partner organisations: claim ideas, withdraw claims, see offers of help, post progress and
report outcomes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from ..extensions import db
from ..models import OUTCOME_RESULTS, Claim, Organisation
from ..services import claims, outcomes
from ..services.delivery_lists import offers_of_help
from .base import AUTH_REQUIRED, bp, caller, committed, get_or_404, responses, signed_in, spec
from .idea_schemas import ClaimOut, OutcomeOut, UpdateOut, claim_out, outcome_out
from .ideas import PledgeOut, load_idea, pledge_out
from .schemas import (
    MAX_ID,
    Body,
    Id,
    Named,
    Out,
    WholeNumber,
    document_rules,
    documented,
    text_limits,
    visible_text,
)

TAG = ["Partners"]
ERRORS = (401, 403, 409, 422)
# ISO dates arrive as strings in JSON, so dates are parsed in lax mode.
IsoDate = Annotated[date, Field(strict=False)]
Amount = float


# The services' own limits (services/claims.py, services/outcomes.py).
DateInRange = Annotated[IsoDate, documented(
    pattern=r"^(?:20[0-9]{2}|2100)-", description="A date in a year from 2000 to 2100.")]


class ClaimIn(Body):
    organisation_id: Id
    plan: Annotated[str, text_limits(claims.PLAN_MAX, minimum=claims.PLAN_MIN,
                                     required=True)]
    expected_start: DateInRange | None = None
    expected_end: Annotated[IsoDate, documented(
        pattern=r"^(?:20[0-9]{2}|2100)-",
        description="A date in a year from 2000 to 2100, not before `expected_start`.")] | None \
        = None


class WithdrawIn(Body):
    reason: Annotated[str, text_limits(2000)] = ""


class PledgeListOut(Out):
    items: list[PledgeOut]


class UpdateIn(Body):
    body: Annotated[str, text_limits(5000, minimum=10, required=True)]
    organisation_id: Id | None = None


class OutcomeIn(Body):
    """A draft may leave anything out; submitting (`submit: true`) needs `result` and
    `summary`."""

    model_config = {"json_schema_extra": document_rules(when=[
        ({"submit": {"const": True}},
         {"required": ["result", "summary"],
          "properties": {"result": {"enum": list(OUTCOME_RESULTS)},
                         "summary": visible_text(10)}})])}

    result: Literal[OUTCOME_RESULTS] | None = None  # type: ignore[valid-type]
    summary: Annotated[str, text_limits(2000, minimum=10)] = ""
    people_reached: Annotated[int, Field(ge=0, le=MAX_ID),
                              documented(maximum=outcomes.MAX_PEOPLE), WholeNumber] | None = None
    volunteer_hours: Annotated[Amount, documented(
        minimum=0, maximum=outcomes.MAX_HOURS, multipleOf=0.1)] | None = None
    spend_pounds: Annotated[Amount, documented(
        minimum=0, maximum=outcomes.MAX_SPEND_POUNDS, multipleOf=0.01)] | None = None
    funding_source: Annotated[str, text_limits(200)] | None = None
    story: Annotated[str, text_limits(5000)] = ""
    lessons: Annotated[str, text_limits(5000)] = ""
    submit: bool = False
    organisation_id: Id | None = None


def _organisation(org_id: int | None) -> Organisation | None:
    if org_id is None:
        return None
    return get_or_404(Organisation, org_id, "There is no such organisation.")


@bp.post("/ideas/<int:idea_id>/claims")
@signed_in
@spec.validate(resp=responses(201, ClaimOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def claim(idea_id: int, json: ClaimIn):
    """Offer to deliver an accepted idea for your verified organisation, with a plan."""
    idea = load_idea(idea_id)
    org = db.session.get(Organisation, json.organisation_id)
    made = committed(lambda: claims.claim_idea(caller(), idea, org, plan=json.plan,
                                               expected_start=json.expected_start,
                                               expected_end=json.expected_end))
    return claim_out(made), 201


@bp.post("/claims/<int:claim_id>/withdraw")
@signed_in
@spec.validate(resp=responses(200, ClaimOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def withdraw_claim(claim_id: int, json: WithdrawIn):
    """Withdraw your organisation's pending or approved claim."""
    found = get_or_404(Claim, claim_id, "There is no such claim.")
    committed(lambda: claims.withdraw_claim(caller(), found, json.reason))
    return claim_out(found)


@bp.get("/ideas/<int:idea_id>/pledges")
@signed_in
@spec.validate(resp=responses(200, PledgeListOut, 401, 403), tags=TAG, security=AUTH_REQUIRED)
def pledges(idea_id: int):
    """Offers of help on an idea: for its delivering organisations and moderators only."""
    idea = load_idea(idea_id)
    return PledgeListOut(items=[pledge_out(p) for p in offers_of_help(caller(), idea)])


@bp.post("/ideas/<int:idea_id>/updates")
@signed_in
@spec.validate(resp=responses(201, UpdateOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def post_update(idea_id: int, json: UpdateIn):
    """Post a public progress update (a delivering organisation, or the council)."""
    idea = load_idea(idea_id)
    update = committed(lambda: outcomes.post_progress_update(
        caller(), idea, json.body, organisation=_organisation(json.organisation_id)))
    org = update.organisation
    return UpdateOut(id=update.id, body=update.body,
                     organisation=Named(id=org.id, name=org.name) if org else None,
                     author=update.author.public_name, created_at=update.created_at), 201


@bp.post("/ideas/<int:idea_id>/outcome")
@signed_in
@spec.validate(resp=responses(200, OutcomeOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def save_outcome(idea_id: int, json: OutcomeIn):
    """Save the outcome report as a draft, or with `submit: true` send it to be published."""
    idea = load_idea(idea_id)
    fields = json.model_dump(exclude={"organisation_id"})
    report = committed(lambda: outcomes.save_outcome_report(
        caller(), idea, **fields, organisation=_organisation(json.organisation_id)))
    return outcome_out(report)

