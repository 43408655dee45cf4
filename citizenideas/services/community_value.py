"""Assets of community value (the community right to bid, England: Localism Act 2011 Part 5
Chapter 3, and the Assets of Community Value (England) Regulations 2012).

A verified organisation (or a group of local people, recorded by staff) nominates an asset;
the council decides within 8 weeks, listed (for 5 years) or not listed, always with a public
reason, and records that the owner was told. When the owner gives notice of intent to sell,
staff record the date the notice was received; the moratorium dates follow from that date
(``moratorium_dates``). During the interim window a verified organisation may register its
intent to bid, which triggers the full moratorium. The published lists are
services.community_value_lists.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    AcvBidIntent,
    AcvNomination,
    CommunityAsset,
    Organisation,
    User,
    utcnow,
)
from ..permissions import require
from .asset_timeline import add_asset_event, notify_asset_audience
from .audit import record_audit
from .claims import checked_text, parse_date
from .notifications import joined

DECISION_WEEKS = 8
LISTING_YEARS = 5
INTERIM_WEEKS = 6
FULL_MONTHS = 6
PROTECTED_MONTHS = 18
DECISIONS = ("listed", "not_listed")


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; a day the later month lacks becomes its last
    day (31 August + 6 months = 28 or 29 February; 29 February + 12 months = 28 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


@dataclass(frozen=True)
class Moratorium:
    """The dates that follow from the date the owner's notice of sale was received."""

    received_on: date
    interim_ends: date     # received + 6 weeks: intents to bid are taken before this date
    full_ends: date        # received + 6 months (only if someone registered an intent to bid)
    protected_ends: date   # received + 18 months

    def interim_open(self, today: date) -> bool:
        """The interim window: the six weeks beginning with the day the notice arrived."""
        return self.received_on <= today < self.interim_ends


def moratorium_dates(received_on: date) -> Moratorium:
    return Moratorium(received_on=received_on,
                      interim_ends=received_on + timedelta(weeks=INTERIM_WEEKS),
                      full_ends=add_months(received_on, FULL_MONTHS),
                      protected_ends=add_months(received_on, PROTECTED_MONTHS))


def moratorium(nomination: AcvNomination) -> Moratorium | None:
    """The nomination's moratorium dates, if a notice of sale was recorded."""
    if nomination.notice_received_on is None:
        return None
    return moratorium_dates(nomination.notice_received_on)


def today() -> date:
    return utcnow().date()


def is_overdue(nomination: AcvNomination, on: date | None = None) -> bool:
    return nomination.state == "nominated" and nomination.decision_due_on < (on or today())


def current_listing(asset: CommunityAsset) -> AcvNomination | None:
    """The asset's listing in force, if any (the latest listed nomination not yet ended)."""
    return db.session.scalar(
        select(AcvNomination).where(AcvNomination.asset_id == asset.id,
                                    AcvNomination.state == "listed",
                                    AcvNomination.listed_until >= today())
        .order_by(AcvNomination.decided_at.desc()).limit(1))


def pending_nomination(asset: CommunityAsset) -> AcvNomination | None:
    return db.session.scalar(
        select(AcvNomination).where(AcvNomination.asset_id == asset.id,
                                    AcvNomination.state == "nominated").limit(1))


def _nominator_name(nomination: AcvNomination) -> str:
    return nomination.organisation.name if nomination.organisation else nomination.group_name


def _tell(nomination: AcvNomination, kind: str, subject, body, skip: User | None = None,
          organisations=()) -> None:
    """Tell the asset's audience about a step: its followers, the nominating organisation's
    members (and ``organisations``'), and the resident who nominated, except ``skip``."""
    nominator = nomination.nominated_by
    notify_asset_audience(nomination.asset, kind, subject, body,
                          organisations=[nomination.organisation_id, *organisations],
                          actor=skip,
                          also=[nominator] if nominator is not None and not nominator.is_staff
                          else [])


def _event(actor: User | None, nomination: AcvNomination, event: str, message: str = "",
           organisation: Organisation | None = None) -> None:
    """One entry on the asset's public timeline for this step."""
    add_asset_event(actor, nomination.asset, event, message,
                    organisation=organisation or nomination.organisation)


