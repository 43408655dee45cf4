"""Ideas, and what residents do with them: list, propose, read, edit, find similar, support,
comment, offer help, follow, report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from ..errors import ValidationFailed
from ..extensions import db
from ..models import CHANNELS, PLEDGE_KINDS, VERIFICATION_ANSWERS, Comment, Idea, Pledge
from ..page_cache import public_page
from ..services import assisted, engagement, ideas, verification
from .base import (
    AUTH_OPTIONAL,
    AUTH_REQUIRED,
    actor,
    bp,
    caller,
    committed,
    limited,
    paginated,
    renamed,
    responses,
    signed_in,
    spec,
)
from .idea_schemas import (
    CommentOut,
    CommentPageOut,
    IdeaListQuery,
    IdeaOut,
    IdeaPageOut,
    VerificationTallyOut,
    comment_out,
    present_idea,
    present_ideas,
)
from .schemas import (
    EMAIL_PATTERN,
    MAX_ID,
    Body,
    Id,
    Out,
    PageQuery,
    Query,
    Text,
    document_rules,
    documented,
    text_limits,
)

TAG = ["Ideas"]


# The limits are the services' own numbers (services/ideas.py and engagement.py).
Title = Annotated[str, text_limits(ideas.TITLE_MAX, minimum=ideas.TITLE_MIN, required=True)]
Description = Annotated[str, text_limits(ideas.DESCRIPTION_MAX, minimum=ideas.DESCRIPTION_MIN,
                                         required=True)]
LocationText = Annotated[str, text_limits(ideas.LOCATION_MAX)]
Latitude = Annotated[float, documented(minimum=-90, maximum=90)]
Longitude = Annotated[float, documented(minimum=-180, maximum=180)]


# The resident's contact details: empty (or only spaces) means none was given.
OPTIONAL_EMAIL = f"^\\s*$|{EMAIL_PATTERN}"
PHONE_PATTERN = rf"^\s*(?:{assisted.PHONE_RULE})?\s*$"


class OnBehalfIn(Body):
    """The resident a staff member records the idea for (staff only). Their name and contact
    details are never shown publicly. A resident who got in touch by email needs `email`."""

    model_config = {"json_schema_extra": document_rules(when=[
        ({"channel": {"const": "email"}},
         {"required": ["email"], "properties": {"email": {
             "type": "string", "minLength": 3, "maxLength": 254, "pattern": EMAIL_PATTERN}}})])}

    name: Annotated[str, text_limits(assisted.NAME_MAX, required=True)]
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    email: Annotated[str, documented(maxLength=254, pattern=OPTIONAL_EMAIL)] | None = None
    phone: Annotated[str, documented(pattern=PHONE_PATTERN)] | None = None


class IdeaIn(Body):
    title: Title
    description: Description
    category_id: Id
    ward_id: Id
    location_text: LocationText | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    asset_ids: list[Id] = Field(default_factory=list, max_length=20)
    on_behalf_of: OnBehalfIn | None = Field(
        None, description="Staff only: record the idea for a resident who phoned, wrote, "
        "came in or emailed (anyone else gets 403).")


class IdeaPatchIn(Body):
    """Fields to change; those left out keep their values (none of them may be null but
    `location_text`)."""

    model_config = {"json_schema_extra": document_rules(
        not_null=("title", "description", "category_id", "ward_id"))}

    title: Title = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    category_id: Id = None  # type: ignore[assignment]
    ward_id: Id = None  # type: ignore[assignment]
    location_text: LocationText | None = None
    # The point on the map: send both to move it, both null to remove it; left out, it stays.
    lat: Latitude | None = None
    lon: Longitude | None = None


class SimilarQuery(Query):
    title: Text = Field(max_length=200)


class SimilarOut(Out):
    items: list[IdeaOut]


class SupportOut(Out):
    support_count: int
    supported: bool


class FollowOut(Out):
    following: bool


class CommentIn(Body):
    body: Annotated[str, text_limits(engagement.COMMENT_MAX, required=True)]


class PledgeIn(Body):
    kind: Literal[PLEDGE_KINDS]  # type: ignore[valid-type]
    message: Annotated[str, text_limits(engagement.PLEDGE_MESSAGE_MAX, required=True)]
    hours: Annotated[float, documented(minimum=0.1, maximum=10_000)] | None = None


class PledgeOut(Out):
    id: int
    idea_id: int
    kind: Literal[PLEDGE_KINDS]  # type: ignore[valid-type]
    message: str
    hours: float | None
    volunteer: str
    created_at: datetime


class FlagIn(Body):
    reason: Annotated[str, text_limits(engagement.FLAG_REASON_MAX, required=True)]
    comment_id: Id | None = None


class VerificationIn(Body):
    answer: Literal[VERIFICATION_ANSWERS]  # type: ignore[valid-type]
    comment: Annotated[str, text_limits(verification.COMMENT_MAX)] | None = None


class VerificationOut(Out):
    idea_id: int
    answer: Literal[VERIFICATION_ANSWERS]  # type: ignore[valid-type]
    comment: str
    created_at: datetime
    updated_at: datetime
    verification: VerificationTallyOut = Field(
        description="The outcome's tally after this answer.")


class FlagOut(Out):
    id: int
    idea_id: int
    target_type: str
    target_id: int


def load_idea(idea_id: int) -> Idea:
    """The idea if the caller may see it; 404 otherwise (hidden ideas look missing)."""
    if not 0 < idea_id <= MAX_ID:
        from ..errors import NotFound

        raise NotFound("There is no idea with this id.")
    return ideas.get_visible_idea(actor(), idea_id)


@bp.get("/ideas")
@public_page
@spec.validate(resp=responses(200, IdeaPageOut, 422), tags=TAG, security=AUTH_OPTIONAL)
def list_ideas(query: IdeaListQuery):
    """Ideas, filtered and sorted, one page at a time.

    Duplicates and withdrawn ideas are listed only when `status` asks for them.

    A token is optional: with one, each idea says whether you support and follow it
    (`supported_by_me`, `following`), moderators also see hidden ideas, and staff and the
    claiming organisations' members see pending claims and draft outcome reports.
    """
    found = ideas.search_ideas(actor(), q=query.q, status=query.status,
                               category_id=query.category_id, ward_id=query.ward_id,
                               sort=query.sort, page=query.page, per_page=query.per_page)
    return paginated(IdeaPageOut, found, present_ideas(actor(), found.items))


@bp.post("/ideas")
@signed_in
@limited("RATELIMIT_PROPOSE")
@spec.validate(resp=responses(201, IdeaOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def propose(json: IdeaIn):
    """Propose an idea (needs a confirmed email address). The proposer follows it.

    Staff may record the idea for a resident who is not online with `on_behalf_of`: the
    public idea then says it was recorded by the council on behalf of a resident, and the
    resident's name, email and phone are shown to staff only. Anyone else gets 403.
    """
    on_behalf_of = json.on_behalf_of.model_dump() if json.on_behalf_of is not None else None
    try:
        idea = committed(lambda: ideas.propose_idea(
            caller(), title=json.title, description=json.description,
            category_id=json.category_id, ward_id=json.ward_id,
            location_text=json.location_text, lat=json.lat, lon=json.lon,
            asset_ids=json.asset_ids, on_behalf_of=on_behalf_of))
    except ValidationFailed as error:
        raise renamed(error, {"asset_id": "asset_ids", **{
            f"on_behalf_of_{key}": f"on_behalf_of.{key}"
            for key in ("name", "channel", "email", "phone")}}) from None
    return present_idea(caller(), idea), 201, {"Location": f"/api/v1/ideas/{idea.id}"}


@bp.get("/ideas/<int:idea_id>")
@public_page
@spec.validate(resp=responses(200, IdeaOut), tags=TAG, security=AUTH_OPTIONAL)
def get_idea(idea_id: int):
    """One idea with its timeline, linked places, delivery partners, updates and outcome.

    A token is optional: with one, the idea says whether you support and follow it
    (`supported_by_me`, `following`), its author and moderators may see it while it is hidden,
    and staff and the claiming organisations' members see pending claims and draft outcome
    reports.
    """
    return present_idea(actor(), load_idea(idea_id))


@bp.patch("/ideas/<int:idea_id>")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def edit(idea_id: int, json: IdeaPatchIn):
    """The proposer changes their idea while it is still submitted."""
    idea = load_idea(idea_id)
    given = json.model_dump(exclude_unset=True)
    current = {"title": idea.title, "description": idea.description,
               "category_id": idea.category_id, "ward_id": idea.ward_id,
               "location_text": idea.location_text}
    committed(lambda: ideas.edit_idea(caller(), idea, **(current | given)))
    return present_idea(caller(), idea)


class WithdrawIdeaIn(Body):
    model_config = {"json_schema_extra": document_rules(required=("message",))}

    message: Annotated[str, text_limits(5000, required=True)] = ""


@bp.post("/ideas/<int:idea_id>/withdraw")
@signed_in
@spec.validate(resp=responses(200, IdeaOut, 401, 403, 409, 422), tags=TAG,
               security=AUTH_REQUIRED)
def withdraw_idea(idea_id: int, json: WithdrawIdeaIn):
    """The proposer withdraws their idea, with a public reason, before a decision."""
    idea = load_idea(idea_id)
    committed(lambda: ideas.withdraw_idea(caller(), idea, json.message))
    return present_idea(caller(), idea)


@bp.get("/ideas/<int:idea_id>/similar")
@spec.validate(resp=responses(200, SimilarOut, 422), tags=TAG, security=AUTH_OPTIONAL)
def similar(idea_id: int, query: SimilarQuery):
    """Ideas with similar titles (the suggestions shown when proposing), best first.

    A token is optional: with one, each idea says whether you support and follow it, and the
    given idea may be one you can see while it is hidden (yours, or any for moderators).
    """
    idea = load_idea(idea_id)
    found = ideas.similar_ideas(query.title, exclude_id=idea.id)
    return SimilarOut(items=present_ideas(actor(), found))


def _support_state(idea: Idea, supported: bool) -> SupportOut:
    db.session.refresh(idea)
    return SupportOut(support_count=idea.support_count, supported=supported)


@bp.post("/ideas/<int:idea_id>/support")
@signed_in
@limited("RATELIMIT_SUPPORT")
@spec.validate(resp=responses(200, SupportOut, 401, 403), tags=TAG, security=AUTH_REQUIRED)
def support(idea_id: int):
    """Support an idea. Supporting twice changes nothing."""
    idea = load_idea(idea_id)
    committed(lambda: engagement.support_idea(caller(), idea))
    return _support_state(idea, True)


@bp.delete("/ideas/<int:idea_id>/support")
@signed_in
@limited("RATELIMIT_SUPPORT")
@spec.validate(resp=responses(200, SupportOut, 401, 403), tags=TAG, security=AUTH_REQUIRED)
def unsupport(idea_id: int):
    """Take a support back while supports are open."""
    idea = load_idea(idea_id)
    committed(lambda: engagement.withdraw_support(caller(), idea))
    return _support_state(idea, False)


@bp.get("/ideas/<int:idea_id>/comments")
@public_page
@spec.validate(resp=responses(200, CommentPageOut, 422), tags=TAG, security=AUTH_OPTIONAL)
def comments(idea_id: int, query: PageQuery):
    """Comments on an idea, oldest first.

    A token is optional: with one, staff also see hidden comments.
    """
    idea = load_idea(idea_id)
    found = engagement.list_comments(actor(), idea, page=query.page, per_page=query.per_page)
    return paginated(CommentPageOut, found, [comment_out(c) for c in found.items])


@bp.post("/ideas/<int:idea_id>/comments")
@signed_in
@limited("RATELIMIT_COMMENT")
@spec.validate(resp=responses(201, CommentOut, 401, 403, 422), tags=TAG,
               security=AUTH_REQUIRED)
def comment(idea_id: int, json: CommentIn):
    """Comment on an idea. The commenter follows it."""
    idea = load_idea(idea_id)
    posted = committed(lambda: engagement.post_comment(caller(), idea, json.body))
    return comment_out(posted), 201


@bp.post("/ideas/<int:idea_id>/pledges")
@signed_in
@spec.validate(resp=responses(201, PledgeOut, 401, 403, 422), tags=TAG,
               security=AUTH_REQUIRED)
def pledge(idea_id: int, json: PledgeIn):
    """Offer help: time, skills, space, equipment or something else."""
    idea = load_idea(idea_id)
    made = committed(lambda: engagement.pledge_help(caller(), idea, kind=json.kind,
                                                    message=json.message, hours=json.hours))
    return pledge_out(made), 201


@bp.delete("/ideas/<int:idea_id>/pledges/<int:pledge_id>")
@signed_in
@spec.validate(resp=responses(204, None, 401, 403, 409), tags=TAG, security=AUTH_REQUIRED)
def withdraw_pledge(idea_id: int, pledge_id: int):
    """Withdraw one of the caller's offers of help. The delivering partners stop seeing it and
    are told. Withdrawing it again changes nothing; once the idea's outcome is published its
    record is closed (409)."""
    idea = load_idea(idea_id)
    found = db.session.get(Pledge, pledge_id) if 0 < pledge_id <= MAX_ID else None
    if found is None or found.idea_id != idea.id:
        from ..errors import NotFound

        raise NotFound("There is no such offer of help on this idea.")
    committed(lambda: engagement.withdraw_pledge(caller(), found))
    return "", 204


def pledge_out(made) -> PledgeOut:
    return PledgeOut(id=made.id, idea_id=made.idea_id, kind=made.kind, message=made.message,
                     hours=float(made.hours) if made.hours is not None else None,
                     volunteer=made.user.public_name, created_at=made.created_at)


@bp.post("/ideas/<int:idea_id>/follow")
@signed_in
@spec.validate(resp=responses(200, FollowOut, 401), tags=TAG, security=AUTH_REQUIRED)
def follow(idea_id: int):
    """Follow an idea: hear about every change of status."""
    committed(lambda: engagement.follow_idea(caller(), load_idea(idea_id)))
    return FollowOut(following=True)


@bp.delete("/ideas/<int:idea_id>/follow")
@signed_in
@spec.validate(resp=responses(200, FollowOut, 401), tags=TAG, security=AUTH_REQUIRED)
def unfollow(idea_id: int):
    """Stop following an idea."""
    committed(lambda: engagement.unfollow_idea(caller(), load_idea(idea_id)))
    return FollowOut(following=False)


@bp.post("/ideas/<int:idea_id>/flags")
@signed_in
@limited("RATELIMIT_FLAG")
@spec.validate(resp=responses(201, FlagOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def flag(idea_id: int, json: FlagIn):
    """Report an idea (or, with `comment_id`, one of its comments) to the moderators."""
    idea = load_idea(idea_id)
    target = None
    if json.comment_id is not None:
        target = db.session.get(Comment, json.comment_id)
        if target is None or target.idea_id != idea.id:
            raise ValidationFailed("There is no such comment on this idea.",
                                   {"comment_id": ["Choose a comment on this idea."]})
    made = committed(lambda: engagement.flag_content(caller(), idea, json.reason, comment=target))
    return FlagOut(id=made.id, idea_id=made.idea_id, target_type=made.target_type,
                   target_id=made.target_id), 201


def _verification_responses():
    """201 for a first answer, 200 for a changed one (spectree's helper has one success)."""
    answered = responses(201, VerificationOut, 401, 403, 409, 422)
    answered.add_model(200, VerificationOut, description="Your answer was changed.")
    return answered


@bp.post("/ideas/<int:idea_id>/verification")
@signed_in
@spec.validate(resp=_verification_responses(), tags=TAG, security=AUTH_REQUIRED)
def verify(idea_id: int, json: VerificationIn):
    """Answer "Was it done?" about the idea's published outcome: `yes`, `partly` or `no`,
    with an optional public comment. One answer per person: sending again changes it (200;
    the first answer is 201), and the comment is replaced by the one sent (none: no comment).

    Only the idea's author, supporters, followers and those who offered help may answer
    (403 for anyone else, and for the council and members of the delivering organisations,
    who said it was done). Before the outcome is published: 409.
    """
    idea = load_idea(idea_id)
    found, created = committed(lambda: verification.verify_outcome(
        caller(), idea, json.answer, json.comment))
    report = verification.published_outcome(idea)
    out = VerificationOut(idea_id=found.idea_id, answer=found.answer, comment=found.comment,
                          created_at=found.created_at, updated_at=found.updated_at,
                          verification=VerificationTallyOut(**verification.tally(report)))
    return out, 201 if created else 200
