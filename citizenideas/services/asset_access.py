"""Residents' word on access to a transferred community place: better, the same or worse,
with up to 500 characters. Public, tied to the asset; staff hide an abusive one with a public
reason (the placeholder stays, so nothing disappears without a trace)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import ACCESS_CHANGES, AccessComment, CommunityAsset, User, utcnow
from ..pagination import Page, paginate
from ..permissions import require
from .asset_reports import transferred_request
from .asset_timeline import add_asset_event, notify_asset_audience
from .audit import record_audit
from .claims import checked_text
from .text_rules import clean_text

BODY_MAX = 500
SHOWN = 100


def post_access_comment(actor: User, asset: CommunityAsset, *, change, body) -> AccessComment:
    """A resident (signed in, email confirmed) says how access to a transferred place changed
    for them."""
    require(actor, "comment_on_access", asset)
    transfer = transferred_request(asset)
    if transfer is None:
        raise Conflict(_("Residents can comment on access once a place has been transferred."))
    errors: dict[str, list[str]] = {}
    if change not in ACCESS_CHANGES:
        errors["change"] = [_("Say whether access is better, the same or worse for you.")]
    body = clean_text(body, "body", errors, maximum=BODY_MAX,
                      required=_("Say how access has changed for you."),
                      too_long=_("Your comment must be 500 characters or fewer."))
    if errors:
        raise ValidationFailed(_("There is a problem with your comment."), errors)
    comment = AccessComment(asset_id=asset.id, author_id=actor.id, change=change, body=body,
                            created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    add_asset_event(actor, asset, "access_comment",
                    _("A resident said how access has changed for them."),
                    transfer_request=transfer)
    notify_asset_audience(
        asset, "access_comment", _l("%(asset)s: a resident commented on access",
                                    asset=asset.name),
        _l("A resident said how access to %(asset)s has changed for them.", asset=asset.name),
        organisations=[transfer.organisation_id], actor=actor)
    db.session.flush()
    return comment


def hide_access_comment(actor: User, comment: AccessComment, reason) -> AccessComment:
    """Staff hide an abusive comment with a reason (shown in its place). Hiding it twice at
    once hides it once."""
    require(actor, "hide_access_comment", comment)
    errors: dict[str, list[str]] = {}
    reason = checked_text(reason, "reason", errors, name=_("The reason"), maximum=500,
                          required=_("Enter the reason for hiding the comment: it is shown "
                                     "in its place."))
    if errors:
        raise ValidationFailed(_("There is a problem with hiding the comment."), errors)
    done = db.session.execute(
        update(AccessComment).where(AccessComment.id == comment.id,
                                    AccessComment.hidden_at.is_(None))
        .values(hidden_at=utcnow(), hidden_reason=reason)
        .execution_options(synchronize_session=False))
    db.session.refresh(comment)
    if done.rowcount != 1:
        raise Conflict(_("This comment has already been hidden."))
    record_audit(actor, "access_comment.hide", comment, after={"reason": reason})
    db.session.flush()
    return comment


def access_comments(asset: CommunityAsset, page: int = 1, per_page: int = SHOWN) -> Page:
    """One page of the comments on the asset, newest first (hidden ones too: the page shows a
    placeholder), and how many there are."""
    return paginate(
        select(AccessComment).where(AccessComment.asset_id == asset.id)
        .options(joinedload(AccessComment.author))
        .order_by(AccessComment.created_at.desc(), AccessComment.id.desc()), page, per_page,
        count=select(func.count(AccessComment.id)).where(AccessComment.asset_id == asset.id))


def access_tally(asset: CommunityAsset) -> dict[str, int]:
    """How many shown comments say better, the same, worse."""
    counts = dict(db.session.execute(
        select(AccessComment.change, func.count(AccessComment.id))
        .where(AccessComment.asset_id == asset.id, AccessComment.hidden_at.is_(None))
        .group_by(AccessComment.change)).all())
    return {change: counts.get(change, 0) for change in ACCESS_CHANGES}