def nominate_asset(actor: User, asset: CommunityAsset, *, organisation: Organisation | None = None,
                   group_name: str | None = None, reasons: str) -> AcvNomination:
    """Nominate ``asset`` for the list: for a verified organisation the actor belongs to, or
    (staff only) for a group of local people named by ``group_name``."""
    errors: dict[str, list[str]] = {}
    if organisation is not None:
        require(actor, "nominate_acv", organisation,
                _("Only members of a verified organisation can nominate for it."))
        group_name = None
    else:
        require(actor, "record_acv_group_nomination", None,
                _("Only the council can record a nomination by a group of local people."))
        group_name = checked_text(group_name, "group_name", errors, name=_("The group's name"),
                                  required=_("Enter the name of the group of local people."),
                                  maximum=200)
    reasons = checked_text(reasons, "reasons", errors, name=_("Your reasons"), minimum=20,
                           required=_("Enter why the asset furthers the social wellbeing or "
                                      "interests of the local community."), maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with the nomination."), errors)
    if asset.retired_at is not None:
        raise Conflict(_("This asset is no longer in the register."))
    if pending_nomination(asset) is not None:
        raise Conflict(_("This asset has already been nominated; the council is deciding."))
    if current_listing(asset) is not None:
        raise Conflict(_("This asset is already listed as an asset of community value."))
    now = utcnow()
    nomination = AcvNomination(
        asset_id=asset.id, organisation_id=organisation.id if organisation else None,
        group_name=group_name, nominated_by_id=actor.id, reasons=reasons, submitted_at=now,
        decision_due_on=now.date() + timedelta(weeks=DECISION_WEEKS), state="nominated")
    try:
        # The partial unique index keeps one pending nomination per asset, whoever races.
        with db.session.begin_nested():
            db.session.add(nomination)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This asset has already been nominated; the council is "
                         "deciding.")) from None
    record_audit(actor, "acv.nominate", nomination,
                 after={"asset_id": asset.id, "organisation_id": nomination.organisation_id,
                        "group_name": group_name})
    _event(actor, nomination, "nominated", group_name or "")
    _tell(nomination, "acv_nominated",
          _l("%(asset)s was nominated as an asset of community value", asset=asset.name),
          _l("%(name)s nominated %(asset)s as an asset of community value. The council "
             "decides by %(due)s.", name=_nominator_name(nomination), asset=asset.name,
             due=nomination.decision_due_on.isoformat()), skip=actor)
    db.session.flush()
    return nomination


