"""Council moderators: change status, merge, link places, hide, decide claims, publish outcomes."""

from __future__ import annotations

from typing import Annotated, Literal

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Claim, CommunityAsset, Idea, OutcomeReport
from ..services import claims, merging, outcomes, reports, triage
from ..services.lifecycle import MESSAGE_REQUIRED, change_status
from .base import (
    AUTH_REQUIRED,
    bp,
    caller,
    committed,
    get_or_404,
    renamed,
    responses,
    signed_in,
    spec,
)
from .idea_schemas import (
    ClaimOut,
    CommentOut,
    IdeaOut,
    OutcomeOut,
    Status,
    claim_out,
    comment_out,
    outcome_out,
    present_idea,
)
from .ideas import load_idea
from .schemas import MAX_ID, Body, Id, document_rules, text_limits, visible_text

TAG = ["Council"]
ERRORS = (401, 403, 409, 422)


Message = Annotated[str, text_limits(5000, description=(
    "The public message on the timeline; at most 5,000 characters."))]


class StatusIn(Body):
    """A public message is required for the statuses in the `if`/`then` rule below, and when
    reopening a declined idea (`under_review`)."""

    model_config = {"json_schema_extra": document_rules(when=[
        ({"status": {"enum": sorted(MESSAGE_REQUIRED)}},
         {"required": ["message"], "properties": {"message": visible_text()}})])}

    status: Status
    message: Message = ""
    # The status the client last saw: if the idea has moved on since, 409 and nothing changes.
    expected_status: Status | None = None


class MergeIn(Body):
    """Merging marks the idea a duplicate, which needs a public message."""

    model_config = {"json_schema_extra": document_rules(required=("message",))}

    into_id: Id
    message: Annotated[str, text_limits(5000, required=True)] = ""


class HideIn(Body):
    reason: Annotated[str, text_limits(reports.MAX_REASON, required=True)]


class DecisionIn(Body):
    """A reason (`message`) is required to reject."""

    model_config = {"json_schema_extra": document_rules(when=[
        ({"decision": {"const": "reject"}},
         {"required": ["message"], "properties": {"message": visible_text()}})])}

    decision: Literal["approve", "reject"]
    message: Message = ""


@bp.post("/ideas/<int:idea_id>/status")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def set_status(idea_id: int, json: StatusIn):
    """Move an idea along its lifecycle with a public message (409 if the move is refused).

    Declined, duplicate and reopened need a message; delivered, partly delivered and not
    delivered come only from publishing an outcome; only the proposer withdraws. With
    `expected_status`, a change made meanwhile by someone else is refused (409) rather than
    answered blindly.
    """
    idea = load_idea(idea_id)
    committed(lambda: change_status(caller(), idea, json.status, json.message,
                                    expected_status=json.expected_status))
    return present_idea(caller(), idea)


@bp.post("/ideas/<int:idea_id>/merge")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def merge(idea_id: int, json: MergeIn):
    """Mark an idea a duplicate of another; its supporters and followers move across."""
    idea = load_idea(idea_id)
    into = db.session.get(Idea, json.into_id)
    try:
        committed(lambda: merging.merge_idea(caller(), idea, into, json.message))
    except ValidationFailed as error:
        raise renamed(error, {"into": "into_id"}) from None
    return present_idea(caller(), idea)


def _asset(asset_id: int) -> CommunityAsset | None:
    return db.session.get(CommunityAsset, asset_id) if 0 < asset_id <= MAX_ID else None


@bp.put("/ideas/<int:idea_id>/assets/<int:asset_id>")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def link_asset(idea_id: int, asset_id: int):
    """Link a place from the asset register to an idea (linking twice changes nothing)."""
    idea = load_idea(idea_id)
    committed(lambda: triage.link_asset(caller(), idea, get_or_404(CommunityAsset, asset_id,
                                                                   "There is no such place.")))
    return present_idea(caller(), idea)


@bp.delete("/ideas/<int:idea_id>/assets/<int:asset_id>")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def unlink_asset(idea_id: int, asset_id: int):
    """Remove the link between a place and an idea."""
    idea = load_idea(idea_id)
    committed(lambda: triage.unlink_asset(caller(), idea, _asset(asset_id)))
    return present_idea(caller(), idea)


@bp.post("/ideas/<int:idea_id>/hide")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def hide(idea_id: int, json: HideIn):
    """Hide an idea from the public, with a reason its proposer is told."""
    idea = load_idea(idea_id)
    committed(lambda: reports.hide_idea(caller(), idea, json.reason))
    return present_idea(caller(), idea)


@bp.post("/ideas/<int:idea_id>/unhide")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, 401, 403), tags=TAG, security=AUTH_REQUIRED)
def unhide(idea_id: int):
    """Make a hidden idea visible again."""
    idea = load_idea(idea_id)
    committed(lambda: reports.unhide_idea(caller(), idea))
    return present_idea(caller(), idea)


class ReplyIn(Body):
    body: Annotated[str, text_limits(triage.MAX_NOTE, required=True)]


@bp.post("/ideas/<int:idea_id>/replies")
@signed_in
@spec.validate(resp=responses(201, CommentOut, 401, 403, 422), tags=TAG,
               security=AUTH_REQUIRED)
def official_reply(idea_id: int, json: ReplyIn):
    """An official reply from the council (or a delivering partner), marked as such.

    The council's first reply counts as the idea's first public response.
    """
    idea = load_idea(idea_id)
    reply = committed(lambda: triage.post_official_reply(caller(), idea, json.body))
    return comment_out(reply), 201


@bp.post("/claims/<int:claim_id>/decision")
@signed_in
@spec.validate(resp=responses(200, ClaimOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def decide_claim(claim_id: int, json: DecisionIn):
    """Approve or reject a partner's claim (`decision`: approve | reject; a reason to reject)."""
    claim = get_or_404(Claim, claim_id, "There is no such claim.")
    committed(lambda: claims.decide_claim(caller(), claim, json.decision, json.message))
    return claim_out(claim)


class ReturnIn(Body):
    note: Annotated[str, text_limits(5000, required=True)]


@bp.post("/outcomes/<int:report_id>/return")
@signed_in
@spec.validate(resp=responses(200, OutcomeOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def return_outcome(report_id: int, json: ReturnIn):
    """Send a submitted outcome report back to its authors with a note of what to change."""
    report = get_or_404(OutcomeReport, report_id, "There is no such outcome report.")
    committed(lambda: outcomes.return_outcome_report(caller(), report, json.note))
    return outcome_out(report)


@bp.post("/outcomes/<int:report_id>/publish")
@signed_in
@spec.validate(resp=responses(200, OutcomeOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def publish_outcome(report_id: int):
    """Publish a submitted outcome report: the idea becomes delivered, partly delivered or not
    delivered, as the report's result says."""
    report = get_or_404(OutcomeReport, report_id, "There is no such outcome report.")
    committed(lambda: outcomes.publish_outcome(caller(), report))
    return outcome_out(report)
