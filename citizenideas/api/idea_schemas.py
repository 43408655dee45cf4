"""Idea objects as the API shows them, loaded for a page of ideas in a constant number of
queries (however many ideas, timeline entries or claims there are)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Literal

from pydantic import Field
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    ASSET_KINDS,
    CHANNELS,
    CLAIM_STATUSES,
    OUTCOME_RESULTS,
    OUTCOME_STATES,
    STATUSES,
    Category,
    Claim,
    Comment,
    CommunityAsset,
    Follow,
    Idea,
    OutcomeReport,
    ProgressUpdate,
    StatusChange,
    Support,
    User,
    Ward,
    idea_assets,
)
from ..permissions import visible_claims, visible_outcome_reports
from ..services.assisted import representations_for
from ..services.notifications import idea_link
from ..services.verification import tally
from .schemas import Id, Named, Out, PageOut, PageQuery, Text

# The same enums as the requests use, so a client generator gives both one type.
Status = Literal[STATUSES]  # type: ignore[valid-type]
ClaimStatus = Literal[CLAIM_STATUSES]  # type: ignore[valid-type]
OutcomeResult = Literal[OUTCOME_RESULTS]  # type: ignore[valid-type]
OutcomeState = Literal[OUTCOME_STATES]  # type: ignore[valid-type]
AssetKind = Literal[ASSET_KINDS]  # type: ignore[valid-type]
# The author of an idea the council recorded for a resident: never the resident's name.
RECORDED_ON_BEHALF = "Recorded by the council on behalf of a resident"


class TimelineEntryOut(Out):
    event: str
    from_status: Status | None
    to_status: Status
    message: str
    related_idea_id: int | None
    at: datetime


class AssetRefOut(Out):
    id: int
    name: str
    kind: AssetKind


class ClaimOut(Out):
    id: int
    idea_id: int
    organisation: Named
    status: ClaimStatus
    plan: str
    expected_start: date | None
    expected_end: date | None
    decision_message: str | None
    created_at: datetime
    decided_at: datetime | None


class UpdateOut(Out):
    id: int
    body: str
    organisation: Named | None
    author: str
    created_at: datetime


class OutcomeOut(Out):
    id: int
    idea_id: int
    state: OutcomeState
    result: OutcomeResult | None
    summary: str
    people_reached: int | None
    volunteer_hours: float | None
    spend_pounds: float | None
    funding_source: str | None
    story: str
    lessons: str
    review_note: str | None = None
    submitted_at: datetime | None
    published_at: datetime | None


class VerificationTallyOut(Out):
    """Residents' answers to "Was it done?" about the published outcome (zeros before)."""

    yes: int
    partly: int
    no: int
class SupportsOut(Out):
    online: int = Field(description="Supports given on this site (`support_count`).")
    paper: int = Field(description="Supports the council recorded from paper (petitions, "
                       "letters).")
    total: int = Field(description="online + paper: what lists sort by.")


class OnBehalfOut(Out):
    """The resident the council recorded the idea for: only staff see it."""

    name: str
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    email: str | None
    phone: str | None
    recorded_at: datetime
    claimed: bool = Field(description="They registered with that email: the idea is theirs.")


class IdeaOut(Out):
    id: int
    reference: str | None
    title: str
    description: str
    status: Status
    category: Named
    ward: Named
    location_text: str | None
    lat: float | None
    lon: float | None
    author: str
    support_count: int
    supports: SupportsOut
    recorded_on_behalf: bool = Field(
        description="Recorded by the council on behalf of a resident who is not online.")
    on_behalf_of: OnBehalfOut | None = Field(None, description="Staff only.")
    comment_count: int
    supported_by_me: bool | None = Field(None, description="Only when authenticated.")
    following: bool | None = Field(None, description="Only when authenticated.")
    hidden: bool
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    timeline: list[TimelineEntryOut]
    assets: list[AssetRefOut]
    claims: list[ClaimOut]
    updates: list[UpdateOut]
    outcome: OutcomeOut | None
    verification: VerificationTallyOut
    merged_into_id: int | None
    url: str


