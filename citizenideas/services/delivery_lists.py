"""Read-only lists for the partner and review pages: filtered, sorted and paginated in SQL,
a constant number of queries per page."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Claim,
    Idea,
    Membership,
    Organisation,
    OutcomeReport,
    Pledge,
    ProgressUpdate,
    User,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from .ideas import status_in_support_order


def pledge_summaries(idea_ids: list[int]) -> dict[int, dict]:
    """Per idea: number of active pledges by kind, people and total hours offered."""
    summary: dict[int, dict] = {i: {"kinds": {}, "people": 0, "hours": 0} for i in idea_ids}
    if not idea_ids:
        return summary
    rows = db.session.execute(
        select(Pledge.idea_id, Pledge.kind, func.count(Pledge.id), func.sum(Pledge.hours))
        .where(Pledge.idea_id.in_(idea_ids), Pledge.withdrawn_at.is_(None))
        .group_by(Pledge.idea_id, Pledge.kind))
    for idea_id, kind, count, hours in rows:
        entry = summary[idea_id]
        entry["kinds"][kind] = count
        entry["people"] += count
        entry["hours"] += float(hours or 0)
    return summary


def open_for_delivery(*, ward_id: int | None = None, category_id: int | None = None,
                      include_in_delivery: bool = False, page: int = 1,
                      per_page: int = 20) -> tuple[list[Idea], int, dict[int, dict]]:
    """Accepted ideas a partner could deliver (optionally those already in delivery too)."""
    statuses = ("accepted", "in_delivery") if include_in_delivery else ("accepted",)
    conditions = [Idea.status.in_(statuses), Idea.hidden.is_(False)]
    listed = [status_in_support_order(statuses) if len(statuses) > 1 else conditions[0],
              *conditions[1:]]
    if ward_id:
        conditions.append(Idea.ward_id == ward_id)
        listed.append(Idea.ward_id == ward_id)
    if category_id:
        conditions.append(Idea.category_id == category_id)
        listed.append(Idea.category_id == category_id)
    query = (select(Idea).options(joinedload(Idea.ward), joinedload(Idea.category))
             .where(*(conditions if ward_id or category_id else listed))
             .order_by(Idea.total_support_count.desc(), Idea.created_at.desc(), Idea.id.desc()))
    found = paginate(query, page, per_page, count=select(func.count(Idea.id)).where(*conditions))
    return found.items, found.total, pledge_summaries([i.id for i in found.items])


def claims_queue(*, status: str = "pending", page: int = 1,
                 per_page: int = 20) -> Page:
    """Claims in one state for moderators, oldest pending first (newest first otherwise)."""
    query = (select(Claim).options(joinedload(Claim.idea), joinedload(Claim.organisation),
                                   joinedload(Claim.created_by))
             .where(Claim.status == status))
    order = Claim.created_at.asc() if status == "pending" else Claim.decided_at.desc()
    return paginate(query.order_by(order, Claim.id), page, per_page)


def outcomes_queue(*, state: str = "submitted", page: int = 1,
                   per_page: int = 20) -> Page:
    """Outcome reports in one state, oldest submitted first."""
    query = (select(OutcomeReport)
             .options(joinedload(OutcomeReport.idea), joinedload(OutcomeReport.organisation))
             .where(OutcomeReport.state == state))
    order = (OutcomeReport.published_at.desc() if state == "published"
             else OutcomeReport.updated_at.asc())
    return paginate(query.order_by(order, OutcomeReport.id), page, per_page)


def offers_of_help(actor: User, idea: Idea) -> list[Pledge]:
    """The idea's active offers of help, for whoever the policy lets see them (its delivering
    organisations and the council): the page and the API both come here."""
    require(actor, "view_pledges", idea,
            detail=_("Only organisations delivering this idea, and the council, can see who "
                     "offered help."))
    return volunteers(idea)


def volunteers(idea: Idea) -> list[Pledge]:
    """Active offers of help on an idea, oldest first, with their people."""
    return list(db.session.scalars(
        select(Pledge).options(joinedload(Pledge.user))
        .where(Pledge.idea_id == idea.id, Pledge.withdrawn_at.is_(None))
        .order_by(Pledge.created_at, Pledge.id)))


def idea_delivery(idea: Idea) -> dict:
    """What the idea page shows about delivery: delivering organisations, public progress
    updates (newest first) and the published outcome."""
    orgs = list(db.session.scalars(
        select(Organisation).join(Claim, Claim.organisation_id == Organisation.id)
        .where(Claim.idea_id == idea.id, Claim.status == "approved")
        .order_by(Organisation.name)))
    updates = list(db.session.scalars(
        select(ProgressUpdate).options(joinedload(ProgressUpdate.organisation),
                                       joinedload(ProgressUpdate.author))
        .where(ProgressUpdate.idea_id == idea.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())))
    outcome = db.session.scalar(
        select(OutcomeReport).options(joinedload(OutcomeReport.organisation))
        .where(OutcomeReport.idea_id == idea.id, OutcomeReport.state == "published"))
    return {"organisations": orgs, "updates": updates, "outcome": outcome}


def partner_dashboard(user: User) -> dict:
    """Everything on /partners for ``user``'s organisations."""
    memberships = list(db.session.scalars(
        select(Membership).options(joinedload(Membership.organisation))
        .where(Membership.user_id == user.id)))
    org_ids = [m.organisation_id for m in memberships]
    claims: list[Claim] = []
    if org_ids:
        claims = list(db.session.scalars(
            select(Claim).options(joinedload(Claim.idea), joinedload(Claim.organisation))
            .where(Claim.organisation_id.in_(org_ids))
            .order_by(Claim.created_at.desc(), Claim.id.desc())))
    by_state: dict[str, list[Claim]] = {s: [] for s in ("pending", "approved", "rejected",
                                                        "withdrawn")}
    for claim in claims:
        by_state[claim.status].append(claim)
    delivering = [c for c in by_state["approved"] if c.idea.status in ("accepted", "in_delivery")]
    idea_ids = sorted({c.idea_id for c in delivering})
    reports: dict[int, OutcomeReport] = {}
    last_update: dict[int, object] = {}
    if idea_ids:
        reports = {r.idea_id: r for r in db.session.scalars(
            select(OutcomeReport).where(OutcomeReport.idea_id.in_(idea_ids)))}
        last_update = dict(db.session.execute(
            select(ProgressUpdate.idea_id, func.max(ProgressUpdate.created_at))
            .where(ProgressUpdate.idea_id.in_(idea_ids)).group_by(ProgressUpdate.idea_id)).all())
    days = int(current_app.config.get("PARTNER_UPDATE_OVERDUE_DAYS", 30))
    cutoff = utcnow() - timedelta(days=days)
    overdue = []
    for claim in delivering:
        latest = last_update.get(claim.idea_id)
        if latest is not None and latest.tzinfo is None:
            from datetime import UTC

            latest = latest.replace(tzinfo=UTC)
        since = latest or claim.decided_at or claim.created_at
        if since < cutoff:
            overdue.append((claim, since))
    unfinished = [r for r in reports.values() if r.state in ("draft", "returned")]
    return {"memberships": memberships, "claims_by_state": by_state, "delivering": delivering,
            "reports": reports, "unfinished_reports": unfinished, "overdue": overdue,
            "last_update": last_update, "overdue_days": days}


def organisations_with_members(org_ids: list[int]) -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).options(selectinload(Organisation.memberships)
                                     .joinedload(Membership.user))
        .where(Organisation.id.in_(org_ids)).order_by(Organisation.name)))
