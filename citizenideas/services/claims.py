"""Claims: a partner organisation offers to deliver an idea, a moderator decides, the
organisation may withdraw; and who acts for which organisation.

A member of a verified organisation claims an accepted idea with a plan; a moderator
approves (the idea moves to in delivery; several organisations may co-deliver) or rejects
with a reason. A delivering organisation may message the residents who offered help. The
helpers here that choose the acting organisation are shared with services.outcomes.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, NotAllowed, ValidationFailed
from ..extensions import db
from ..models import Claim, Idea, Notification, Organisation, Pledge, User, utcnow
from ..permissions import CLAIMABLE, can, delivering_organisations, membership, require
from .accounts import _absolute
from .audit import record_audit
from .lifecycle import add_timeline_event, change_status, lock_idea
from .notifications import (
    Words,
    idea_link,
    joined,
    notify_idea_audience,
    notify_moderators,
    notify_user,
)
from .text_rules import clean_text

PLAN_MIN, PLAN_MAX = 20, 5000


def notify_members(org: Organisation, kind: str, subject: Words, body: Words,
                   link: str | None = None, idea: Idea | None = None,
                   skip: User | None = None) -> None:
    """Tell every member of ``org`` (except ``skip``) about a claim or outcome."""
    for m in org.memberships:
        if m.user.deleted_at is None and (skip is None or m.user_id != skip.id):
            notify_user(m.user, kind, subject, body, link=link, idea=idea)


def _choose_organisation(orgs: list[Organisation], organisation: Organisation | None,
                         refused: str) -> Organisation:
    """The one of ``orgs`` the actor acts for: the one named, or the only one. Never a guess:
    a named organisation not in ``orgs`` is refused (``refused``), and several with none
    named is a field error asking which."""
    if organisation is not None:
        if organisation not in orgs:
            raise NotAllowed(refused)
        return organisation
    if len(orgs) > 1:
        raise ValidationFailed(_("Choose which organisation this is for."), {
            "organisation_id": [_("Choose which of your organisations this is for.")]})
    if not orgs:
        raise NotAllowed(refused)
    return orgs[0]


def acting_organisations(actor: User, idea: Idea, action: str = "deliver") -> list[Organisation]:
    """The actor's organisations delivering ``idea``, for a form to choose from, once the
    policy allows ``action`` (``deliver``: staff get an empty list and act as the council;
    ``message_volunteer``: delivering organisations only)."""
    detail = (_("Only organisations delivering this idea can message its volunteers.")
              if action == "message_volunteer" else
              _("Only an organisation delivering this idea, or the council, can do that."))
    require(actor, action, idea, detail=detail)
    return delivering_organisations(idea, member=actor)


def acting_organisation(actor: User, idea: Idea,
                        organisation: Organisation | None) -> Organisation | None:
    """The organisation ``actor`` acts for on ``idea``; None for council staff acting alone.

    Raises NotAllowed unless the actor is staff or a member of a verified organisation that
    delivers the idea, and ValidationFailed when the actor is in several delivering
    organisations and names none.
    """
    # Signed in and active first (None or a deactivated account is refused here, whatever
    # the route did).
    orgs = acting_organisations(actor, idea)
    if can(actor, "moderate"):
        # The council acts alone, or for a delivering organisation it names.
        if organisation is not None and organisation in delivering_organisations(idea):
            return organisation
        return None
    return _choose_organisation(orgs, organisation,
                                _("%(name)s is not delivering this idea.",
                                  name=organisation.name if organisation else ""))


def checked_text(value: str | None, field: str, errors: dict, *, name: str,
                 required: str | None = None, minimum: int = 1, maximum: int = 5000) -> str:
    """Cleaned text (see ``text_rules.clean_text``); ``required`` is the message when it is
    missing (None: optional); ``name`` starts the length messages ("Your plan must be ...")."""
    return clean_text(
        value, field, errors, required=required, minimum=minimum, maximum=maximum,
        too_short=_("%(name)s must be at least %(n)s characters.", name=name, n=minimum),
        too_long=_("%(name)s must be %(n)s characters or fewer.", name=name, n=f"{maximum:,}"))


def parse_date(value: date | str | None, field: str, errors: dict, name: str) -> date | None:
    """A date from a ``date``, an ISO ``YYYY-MM-DD`` string, or None; else a field error."""
    if value is None or isinstance(value, date):
        return value
    raw = str(value).strip()
    if not raw:
        return None
    try:
        year, month, day = (int(part) for part in raw.split("-"))
        parsed = date(year, month, day)
    except (ValueError, TypeError):
        errors[field] = [_("%(name)s must be a real date, like 27 3 2027.", name=name)]
        return None
    if not 2000 <= parsed.year <= 2100:
        errors[field] = [_("%(name)s must be in a year between 2000 and 2100.", name=name)]
        return None
    return parsed


def claiming_organisations(actor: User) -> list[Organisation]:
    """The actor's verified organisations, to choose from when offering to deliver an idea."""
    require(actor, "offer_to_deliver", detail=_("You need to be a member of a verified "
                                                 "organisation to offer to deliver an idea."))
    return actor.verified_organisations()