class IdeaPageOut(PageOut):
    items: list[IdeaOut]


class IdeaListQuery(PageQuery):
    q: Text | None = Field(None, max_length=200)
    status: Status | None = None
    category_id: Id | None = None
    ward_id: Id | None = None
    # relevance: the best search match first (the most supported when there is no q).
    sort: Literal["supports", "newest", "updated", "relevance"] = "supports"


class CommentOut(Out):
    id: int
    body: str
    author: str
    official: bool
    organisation: Named | None
    created_at: datetime


class CommentPageOut(PageOut):
    items: list[CommentOut]


def comment_out(comment: Comment) -> CommentOut:
    return CommentOut(id=comment.id, body=comment.body, author=comment.author.public_name,
                      official=comment.official,
                      organisation=_named(comment.organisation), created_at=comment.created_at)


def outcome_out(report: OutcomeReport) -> OutcomeOut:
    return OutcomeOut(
        id=report.id, idea_id=report.idea_id, state=report.state, result=report.result,
        summary=report.summary or "", people_reached=report.people_reached,
        volunteer_hours=float(report.volunteer_hours) if report.volunteer_hours is not None
        else None,
        spend_pounds=report.spend_pence / 100 if report.spend_pence is not None else None,
        funding_source=report.funding_source, story=report.story or "",
        lessons=report.lessons or "",
        review_note=report.review_note if report.state != "published" else None,
        submitted_at=report.submitted_at, published_at=report.published_at)


def claim_out(claim: Claim) -> ClaimOut:
    return ClaimOut(id=claim.id, idea_id=claim.idea_id, organisation=_named(claim.organisation),
                    status=claim.status, plan=claim.plan, expected_start=claim.expected_start,
                    expected_end=claim.expected_end, decision_message=claim.decision_message,
                    created_at=claim.created_at, decided_at=claim.decided_at)


def _named(thing) -> Named | None:
    return Named(id=thing.id, name=thing.name) if thing is not None else None


