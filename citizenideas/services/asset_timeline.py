"""An asset's public timeline and the people who follow the asset.

Every service that changes what the public knows about an asset (a nomination and its
decision, a notice of sale, a transfer request's stage, a transfer, a yearly report) writes one
``AssetEvent`` with ``add_asset_event`` and tells the asset's audience with
``notify_asset_audience``, in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, union
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    ASSET_EVENTS,
    AssetEvent,
    AssetFollow,
    CommunityAsset,
    Membership,
    Notification,
    Organisation,
    TransferRequest,
    User,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import require
from .engagement import _insert_ignoring_duplicate
from .notifications import OncePerLanguage, Words, absolute_url, notify_user


def add_asset_event(actor: User | None, asset: CommunityAsset, event: str, message: str = "",
                    *, organisation: Organisation | None = None,
                    transfer_request: TransferRequest | None = None,
                    stage: str | None = None) -> AssetEvent:
    """Append one entry to the asset's public timeline. ``message`` is public: a reason, a
    stage's message, the terms of a transfer; never personal data."""
    if event not in ASSET_EVENTS:
        raise ValueError(f"unknown asset event {event!r}")
    entry = AssetEvent(asset_id=asset.id, event=event, message=message or "",
                       actor_id=actor.id if actor is not None else None,
                       organisation_id=organisation.id if organisation is not None else None,
                       transfer_request_id=(transfer_request.id if transfer_request is not None
                                            else None),
                       stage=stage, created_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


# Entries on one page of the place's timeline (its page; the API's callers choose theirs).
TIMELINE_LIMIT = 200


def asset_timeline(asset: CommunityAsset, page: int = 1, per_page: int = TIMELINE_LIMIT, *,
                   newest_page_first: bool = True) -> Page:
    """One page of the asset's public timeline, each page's entries oldest first, with their
    organisations (two queries: the page and the count). ``newest_page_first``: page 1 holds
    the newest entries and page 2 those before them (the place's page: what happened lately
    first, earlier entries a link away); otherwise page 1 holds the oldest (the API, like
    every other list it pages)."""
    count = select(func.count(AssetEvent.id)).where(AssetEvent.asset_id == asset.id)
    query = (select(AssetEvent).where(AssetEvent.asset_id == asset.id)
             .options(joinedload(AssetEvent.organisation)))
    if not newest_page_first:
        return paginate(query.order_by(AssetEvent.created_at, AssetEvent.id), page, per_page,
                        count=count)
    found = paginate(query.order_by(AssetEvent.created_at.desc(), AssetEvent.id.desc()), page,
                     per_page, count=count)
    return Page(found.items[::-1], found.total, found.page, found.per_page)


def follow_asset(actor: User, asset: CommunityAsset) -> bool:
    """Follow an asset. Returns False if already following."""
    require(actor, "follow", asset)
    inserted = _insert_ignoring_duplicate(AssetFollow, user_id=actor.id, asset_id=asset.id,
                                          created_at=utcnow())
    db.session.flush()
    return inserted


def unfollow_asset(actor: User, asset: CommunityAsset) -> bool:
    """Stop following an asset. Returns False if not following."""
    require(actor, "follow", asset)
    result = db.session.execute(delete(AssetFollow).where(AssetFollow.user_id == actor.id,
                                                          AssetFollow.asset_id == asset.id))
    db.session.flush()
    return bool(result.rowcount)


def is_following_asset(user: User | None, asset: CommunityAsset) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(AssetFollow.id).where(
        AssetFollow.user_id == user.id, AssetFollow.asset_id == asset.id)) is not None


def asset_audience(asset: CommunityAsset,
                   organisations: Iterable[Organisation | int | None] = ()) -> list[User]:
    """Everyone who should hear about an asset: its followers and the members of
    ``organisations`` (the nominating, bidding, requesting or operating ones). One query;
    each person once; erased accounts left out."""
    org_ids = {o if isinstance(o, int) else o.id for o in organisations if o is not None}
    parts = [select(AssetFollow.user_id).where(AssetFollow.asset_id == asset.id)]
    if org_ids:
        parts.append(select(Membership.user_id)
                     .where(Membership.organisation_id.in_(org_ids)))
    ids = union(*parts).subquery()
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(ids.c[0])), User.deleted_at.is_(None))
        .order_by(User.id)))


def asset_link(asset: CommunityAsset) -> str:
    """Absolute link to the asset's page, for emails."""
    return absolute_url("assets.show", asset_id=asset.id)


def notify_asset_audience(asset: CommunityAsset, kind: str, subject: Words, body: Words, *,
                          organisations: Iterable[Organisation | int | None] = (),
                          actor: User | None = None,
                          also: Iterable[User | None] = ()) -> list[Notification]:
    """Tell the asset's audience (``asset_audience``) and ``also`` (say, the resident who
    nominated), except the person who made the change, each in their own language."""
    people = {user.id: user for user in asset_audience(asset, organisations)}
    for user in also:
        if user is not None and user.deleted_at is None:
            people.setdefault(user.id, user)
    link = asset_link(asset)
    subject, body = OncePerLanguage(subject), OncePerLanguage(body)
    return [notify_user(user, kind, subject, body, link=link)
            for user_id, user in sorted(people.items())
            if actor is None or user_id != actor.id]
