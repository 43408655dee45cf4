"""Community asset transfer (the council's own policy): a verified organisation asks to take
on a council asset; the council moves the request through its stages, each with a public date
and, where the council decides, a public reason; the organisation answers the council's
questions in the platform, or withdraws.

``received`` -> ``under_assessment`` -> ``business_case_requested`` -> ``approved`` |
``declined``; ``approved`` -> ``transferred`` (with the terms in a sentence and the date);
any open stage -> ``withdrawn`` (the organisation). A request received makes the asset's
community status ``transfer_proposed`` (the status before is kept on the request and put back
when no open request is left); a transfer makes it ``transferred`` with the organisation as
operator. Every step writes a TransferStageChange, an AssetEvent and (staff) an audit record,
and tells the asset's audience and the organisation's members, in the same transaction.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    OPEN_TRANSFER_STAGES,
    CommunityAsset,
    Idea,
    Organisation,
    TransferRequest,
    TransferStageChange,
    User,
    utcnow,
)
from ..permissions import require
from .asset_timeline import add_asset_event, notify_asset_audience
from .audit import record_audit
from .claims import checked_text, parse_date
from .notifications import joined

STAGE_LABELS = {
    "received": _l("Received"),
    "under_assessment": _l("Under assessment"),
    "business_case_requested": _l("Business case requested"),
    "approved": _l("Approved"),
    "declined": _l("Declined"),
    "transferred": _l("Transferred"),
    "withdrawn": _l("Withdrawn"),
}
STAGE_COLOURS = {"received": "blue", "under_assessment": "light-blue",
                 "business_case_requested": "yellow", "approved": "green", "declined": "red",
                 "transferred": "turquoise", "withdrawn": "grey"}
# The council's moves; ``withdrawn`` is the organisation's, from any open stage.
STAFF_MOVES = {
    "received": ("under_assessment", "declined"),
    "under_assessment": ("business_case_requested", "approved", "declined"),
    "business_case_requested": ("under_assessment", "approved", "declined"),
    "approved": ("transferred",),
}
REASON_REQUIRED = ("approved", "declined")
MAX_IDEAS = 10
TEXT_FIELDS = (
    ("proposed_use", _l("What you will do with the place"), 20, 5000,
     _l("Say what your organisation will do with the place.")),
    ("beneficiaries", _l("Who benefits"), 1, 5000, _l("Say who will benefit.")),
    ("commitment_opening_hours", _l("Opening hours"), 1, 2000,
     _l("Say when the place will be open.")),
    ("commitment_prices", _l("Prices"), 1, 2000,
     _l("Say what people will pay to use the place (or that it is free).")),
    ("commitment_accessibility", _l("Accessibility"), 1, 2000,
     _l("Say how disabled people will be able to use the place.")),
    ("capacity_people", _l("Your people"), 1, 2000,
     _l("Say who will run the place: staff, volunteers, trustees.")),
    ("capacity_money", _l("Your money"), 1, 2000,
     _l("Say how you will pay for running the place.")),
    ("capacity_experience", _l("Your experience"), 1, 2000,
     _l("Say what experience your organisation has of running a place like this.")),
)


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def staff_moves(request: TransferRequest) -> tuple[str, ...]:
    return STAFF_MOVES.get(request.stage, ())


def is_open(request: TransferRequest) -> bool:
    return request.stage in OPEN_TRANSFER_STAGES


def _lock_asset(asset: CommunityAsset) -> CommunityAsset:
    """Hold the asset until the transaction ends (the no-op UPDATE of ``lifecycle.lock_idea``:
    a row lock on PostgreSQL, the write lock on SQLite), and reload it, so two requests
    changing its status one after the other each see what the first wrote."""
    db.session.execute(update(CommunityAsset).where(CommunityAsset.id == asset.id)
                       .values(community_status=CommunityAsset.community_status)
                       .execution_options(synchronize_session=False))
    db.session.refresh(asset)
    return asset


def _idea_tokens(ideas) -> list[str]:
    if ideas is None:
        return []
    if isinstance(ideas, str):
        ideas = ideas.replace(",", " ").split()
    return [str(i).strip() for i in ideas if str(i).strip()]


def _resolve_ideas(ideas, errors: dict) -> list[Idea]:
    """Ideas named by reference (any case) or by number; hidden ideas count as unknown."""
    tokens = _idea_tokens(ideas)
    if len(tokens) > MAX_IDEAS:
        errors["ideas"] = [_("Link at most %(n)s ideas.", n=MAX_IDEAS)]
        return []
    found: dict[int, Idea] = {}
    unknown = []
    for token in tokens:
        if token.isascii() and token.isdigit() and len(token) <= 9:
            idea = db.session.get(Idea, int(token))
        else:
            idea = db.session.scalar(select(Idea).where(
                func.upper(Idea.reference) == token.upper()[:20]))
        if idea is None or idea.hidden:
            unknown.append(token[:30])
        else:
            found.setdefault(idea.id, idea)
    if unknown:
        errors["ideas"] = [_("There is no idea %(refs)s. Use the idea's reference, like "
                             "DB-2026-0012.", refs=", ".join(unknown))]
    return list(found.values())


def _tell(request: TransferRequest, actor: User, kind: str, subject, body) -> None:
    notify_asset_audience(request.asset, kind, subject, body,
                          organisations=[request.organisation_id], actor=actor)


def _stage_change(request: TransferRequest, actor: User, from_stage: str | None,
                  to_stage: str, message: str) -> TransferStageChange:
    change = TransferStageChange(request_id=request.id, from_stage=from_stage,
                                 to_stage=to_stage, message=message, actor_id=actor.id,
                                 created_at=utcnow())
    db.session.add(change)
    return change


def _set_status(actor: User, asset: CommunityAsset, status: str, *,
                operator_id: int | None = None, set_operator: bool = False) -> None:
    before = {"community_status": asset.community_status,
              "operator_organisation_id": asset.operator_organisation_id}
    asset.community_status = status
    if set_operator:
        asset.operator_organisation_id = operator_id
    asset.updated_at = utcnow()
    after = {"community_status": asset.community_status,
             "operator_organisation_id": asset.operator_organisation_id}
    if before != after:
        record_audit(actor, "asset.community_status", asset, before, after)


def submit_transfer_request(actor: User, asset: CommunityAsset, organisation: Organisation | None,
                            *, ideas=None, **fields) -> TransferRequest:
    """A member of a verified organisation asks, for that organisation, to take on ``asset``.
    ``fields`` are the TEXT_FIELDS; ``ideas`` are references or numbers of ideas it answers."""
    require(actor, "request_transfer", organisation,
            _("Only members of a verified organisation can ask to take on a place for it."))
    errors: dict[str, list[str]] = {}
    values = {}
    for key, name, minimum, maximum, required in TEXT_FIELDS:
        values[key] = checked_text(fields.get(key), key, errors, name=str(name),
                                   required=str(required), minimum=minimum, maximum=maximum)
    linked = _resolve_ideas(ideas, errors)
    if errors:
        raise ValidationFailed(_("There is a problem with the request."), errors)
    _lock_asset(asset)
    if asset.retired_at is not None:
        raise Conflict(_("This place is no longer in the register."))
    if asset.community_status == "transferred":
        raise Conflict(_("This place has already been transferred to a community "
                         "organisation."))
    already = db.session.scalar(select(TransferRequest.id).where(
        TransferRequest.asset_id == asset.id, TransferRequest.organisation_id == organisation.id,
        TransferRequest.stage.in_(OPEN_TRANSFER_STAGES)))
    if already is not None:
        raise Conflict(_("%(name)s already has an open request for this place.",
                         name=organisation.name))
    now = utcnow()
    other_open = db.session.scalar(
        select(TransferRequest).where(TransferRequest.asset_id == asset.id,
                                      TransferRequest.stage.in_(OPEN_TRANSFER_STAGES))
        .order_by(TransferRequest.id).limit(1))
    status_before = (other_open.status_before if other_open is not None
                     and asset.community_status == "transfer_proposed"
                     else asset.community_status)
    request = TransferRequest(asset_id=asset.id, organisation_id=organisation.id,
                              submitted_by_id=actor.id, stage="received", stage_changed_at=now,
                              submitted_at=now, status_before=status_before, **values)
    request.ideas = linked
    db.session.add(request)
    db.session.flush()
    _stage_change(request, actor, None, "received", "")
    if asset.community_status != "transfer_proposed":
        _set_status(actor, asset, "transfer_proposed")
    add_asset_event(actor, asset, "transfer_requested", organisation=organisation,
                    transfer_request=request)
    _tell(request, actor, "transfer_requested",
          _l("%(name)s asked to take on %(asset)s", name=organisation.name, asset=asset.name),
          _l("%(name)s asked the council to transfer %(asset)s to it. The council will assess "
             "the request and publish each step.", name=organisation.name, asset=asset.name))
    db.session.flush()
    return request


def _restore_status(actor: User, request: TransferRequest) -> None:
    """After a decline or withdrawal: with no other open request on the asset, put back the
    status it had before the first of them."""
    asset = request.asset
    if asset.community_status != "transfer_proposed":
        return
    other = db.session.scalar(select(TransferRequest.id).where(
        TransferRequest.asset_id == asset.id, TransferRequest.id != request.id,
        TransferRequest.stage.in_(OPEN_TRANSFER_STAGES)).limit(1))
    if other is None:
        _set_status(actor, asset, request.status_before
                    if request.status_before in ("council_run", "community_run", "acv_listed")
                    else "council_run")


def _claim_stage(actor: User, request: TransferRequest, from_stage: str,
                 values: dict) -> None:
    """The check and the write in one statement: of two people moving the request from
    ``from_stage`` at once, one changes the row and the other is told (409)."""
    done = db.session.execute(
        update(TransferRequest)
        .where(TransferRequest.id == request.id, TransferRequest.stage == from_stage)
        .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(request)
        raise changed_meanwhile(actor, request)
    db.session.refresh(request)


def changed_meanwhile(actor: User, request: TransferRequest) -> Conflict:
    last = db.session.scalar(select(TransferStageChange).where(
        TransferStageChange.request_id == request.id)
        .order_by(TransferStageChange.id.desc()).limit(1))
    stage = stage_label(request.stage)
    if last is not None and last.actor_id == actor.id:
        return Conflict(_("You already moved this request to %(stage)s.", stage=stage))
    return Conflict(_("This request moved to %(stage)s a moment ago.", stage=stage))


def move_transfer_stage(actor: User, request: TransferRequest, stage: str, message: str = "",
                        *, terms: str | None = None, transferred_on: date | str | None = None,
                        expected_stage: str | None = None) -> TransferRequest:
    """Staff move a request to its next stage. ``approved`` and ``declined`` need a public
    reason (``message``); ``transferred`` needs the terms in a sentence and the date (today or
    earlier). ``expected_stage`` is the stage the page showed (a stale page gets 409)."""
    require(actor, "move_transfer_stage", request,
            _("Only the council moves a transfer request on."))
    seen = expected_stage or request.stage
    errors: dict[str, list[str]] = {}
    if stage not in STAFF_MOVES.get(seen, ()):
        if request.stage != seen:
            raise changed_meanwhile(actor, request)
        if stage in STAGE_LABELS:
            raise Conflict(_("A request at %(from)s cannot move to %(to)s.",
                             **{"from": stage_label(seen), "to": stage_label(stage)}))
        errors["stage"] = [_("Choose the next stage.")]
    message = checked_text(
        message, "message", errors, name=_("The reason") if stage in REASON_REQUIRED
        else _("The message"),
        required=(_("Enter the reason for the decision: it is published.")
                  if stage in REASON_REQUIRED else None), maximum=5000)
    day = None
    if stage == "transferred":
        terms = checked_text(terms, "terms", errors, name=_("The terms"), maximum=500,
                             required=_("Enter the lease or transfer terms in a sentence."))
        day = parse_date(transferred_on, "transferred_on", errors,
                         _("The date of the transfer"))
        if day is None and "transferred_on" not in errors:
            errors["transferred_on"] = [_("Enter the date the place was transferred.")]
        elif day is not None and day > utcnow().date():
            errors["transferred_on"] = [_("The date of the transfer must be today or in the "
                                          "past.")]
    if errors:
        raise ValidationFailed(_("There is a problem with the stage."), errors)
    asset = _lock_asset(request.asset)
    now = utcnow()
    values = {"stage": stage, "stage_changed_at": now}
    if stage in REASON_REQUIRED:
        values |= {"decision_reason": message, "decided_at": now}
    if stage == "transferred":
        values |= {"terms": terms, "transferred_on": day}
        if asset.community_status == "transferred":
            raise Conflict(_("This place has already been transferred."))
    _claim_stage(actor, request, seen, values)
    _stage_change(request, actor, seen, stage, message if stage != "transferred"
                  else (message or terms))
    record_audit(actor, "transfer.stage", request, {"stage": seen},
                 {"stage": stage, "message": message, **({"terms": terms,
                                                          "transferred_on": day.isoformat()}
                                                         if day else {})})
    org, name = request.organisation, request.organisation.name
    if stage == "transferred":
        _set_status(actor, asset, "transferred", operator_id=request.organisation_id,
                    set_operator=True)
        add_asset_event(actor, asset, "transferred", terms, organisation=org,
                        transfer_request=request)
        _tell(request, actor, "transfer_stage",
              _l("%(asset)s was transferred to %(name)s", asset=asset.name, name=name),
              joined(_l("The council transferred %(asset)s to %(name)s on %(date)s. The "
                        "terms:", asset=asset.name, name=name, date=day.isoformat()),
                     "\n\n", terms))
        _decline_the_others(actor, request, day)
    else:
        if stage == "declined":
            _restore_status(actor, request)
        _tell_stage(actor, request, stage, message)
    db.session.flush()
    return request


def _tell_stage(actor: User, request: TransferRequest, stage: str, message: str) -> None:
    """The timeline entry and the notifications for a request moved to ``stage``."""
    name, asset = request.organisation.name, request.asset
    add_asset_event(actor, asset, "transfer_stage", message, organisation=request.organisation,
                    transfer_request=request, stage=stage)
    _tell(request, actor, "transfer_stage",
          _l("%(name)s's request for %(asset)s: %(stage)s", name=name, asset=asset.name,
             stage=STAGE_LABELS[stage]),
          joined(_l("The council moved %(name)s's request to take on %(asset)s to the stage: "
                    "%(stage)s.", name=name, asset=asset.name, stage=STAGE_LABELS[stage]),
                 "\n\n" if message else "", message))


def _decline_the_others(actor: User, transferred: TransferRequest, day: date) -> None:
    """A place transferred to one organisation cannot go to another: every other open request
    for it is declined, with the transfer as its public reason, and its organisation told."""
    others = db.session.scalars(select(TransferRequest).where(
        TransferRequest.asset_id == transferred.asset_id, TransferRequest.id != transferred.id,
        TransferRequest.stage.in_(OPEN_TRANSFER_STAGES)).order_by(TransferRequest.id))
    for other in others:
        reason = _("The council transferred %(asset)s to %(name)s on %(date)s, so this "
                   "request cannot go ahead.", asset=transferred.asset.name,
                   name=transferred.organisation.name, date=day.isoformat())
        seen, now = other.stage, utcnow()
        _claim_stage(actor, other, seen, {"stage": "declined", "stage_changed_at": now,
                                          "decision_reason": reason, "decided_at": now})
        _stage_change(other, actor, seen, "declined", reason)
        record_audit(actor, "transfer.stage", other, {"stage": seen},
                     {"stage": "declined", "message": reason})
        _tell_stage(actor, other, "declined", reason)


def withdraw_transfer_request(actor: User, request: TransferRequest,
                              message: str = "") -> TransferRequest:
    """A member of the requesting organisation withdraws its open request."""
    require(actor, "withdraw_transfer", request,
            _("Only the organisation that asked can withdraw its request."))
    errors: dict[str, list[str]] = {}
    message = checked_text(message, "message", errors, name=_("The message"), maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with the withdrawal."), errors)
    seen = request.stage
    if seen not in OPEN_TRANSFER_STAGES:
        raise Conflict(_("This request is %(stage)s: it can no longer be withdrawn.",
                         stage=stage_label(seen)))
    asset = _lock_asset(request.asset)
    _claim_stage(actor, request, seen, {"stage": "withdrawn", "stage_changed_at": utcnow()})
    _stage_change(request, actor, seen, "withdrawn", message)
    _restore_status(actor, request)
    add_asset_event(actor, asset, "transfer_stage", message, organisation=request.organisation,
                    transfer_request=request, stage="withdrawn")
    _tell(request, actor, "transfer_stage",
          _l("%(name)s withdrew its request for %(asset)s", name=request.organisation.name,
             asset=asset.name),
          joined(_l("%(name)s withdrew its request to take on %(asset)s.",
                    name=request.organisation.name, asset=asset.name),
                 "\n\n" if message else "", message))
    db.session.flush()
    return request