def claim_idea(actor: User, idea: Idea, organisation: Organisation, *, plan: str,
               expected_start: date | str | None = None,
               expected_end: date | str | None = None) -> Claim:
    """``organisation`` offers to deliver ``idea`` with a plan, for a moderator to decide."""
    if organisation is None:
        raise ValidationFailed(_("Choose an organisation."), {
            "organisation_id": [_("Choose the organisation making the offer.")]})
    if membership(actor, organisation) is None:
        require(actor, "claim_idea", organisation,
                detail=_("Only members of %(name)s can offer to deliver for it.",
                         name=organisation.name))
    if not organisation.is_verified:
        raise NotAllowed(_("%(name)s must be verified by the council before it can offer to "
                           "deliver ideas.", name=organisation.name))
    require(actor, "claim_idea", organisation)
    lock_idea(idea)
    if idea.hidden or idea.status not in CLAIMABLE:
        raise Conflict(_("Only accepted ideas, or ideas already in delivery, can be claimed."))
    errors: dict[str, list[str]] = {}
    plan = checked_text(plan, "plan", errors, name=_("Your plan"),
                        required=_("Enter your plan."), minimum=PLAN_MIN, maximum=PLAN_MAX)
    start = parse_date(expected_start, "expected_start", errors, _("Expected start date"))
    end = parse_date(expected_end, "expected_end", errors, _("Expected end date"))
    if start and end and end < start:
        errors["expected_end"] = [_("Expected end date must be the same as or after the "
                                    "start date.")]
    if errors:
        raise ValidationFailed(_("There is a problem with your offer."), errors)
    claim = Claim(idea_id=idea.id, organisation_id=organisation.id, created_by_id=actor.id,
                  plan=plan, expected_start=start, expected_end=end, status="pending",
                  created_at=utcnow())
    db.session.add(claim)
    name = organisation.name  # a failed flush expires every loaded object
    try:
        db.session.flush()
    except IntegrityError:
        # The one rule for this lives in the database: a partial unique index allows one
        # open (pending or approved) claim per organisation and idea. The caller rolls back.
        raise Conflict(_("%(name)s has already offered to deliver this idea.",
                         name=name)) from None
    notify_moderators(
        "claim_submitted",
        _l("%(name)s offers to deliver \u201c%(title)s\u201d", name=name, title=idea.title),
        joined(_l("%(name)s has offered to deliver the idea \u201c%(title)s\u201d. Approve or "
                  "reject the offer.", name=name, title=idea.title), f"\n\n{plan}"),
        link=_absolute("partners.review.claim", claim_id=claim.id), idea=idea, actor=actor)
    db.session.flush()
    return claim


def _claim_changed_meanwhile(claim: Claim) -> Conflict:
    """The refusal for a moderator or partner acting on a claim someone just decided or
    withdrew (the claim as reloaded under the idea's lock)."""
    if claim.status == "approved":
        return Conflict(_("Another moderator approved this claim a moment ago."))
    if claim.status == "rejected":
        return Conflict(_("Another moderator rejected this claim a moment ago."))
    return Conflict(_("%(name)s withdrew this claim a moment ago.",
                      name=claim.organisation.name))


def decide_claim(actor: User, claim: Claim, decision: str, message: str) -> Claim:
    """A moderator approves or rejects a pending claim (a reason is required to reject)."""
    require(actor, "decide_claim", claim)
    # Every change to an idea's claims happens under the idea's lock (lifecycle.lock_idea):
    # five moderators approving at once approve once; the other four are told.
    seen = claim.status
    lock_idea(claim.idea)
    db.session.refresh(claim)
    if claim.status != "pending":
        if seen == "pending":
            raise _claim_changed_meanwhile(claim)
        raise Conflict(_("This claim has already been decided or withdrawn."))
    errors: dict[str, list[str]] = {}
    if decision not in ("approve", "reject"):
        errors["decision"] = [_("Choose whether to approve or reject the claim.")]
    message = checked_text(message, "message", errors, name=_("Message"), maximum=5000,
                           required=_("Enter a reason for rejecting the claim.")
                           if decision == "reject" else None)
    if errors:
        raise ValidationFailed(_("There is a problem with the decision."), errors)
    idea, org = claim.idea, claim.organisation
    before = {"status": claim.status}
    now = utcnow()
    if decision == "approve":
        if idea.status not in CLAIMABLE:
            raise Conflict(_("This idea is no longer accepted or in delivery, so the claim "
                             "cannot be approved."))
        if not org.is_verified:
            raise Conflict(_("%(name)s is no longer verified, so its claim cannot be approved.",
                             name=org.name))
        public = _("%(name)s will deliver this idea.", name=org.name) + (
            f"\n\n{message}" if message else "")
        if idea.status == "accepted":
            change_status(actor, idea, "in_delivery", public)
        else:
            public = _("%(name)s will also help deliver this idea.", name=org.name) + (
                f"\n\n{message}" if message else "")
            add_timeline_event(actor, idea, "claim_approved", public)
            notify_idea_audience(idea, "claim_approved",
                                 _l("%(title)s: %(name)s is helping", title=idea.title,
                                    name=org.name),
                                 joined(_l("%(name)s will also help deliver this idea.",
                                           name=org.name),
                                        f"\n\n{message}" if message else ""), actor=actor)
        claim.status = "approved"
        subject = _l("Your offer to deliver \u201c%(title)s\u201d is approved", title=idea.title)
        decided = _l("The council approved %(name)s's offer to deliver \u201c%(title)s\u201d.",
                     name=org.name, title=idea.title)
    else:
        claim.status = "rejected"
        subject = _l("Your offer to deliver \u201c%(title)s\u201d was not approved",
                     title=idea.title)
        decided = _l("The council did not approve %(name)s's offer to deliver "
                     "\u201c%(title)s\u201d.", name=org.name, title=idea.title)
    body = joined(decided, f"\n\n{message}" if message else "")
    claim.decision_message = message or None
    claim.decided_by_id = actor.id
    claim.decided_at = now
    record_audit(actor, f"claim.{decision}", claim, before,
                 {"status": claim.status, "message": message, "idea_id": idea.id,
                  "organisation_id": org.id})
    notify_members(org, "claim_decision", subject, body,
                    link=_absolute("partners.dashboard"), idea=idea)
    db.session.flush()
    return claim


