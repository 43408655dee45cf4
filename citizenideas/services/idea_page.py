"""The idea page: everything it shows around one idea, loaded in a fixed number of queries
(its public timeline with the partners delivering it, a run of comments, progress, the
outcome, and the viewer's own support, follow, reports, offers of help and delivery offer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Claim,
    Comment,
    Follow,
    Idea,
    Organisation,
    OutcomeReport,
    ProgressUpdate,
    StatusChange,
    Support,
    User,
)
from ..permissions import CLAIMABLE, can
from .ideas import support_closed_reason


@dataclass
class DeliveringEntry:
    """A timeline entry for an approved claim: "<organisation> is delivering this idea" on
    the day the council approved it. Made from the claim itself, so it stays on the record
    if the organisation later withdraws (that is its own entry, ``claim_withdrawn``)."""

    organisation: Organisation
    created_at: datetime
    actor: User | None
    message: str = ""
    event: str = "delivering"
    related_idea: Idea | None = None
    actor_id: int | None = None


def public_timeline(idea: Idea) -> list:
    """The idea's public timeline: its StatusChange entries, and one entry per claim the
    council approved (approved now, or approved and later withdrawn), in time order.
    Pending, rejected and never-approved claims stay between the council and the partner.
    The ``claim_approved`` entries the approval wrote are left out: the claim's own entry
    says the same, naming the organisation."""
    changes = [c for c in db.session.scalars(
        select(StatusChange).where(StatusChange.idea_id == idea.id)
        .options(selectinload(StatusChange.actor), selectinload(StatusChange.related_idea))
        .order_by(StatusChange.created_at, StatusChange.id)) if c.event != "claim_approved"]
    approved = db.session.scalars(
        select(Claim).where(Claim.idea_id == idea.id, Claim.decided_at.is_not(None), or_(
            Claim.status == "approved",
            and_(Claim.status == "withdrawn", Claim.decided_by_id.is_not(None))))
        .options(selectinload(Claim.organisation), selectinload(Claim.decided_by))
        .order_by(Claim.decided_at, Claim.id))
    entries = [DeliveringEntry(organisation=c.organisation, created_at=c.decided_at,
                               actor=c.decided_by, actor_id=c.decided_by_id,
                               message=c.decision_message or "") for c in approved]
    # Stable: at the same moment, the status change ("now in delivery") comes first.
    return sorted(changes + entries, key=lambda e: e.created_at)


@dataclass
class IdeaPage:
    """Everything the idea page shows, loaded in a fixed number of queries."""

    idea: Idea
    timeline: list[StatusChange]
    comments: list[Comment]
    partners: list[Claim]
    progress: list[ProgressUpdate]
    outcome: OutcomeReport | None
    supported: bool = False
    following: bool = False
    closed_reason: str | None = None
    flagged_comment_ids: set[int] = field(default_factory=set)
    flagged_idea: bool = False
    # The comments shown are one run of them (see engagement.comment_window).
    comment_total: int = 0
    older_comments_than: int | None = None
    newest_comments: bool = True
    # What the page offers a partner: "offer" (a link to the claim form), "offered" (every
    # one of the viewer's verified organisations has an open claim) or None.
    delivery_offer: str | None = None
    # The viewer's own offers of help on this idea (not withdrawn), to withdraw.
    my_pledges: list = field(default_factory=list)
    # "Was it done?" (services/verification.py): the viewer's answer, and answers with a
    # public comment.
    my_verification: object | None = None
    verification_comments: list = field(default_factory=list)
    # The resident the council recorded the idea for: for staff only (services/assisted.py).
    representation: object | None = None
    # The photos the viewer may see: the idea's own, its progress updates' and its outcome's.
    photos: list = field(default_factory=list)


def idea_page(viewer: User | None, idea: Idea, *, comments_before: int | None = None,
              comments_through: int | None = None) -> IdeaPage:
    """Load the idea's timeline, the newest 50 comments (or the run before comment
    ``comments_before``, or the run ending with ``comments_through``), partners, progress and
    outcome, and the viewer's own support, follow and flags."""
    from ..models import Flag
    from .engagement import comment_window

    timeline = public_timeline(idea)
    window = comment_window(viewer, idea, before_id=comments_before,
                            through_id=comments_through)
    partners = list(db.session.scalars(
        select(Claim).where(Claim.idea_id == idea.id, Claim.status == "approved")
        .options(selectinload(Claim.organisation)).order_by(Claim.decided_at)))
    progress = list(db.session.scalars(
        select(ProgressUpdate).where(ProgressUpdate.idea_id == idea.id)
        .options(selectinload(ProgressUpdate.organisation), selectinload(ProgressUpdate.author))
        .order_by(ProgressUpdate.created_at.desc())))
    outcome = db.session.scalar(select(OutcomeReport).where(
        OutcomeReport.idea_id == idea.id, OutcomeReport.state == "published"))
    page = IdeaPage(idea=idea, timeline=timeline, comments=window.comments, partners=partners,
                    progress=progress, outcome=outcome, closed_reason=support_closed_reason(idea),
                    comment_total=window.total, older_comments_than=window.older_than,
                    newest_comments=window.latest)
    if outcome is not None:
        from .verification import my_verification, public_comments

        page.my_verification = my_verification(viewer, idea)
        page.verification_comments = public_comments(idea)
    from .photos import idea_photos

    page.photos = idea_photos(viewer, idea)
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        page.supported = viewer_supports(viewer, idea)
        page.following = viewer_follows(viewer, idea)
        flags = db.session.execute(select(Flag.target_type, Flag.target_id).where(
            Flag.reporter_id == viewer.id, Flag.idea_id == idea.id)).all()
        page.flagged_idea = any(t == "idea" for t, _i in flags)
        page.flagged_comment_ids = {i for t, i in flags if t == "comment"}
        page.delivery_offer = delivery_offer(viewer, idea)
        from .engagement import my_pledges

        page.my_pledges = my_pledges(viewer, idea)
        if can(viewer, "view_represented_resident"):
            from .assisted import representation_of

            page.representation = representation_of(viewer, idea)
    return page


def delivery_offer(viewer: User, idea: Idea) -> str | None:
    """"offer" when ``viewer`` may offer to deliver ``idea`` for one of their verified
    organisations (the claim rules: a visible accepted or in-delivery idea), "offered" when
    each of those organisations already has an open (pending or approved) claim on it, and
    None otherwise (no verified organisation, or an idea that cannot be claimed)."""
    if idea.hidden or idea.status not in CLAIMABLE or not can(viewer, "offer_to_deliver"):
        return None
    org_ids = {org.id for org in viewer.verified_organisations()}
    claimed = set(db.session.scalars(select(Claim.organisation_id).where(
        Claim.idea_id == idea.id, Claim.organisation_id.in_(org_ids),
        Claim.status.in_(("pending", "approved")))))
    return "offered" if org_ids <= claimed else "offer"


def viewer_supports(viewer: User, idea: Idea) -> bool:
    return db.session.scalar(select(Support.id).where(
        Support.user_id == viewer.id, Support.idea_id == idea.id)) is not None


def viewer_follows(viewer: User, idea: Idea) -> bool:
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == viewer.id, Follow.idea_id == idea.id)) is not None