def present_ideas(viewer, ideas: list[Idea]) -> list[IdeaOut]:
    """Idea objects for ``ideas``: public detail for everyone, plus pending claims and draft
    outcomes for staff and the claiming organisations' members."""
    if not ideas:
        return []
    ids = [i.id for i in ideas]
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)

    # Relationships of the ideas themselves, in one query each, into the ideas as loaded.
    _load_relations(ideas)
    timeline = defaultdict(list)
    for change in db.session.scalars(select(StatusChange).where(StatusChange.idea_id.in_(ids))
                                     .order_by(StatusChange.created_at, StatusChange.id)):
        timeline[change.idea_id].append(change)
    # Which claims and reports the viewer sees is the policy's decision (view_claim,
    # view_outcome_report), asked for the whole page at once.
    claims = defaultdict(list)
    for claim in visible_claims(viewer, list(db.session.scalars(
            select(Claim).where(Claim.idea_id.in_(ids))
            .options(joinedload(Claim.organisation))
            .order_by(Claim.created_at, Claim.id)))):
        claims[claim.idea_id].append(claim)
    updates = defaultdict(list)
    for update in db.session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.idea_id.in_(ids))
            .options(joinedload(ProgressUpdate.organisation),
                     joinedload(ProgressUpdate.author))
            .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())):
        updates[update.idea_id].append(update)
    outcomes = {report.idea_id: report for report in visible_outcome_reports(viewer, list(
        db.session.scalars(select(OutcomeReport).where(OutcomeReport.idea_id.in_(ids)))))}
    supported: set[int] = set()
    following: set[int] = set()
    if signed_in:
        supported = set(db.session.scalars(select(Support.idea_id).where(
            Support.user_id == viewer.id, Support.idea_id.in_(ids))))
        following = set(db.session.scalars(select(Follow.idea_id).where(
            Follow.user_id == viewer.id, Follow.idea_id.in_(ids))))

    # Who each idea was recorded for: staff only (an empty dict for anyone else).
    represented = representations_for(viewer, ids)

    result = []
    for idea in ideas:
        result.append(IdeaOut(
            id=idea.id, reference=idea.reference, title=idea.title,
            description=idea.description, status=idea.status,
            category=_named(idea.category), ward=_named(idea.ward),
            location_text=idea.location_text, lat=idea.lat, lon=idea.lon,
            author=(RECORDED_ON_BEHALF if idea.on_behalf else idea.author.public_name),
            support_count=idea.support_count,
            supports=SupportsOut(online=idea.support_count, paper=idea.paper_support_count,
                                 total=idea.total_support_count),
            recorded_on_behalf=idea.on_behalf,
            on_behalf_of=_on_behalf_out(represented.get(idea.id)),
            comment_count=idea.comment_count,
            supported_by_me=(idea.id in supported) if signed_in else None,
            following=(idea.id in following) if signed_in else None,
            hidden=idea.hidden, created_at=idea.created_at, updated_at=idea.updated_at,
            first_response_at=idea.first_response_at,
            timeline=[TimelineEntryOut(event=c.event, from_status=c.from_status,
                                       to_status=c.to_status, message=c.message or "",
                                       related_idea_id=c.related_idea_id, at=c.created_at)
                      for c in timeline[idea.id]],
            assets=[AssetRefOut(id=a.id, name=a.name, kind=a.kind) for a in idea.assets],
            claims=[claim_out(c) for c in claims[idea.id]],
            updates=[UpdateOut(id=u.id, body=u.body, organisation=_named(u.organisation),
                               author=u.author.public_name, created_at=u.created_at)
                     for u in updates[idea.id]],
            outcome=outcome_out(outcomes[idea.id]) if idea.id in outcomes else None,
            verification=VerificationTallyOut(**tally(outcomes.get(idea.id))),
            merged_into_id=idea.merged_into_id, url=idea_link(idea)))
    return result


def _load_relations(ideas: list[Idea]) -> None:
    """Load the ideas' authors, categories, wards and places, one query for each that some
    idea has not loaded yet: the list (services/ideas.py) comes with its categories and
    wards, so reading the ideas again with all four cost three more queries a page. What is
    read is set on each idea as loaded (places in the relationship's order, by name)."""
    for relation, model in (("author", User), ("category", Category), ("ward", Ward)):
        needing = [i for i in ideas if relation in inspect(i).unloaded]
        wanted = {getattr(i, f"{relation}_id") for i in needing} - {None}
        found = ({row.id: row for row in db.session.scalars(
            select(model).where(model.id.in_(wanted)))} if wanted else {})
        for idea in needing:
            set_committed_value(idea, relation, found.get(getattr(idea, f"{relation}_id")))
    without = {i.id: i for i in ideas if "assets" in inspect(i).unloaded}
    if not without:
        return
    places: dict[int, list[CommunityAsset]] = defaultdict(list)
    for idea_id, asset in db.session.execute(
            select(idea_assets.c.idea_id, CommunityAsset)
            .join(idea_assets, idea_assets.c.asset_id == CommunityAsset.id)
            .where(idea_assets.c.idea_id.in_(list(without)))
            .order_by(CommunityAsset.name, CommunityAsset.id)):
        places[idea_id].append(asset)
    for idea_id, idea in without.items():
        set_committed_value(idea, "assets", places[idea_id])


def _on_behalf_out(representation) -> OnBehalfOut | None:
    if representation is None:
        return None
    return OnBehalfOut(name=representation.name, channel=representation.channel,
                       email=representation.email, phone=representation.phone,
                       recorded_at=representation.created_at,
                       claimed=representation.claimed_at is not None)


def present_idea(viewer, idea: Idea) -> IdeaOut:
    return present_ideas(viewer, [idea])[0]
