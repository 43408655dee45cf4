"""The lists the council must publish about assets of community value, and its own queue.

``listed_rows`` (the list of assets of community value: /assets/community-value) and
``unsuccessful_rows`` (refused nominations with reasons: /assets/community-value/unsuccessful)
feed the pages, the CSV and the JSON alike. No personal data: the nominator is the
organisation's or the group's name, never the person who typed it in.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Date, bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import AcvNomination, CommunityAsset
from .community_value import is_overdue, moratorium, today
from .opendata import site_url

LISTED_FIELDS = ("asset_id", "asset_url", "asset", "address", "postcode", "uprn", "ward",
                 "nominated_by", "reasons", "listed_on", "listed_until", "decision_reason",
                 "notice_of_sale_received_on", "interim_moratorium_ends",
                 "full_moratorium_ends", "protected_period_ends", "intents_to_bid")
UNSUCCESSFUL_FIELDS = ("asset_id", "asset_url", "asset", "address", "postcode", "uprn", "ward",
                       "nominated_by", "reasons", "submitted_on", "decided_on",
                       "decision_reason")


def _with_asset():
    return (joinedload(AcvNomination.asset).joinedload(CommunityAsset.ward),
            joinedload(AcvNomination.organisation))


def listed_nominations() -> list[AcvNomination]:
    """Listings in force, by asset name."""
    return list(db.session.scalars(
        select(AcvNomination).join(AcvNomination.asset)
        .where(AcvNomination.state == "listed", AcvNomination.listed_until >= today())
        .options(*_with_asset(), selectinload(AcvNomination.bid_intents))
        .order_by(CommunityAsset.name, AcvNomination.id)).unique())


def unsuccessful_nominations() -> list[AcvNomination]:
    """Refused nominations, the latest decision first."""
    return list(db.session.scalars(
        select(AcvNomination).where(AcvNomination.state == "not_listed")
        .options(*_with_asset())
        .order_by(AcvNomination.decided_at.desc(), AcvNomination.id.desc())).unique())


def nominations_to_decide() -> list[AcvNomination]:
    """The council's queue: undecided nominations, the earliest deadline (so the overdue
    ones) first."""
    return list(db.session.scalars(
        select(AcvNomination).where(AcvNomination.state == "nominated")
        .options(*_with_asset())
        .order_by(AcvNomination.decision_due_on, AcvNomination.id)).unique())


def queue_counts() -> tuple[int, int]:
    """(nominations waiting for a decision, of which overdue), in one query."""
    waiting, overdue = db.session.execute(_queue_statement(), {"today": today()}).one()
    return int(waiting), int(overdue)


@cache
def _queue_statement():
    """Built once: the council dashboard reads it on every visit."""
    return (select(func.count(), func.coalesce(func.sum(
        case((AcvNomination.decision_due_on < bindparam("today", type_=Date), 1), else_=0)), 0))
        .where(AcvNomination.state == "nominated"))


def asset_nominations(asset: CommunityAsset) -> list[AcvNomination]:
    """Every nomination of ``asset``, the latest first (for its page)."""
    return list(db.session.scalars(
        select(AcvNomination).where(AcvNomination.asset_id == asset.id)
        .options(joinedload(AcvNomination.organisation),
                 selectinload(AcvNomination.bid_intents))
        .order_by(AcvNomination.submitted_at.desc(), AcvNomination.id.desc())).unique())


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _common(n: AcvNomination) -> dict:
    asset = n.asset
    return {"asset_id": asset.id, "asset_url": site_url(f"/assets/{asset.id}"),
            "asset": asset.name, "address": asset.address or "", "postcode": asset.postcode,
            "uprn": asset.uprn, "ward": asset.ward.name if asset.ward else None,
            "nominated_by": n.organisation.name if n.organisation else n.group_name,
            "reasons": n.reasons, "decision_reason": n.decision_reason}


def listed_rows(nominations: list[AcvNomination] | None = None) -> list[dict]:
    rows = []
    for n in listed_nominations() if nominations is None else nominations:
        dates = moratorium(n)
        rows.append({**_common(n), "listed_on": _iso(n.listed_on),
                     "listed_until": _iso(n.listed_until),
                     "notice_of_sale_received_on": _iso(n.notice_received_on),
                     "interim_moratorium_ends": _iso(dates and dates.interim_ends),
                     "full_moratorium_ends": _iso(dates.full_ends)
                     if dates and n.bid_intents else None,
                     "protected_period_ends": _iso(dates and dates.protected_ends),
                     "intents_to_bid": len(n.bid_intents)})
    return rows


def unsuccessful_rows(nominations: list[AcvNomination] | None = None) -> list[dict]:
    return [{**_common(n), "submitted_on": _iso(n.submitted_at.date()),
             "decided_on": _iso(n.decided_at.date() if n.decided_at else None)}
            for n in (unsuccessful_nominations() if nominations is None else nominations)]


__all__ = ["LISTED_FIELDS", "UNSUCCESSFUL_FIELDS", "asset_nominations", "is_overdue",
           "listed_nominations", "listed_rows", "nominations_to_decide", "queue_counts",
           "unsuccessful_nominations", "unsuccessful_rows"]