def decide_nomination(actor: User, nomination: AcvNomination, decision: str,
                      reason: str) -> AcvNomination:
    """Staff list the asset (for 5 years) or refuse it, always with a public reason. Two
    people deciding at once give one decision: the other is told (409)."""
    require(actor, "decide_acv", nomination)
    errors: dict[str, list[str]] = {}
    if decision not in DECISIONS:
        errors["decision"] = [_("Choose whether to list the asset or not.")]
    reason = checked_text(reason, "reason", errors, name=_("The reason"),
                          required=_("Enter the reason for the decision: it is published."),
                          maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with the decision."), errors)
    now = utcnow()
    listed = decision == "listed"
    values = {"state": decision, "decided_at": now, "decided_by_id": actor.id,
              "decision_reason": reason,
              "listed_on": now.date() if listed else None,
              "listed_until": add_years(now.date(), LISTING_YEARS) if listed else None}
    # The check and the write in one statement: of two deciders, one changes the row.
    done = db.session.execute(
        update(AcvNomination)
        .where(AcvNomination.id == nomination.id, AcvNomination.state == "nominated")
        .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(nomination)
        raise Conflict(_("This nomination has already been decided."))
    db.session.refresh(nomination)
    asset = nomination.asset
    if listed and asset.community_status != "acv_listed":
        record_audit(actor, "asset.community_status", asset,
                     before={"community_status": asset.community_status},
                     after={"community_status": "acv_listed"})
        nomination.status_before_listing = asset.community_status
        asset.community_status = "acv_listed"
    _event(actor, nomination, decision, reason)
    record_audit(actor, "acv.decide", nomination, before={"state": "nominated"},
                 after={"state": decision, "listed_until": str(values["listed_until"] or "")})
    if listed:
        subject = _l("%(asset)s is listed as an asset of community value", asset=asset.name)
        opening = _l("The council listed %(asset)s as an asset of community value until "
                     "%(until)s.", asset=asset.name, until=values["listed_until"].isoformat())
    else:
        subject = _l("%(asset)s was not listed as an asset of community value", asset=asset.name)
        opening = _l("The council decided not to list %(asset)s as an asset of community value.",
                     asset=asset.name)
    _tell(nomination, "acv_decided", subject, joined(opening, "\n\n", reason), skip=actor)
    db.session.flush()
    return nomination


def record_owner_told(actor: User, nomination: AcvNomination) -> AcvNomination:
    """Staff record that the owner was told of the decision."""
    require(actor, "decide_acv", nomination)
    if nomination.state == "nominated":
        raise Conflict(_("Decide the nomination before recording that the owner was told."))
    if nomination.owner_told_at is None:
        nomination.owner_told_at = utcnow()
        record_audit(actor, "acv.owner_told", nomination)
        _event(actor, nomination, "owner_told")
        _tell(nomination, "acv_owner_told",
              _l("%(asset)s: the owner was told of the decision", asset=nomination.asset.name),
              _l("The council told the owner of %(asset)s of its decision on the "
                 "nomination.", asset=nomination.asset.name), skip=actor)
        db.session.flush()
    return nomination


def record_notice_of_sale(actor: User, nomination: AcvNomination,
                          received_on: date | str | None) -> Moratorium:
    """Staff record the date the owner's notice of intent to sell was received."""
    require(actor, "record_acv_sale", nomination)
    errors: dict[str, list[str]] = {}
    received = parse_date(received_on, "received_on", errors, _("The date the notice arrived"))
    if received is None and not errors:
        errors["received_on"] = [_("Enter the date the notice of sale was received.")]
    elif received is not None and received > today():
        errors["received_on"] = [_("The date the notice arrived must be today or in the past.")]
    if errors:
        raise ValidationFailed(_("There is a problem with the notice of sale."), errors)
    if nomination.state != "listed" or (nomination.listed_until or today()) < today():
        raise Conflict(_("Only a listed asset can have a notice of sale recorded."))
    before = nomination.notice_received_on
    nomination.notice_received_on = received
    record_audit(actor, "acv.notice_of_sale", nomination,
                 before={"notice_received_on": str(before or "")},
                 after={"notice_received_on": received.isoformat()})
    dates = moratorium_dates(received)
    # The message is the date the notice arrived: the timeline shows the dates from it.
    add_asset_event(actor, nomination.asset, "notice_of_sale", received.isoformat())
    _tell(nomination, "acv_notice_of_sale",
          _l("%(asset)s: the owner intends to sell", asset=nomination.asset.name),
          _l("The owner of %(asset)s has given notice of intent to sell. A verified "
             "organisation can register its intent to bid before %(ends)s.",
             asset=nomination.asset.name, ends=dates.interim_ends.isoformat()), skip=actor)
    db.session.flush()
    return dates


def record_notice_of_sale_for_asset(actor: User, asset: CommunityAsset,
                                    received_on: date | str | None) -> AcvNomination:
    """``record_notice_of_sale`` on the asset's listing in force (409 if it has none)."""
    require(actor, "record_acv_sale", None)
    nomination = current_listing(asset)
    if nomination is None:
        raise Conflict(_("Only a listed asset can have a notice of sale recorded."))
    record_notice_of_sale(actor, nomination, received_on)
    return nomination


def moratoria(asset_ids: list[int]) -> dict[int, tuple[Moratorium, int]]:
    """For each of ``asset_ids`` whose listing in force has a notice of sale: its moratorium
    dates and how many intents to bid were registered. Two queries, whatever the number."""
    if not asset_ids:
        return {}
    rows = list(db.session.scalars(
        select(AcvNomination).where(AcvNomination.asset_id.in_(asset_ids),
                                    AcvNomination.state == "listed",
                                    AcvNomination.listed_until >= today(),
                                    AcvNomination.notice_received_on.is_not(None))
        .options(selectinload(AcvNomination.bid_intents))
        .order_by(AcvNomination.decided_at)))
    return {n.asset_id: (moratorium_dates(n.notice_received_on), len(n.bid_intents))
            for n in rows}


def register_intent_to_bid(actor: User, nomination: AcvNomination,
                           organisation: Organisation) -> AcvBidIntent:
    """A verified organisation's member registers its (public) intent to bid, during the
    interim window only; once per organisation. It triggers the full moratorium."""
    require(actor, "bid_on_acv", organisation,
            _("Only members of a verified organisation can register an intent to bid for it."))
    dates = moratorium(nomination)
    if nomination.state != "listed" or dates is None:
        raise Conflict(_("The owner has not given notice of sale, so there is nothing to bid "
                         "for yet."))
    if not dates.interim_open(today()):
        raise Conflict(_("The interim moratorium ended on %(date)s: intents to bid are no "
                         "longer taken.", date=dates.interim_ends.isoformat()))
    exists = db.session.scalar(select(AcvBidIntent.id).where(
        AcvBidIntent.nomination_id == nomination.id,
        AcvBidIntent.organisation_id == organisation.id))
    if exists is not None:
        raise Conflict(_("%(name)s has already registered its intent to bid.",
                         name=organisation.name))
    intent = AcvBidIntent(nomination_id=nomination.id, organisation_id=organisation.id,
                          created_by_id=actor.id, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(intent)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("%(name)s has already registered its intent to bid.",
                         name=organisation.name)) from None
    record_audit(actor, "acv.intent_to_bid", nomination,
                 after={"organisation_id": organisation.id})
    _event(actor, nomination, "intent_to_bid", organisation=organisation)
    _tell(nomination, "acv_intent_to_bid",
          _l("%(asset)s: an intent to bid was registered", asset=nomination.asset.name),
          _l("%(name)s registered its intent to bid for %(asset)s. The full moratorium runs "
             "until %(ends)s.", name=organisation.name, asset=nomination.asset.name,
             ends=dates.full_ends.isoformat()), skip=actor, organisations=[organisation])
    db.session.flush()
    return intent


def end_expired_listings(on: date | None = None) -> int:
    """End every listing whose five years are over (``flask acv-expire``, daily): the asset's
    community status goes back to what it was before listing (unless someone changed it
    since, or another listing is in force), ``listing_ended`` goes on its timeline and its
    audience is told. Idempotent: an ended listing is not ended again, and of two runs at
    once each listing is ended by one. Returns how many listings it ended."""
    on = on or today()
    ended = 0
    expired = list(db.session.scalars(
        select(AcvNomination).where(AcvNomination.state == "listed",
                                    AcvNomination.listed_until < on,
                                    AcvNomination.listing_ended_at.is_(None))
        .order_by(AcvNomination.id)))
    for nomination in expired:
        now = utcnow()
        done = db.session.execute(
            update(AcvNomination)
            .where(AcvNomination.id == nomination.id,
                   AcvNomination.listing_ended_at.is_(None))
            .values(listing_ended_at=now).execution_options(synchronize_session=False))
        if done.rowcount != 1:
            continue
        db.session.refresh(nomination)
        asset = nomination.asset
        still_listed = db.session.scalar(
            select(AcvNomination.id).where(AcvNomination.asset_id == asset.id,
                                           AcvNomination.id != nomination.id,
                                           AcvNomination.state == "listed",
                                           AcvNomination.listed_until >= on).limit(1))
        if asset.community_status == "acv_listed" and still_listed is None:
            back = nomination.status_before_listing or "council_run"
            record_audit(None, "asset.community_status", asset,
                         before={"community_status": "acv_listed"},
                         after={"community_status": back})
            asset.community_status = back
        record_audit(None, "acv.listing_ended", nomination,
                     after={"listed_until": nomination.listed_until.isoformat()})
        add_asset_event(None, asset, "listing_ended", nomination.listed_until.isoformat())
        _tell(nomination, "acv_listing_ended",
              _l("%(asset)s is no longer listed as an asset of community value",
                 asset=asset.name),
              _l("The listing of %(asset)s as an asset of community value ended on %(date)s, "
                 "five years after it was listed.", asset=asset.name,
                 date=nomination.listed_until.isoformat()))
        ended += 1
    db.session.flush()
    return ended
