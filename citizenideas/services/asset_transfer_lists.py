"""Community asset transfer requests to read: one request, a place's requests, the
council's list with the count at each stage, and a partner's requests."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import NotFound
from ..extensions import db
from ..models import OPEN_TRANSFER_STAGES, CommunityAsset, TransferRequest, User
from ..pagination import Page, paginate
from ..permissions import can
from .asset_transfer import STAGE_LABELS


def get_transfer_request(request_id: int) -> TransferRequest:
    request = (db.session.get(TransferRequest, request_id)
               if 0 < request_id <= 2**31 - 1 else None)
    if request is None:
        raise NotFound(_("There is no such transfer request."))
    return request


def asset_transfer_requests(asset: CommunityAsset) -> list[TransferRequest]:
    """Every request for the asset, newest first (declined and withdrawn ones too)."""
    return list(db.session.scalars(
        select(TransferRequest).where(TransferRequest.asset_id == asset.id)
        .order_by(TransferRequest.submitted_at.desc(), TransferRequest.id.desc())
        .options(joinedload(TransferRequest.organisation),
                 selectinload(TransferRequest.ideas))))


def council_list(stage: str | None = None, page: int = 1,
                 per_page: int = 25) -> tuple[Page, dict[str, int]]:
    """One page of the council's list (open requests, or those at ``stage``), the longest
    at their stage first, and the count at each stage."""
    counts = dict(db.session.execute(select(TransferRequest.stage, func.count())
                                     .group_by(TransferRequest.stage)).all())
    shown = (TransferRequest.stage == stage if stage
             else TransferRequest.stage.in_(OPEN_TRANSFER_STAGES))
    found = paginate(
        select(TransferRequest).where(shown)
        .order_by(TransferRequest.stage_changed_at, TransferRequest.id)
        .options(joinedload(TransferRequest.asset), joinedload(TransferRequest.organisation)),
        page, per_page, count=select(func.count(TransferRequest.id)).where(shown))
    return found, {s: counts.get(s, 0) for s in STAGE_LABELS}


def partner_requests(user: User) -> list[TransferRequest]:
    """The requests of the user's organisations, newest first."""
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return []
    return list(db.session.scalars(
        select(TransferRequest).where(TransferRequest.organisation_id.in_(org_ids))
        .order_by(TransferRequest.submitted_at.desc(), TransferRequest.id.desc())
        .options(joinedload(TransferRequest.asset), joinedload(TransferRequest.organisation),
                 selectinload(TransferRequest.info_requests))))


def sees_private_parts(user: User | None, request: TransferRequest) -> bool:
    return can(user, "view_transfer_private", request)