def withdraw_claim(actor: User, claim: Claim, reason: str = "") -> Claim:
    """The organisation withdraws its pending or approved claim; an approved one publicly.

    Withdrawing is possible only while the idea is being delivered: once its outcome is
    published the record is closed. When the last approved claim on an idea in delivery is
    withdrawn, the idea goes back to accepted, publicly, for another partner to claim.
    """
    require(actor, "withdraw_claim", claim,
            detail="Only members of the organisation that made the claim can withdraw it.")
    seen = claim.status
    idea = lock_idea(claim.idea)
    db.session.refresh(claim)
    if claim.status not in ("pending", "approved"):
        if seen != claim.status:
            raise _claim_changed_meanwhile(claim)
        raise Conflict(_("This claim has already been rejected or withdrawn."))
    if claim.status == "approved" and idea.status not in CLAIMABLE:
        raise Conflict(_("The outcome of this idea is published, so its record is closed: "
                         "%(name)s can no longer withdraw from it.",
                         name=claim.organisation.name))
    errors: dict[str, list[str]] = {}
    reason = checked_text(reason, "reason", errors, name=_("Reason"), maximum=2000)
    if errors:
        raise ValidationFailed(_("There is a problem."), errors)
    was_delivering = claim.status == "approved"
    claim.status = "withdrawn"
    claim.decided_at = claim.decided_at or utcnow()
    org = claim.organisation
    if was_delivering:  # a pending offer was never public: its withdrawal is not either
        add_timeline_event(actor, idea, "claim_withdrawn",
                           _("%(name)s withdrew its offer to deliver this idea.", name=org.name)
                           + (f"\n\n{reason}" if reason else ""))
    db.session.flush()
    if was_delivering and idea.status == "in_delivery" and not _approved_claims(idea):
        # The idea's lock is held, so two last partners withdrawing at once move it once.
        change_status(actor, idea, "accepted",
                      _("The partner delivering this idea has stopped. The idea is open for "
                        "another partner to claim."), via_claim_ended=True)
    return claim


def _approved_claims(idea: Idea) -> int:
    """How many approved claims ``idea`` has (any organisation's, verified or not)."""
    return db.session.scalar(select(func.count()).select_from(Claim).where(
        Claim.idea_id == idea.id, Claim.status == "approved"))


def message_pledger(actor: User, pledge: Pledge, organisation: Organisation | None,
                    body: str) -> Notification:
    """Send a volunteer a platform message; replies go to the organisation's contact email.
    ``organisation`` may be None when the actor is in only one delivering organisation."""
    orgs = acting_organisations(actor, pledge.idea, "message_volunteer")
    organisation = _choose_organisation(
        orgs, organisation, _("Only organisations delivering this idea can message its "
                              "volunteers."))
    if pledge.withdrawn_at is not None or pledge.user.deleted_at is not None:
        raise Conflict(_("This offer of help has been withdrawn."))
    errors: dict[str, list[str]] = {}
    body = checked_text(body, "body", errors, name=_("Your message"),
                        required=_("Enter your message."), maximum=2000)
    if errors:
        raise ValidationFailed(_("There is a problem with your message."), errors)
    idea = pledge.idea
    note = notify_user(
        pledge.user, "pledger_message",
        _l("%(name)s about your offer to help with \u201c%(title)s\u201d",
           name=organisation.name, title=idea.title),
        joined(_l("%(name)s is delivering \u201c%(title)s\u201d and sent you this message about "
                  "your offer of help:", name=organisation.name, title=idea.title),
               f"\n\n{body}\n\n", _l("To reply, email %(email)s.",
                                        email=organisation.contact_email)),
        link=idea_link(idea), idea=idea, reply_to=organisation.contact_email)
    db.session.flush()
    return note
