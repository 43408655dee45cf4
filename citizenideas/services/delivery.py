"""Delivering ideas: claims, progress updates, messages to volunteers, outcome reports.

A member of a verified organisation claims an accepted idea with a plan; a moderator
approves (the idea moves to in delivery; several organisations may co-deliver) or rejects
with a reason. The delivering organisation posts public progress and drafts an outcome
report; a moderator returns it with a note or publishes it, which makes the idea delivered or
not delivered. Every step is on the idea's public timeline or in the audit log.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from ..errors import Conflict, NotAllowed, ValidationFailed
from ..extensions import db
from ..models import (
    OUTCOME_RESULTS,
    Claim,
    Idea,
    Notification,
    Organisation,
    OutcomeReport,
    Pledge,
    ProgressUpdate,
    User,
    utcnow,
)
from ..permissions import can, membership, require
from .accounts import _absolute
from .audit import record_audit
from .lifecycle import add_timeline_event, change_status
from .notifications import idea_link, notify_idea_audience, notify_user

CLAIMABLE = ("accepted", "in_delivery")
PLAN_MIN, PLAN_MAX = 20, 5000
MAX_PEOPLE = 1_000_000
MAX_HOURS = 1_000_000
MAX_SPEND_POUNDS = 10_000_000
RESULT_LABELS = {"delivered": "Delivered", "partly_delivered": "Partly delivered",
                 "not_delivered": "Not delivered"}



def _notify_members(org: Organisation, kind: str, subject: str, body: str,
                    link: str | None = None, idea: Idea | None = None,
                    skip: User | None = None) -> None:
    for m in org.memberships:
        if m.user.deleted_at is None and (skip is None or m.user_id != skip.id):
            notify_user(m.user, kind, subject, body, link=link, idea=idea)


def _has_approved_claim(org: Organisation, idea: Idea) -> bool:
    return db.session.scalar(select(Claim.id).where(
        Claim.idea_id == idea.id, Claim.organisation_id == org.id,
        Claim.status == "approved").limit(1)) is not None


def delivering_organisations(user: User, idea: Idea) -> list[Organisation]:
    """The user's verified organisations with an approved claim on ``idea``."""
    org_ids = [m.organisation_id for m in user.memberships if m.organisation.is_verified]
    if not org_ids:
        return []
    return list(db.session.scalars(
        select(Organisation).join(Claim, Claim.organisation_id == Organisation.id)
        .where(Claim.idea_id == idea.id, Claim.status == "approved",
               Organisation.id.in_(org_ids)).order_by(Organisation.name).distinct()))


def _acting_organisation(actor: User, idea: Idea,
                         organisation: Organisation | None) -> Organisation | None:
    """The organisation ``actor`` acts for on ``idea``; None for council staff acting alone.

    Raises NotAllowed unless the actor is staff or a member of a verified organisation that
    delivers the idea.
    """
    if organisation is not None:
        if (membership(actor, organisation) is not None and organisation.is_verified
                and _has_approved_claim(organisation, idea)):
            return organisation
        if actor.is_staff:
            return organisation if _has_approved_claim(organisation, idea) else None
        raise NotAllowed(f"{organisation.name} is not delivering this idea.")
    require(actor, "deliver", idea, detail="Only an organisation delivering this idea, or the "
                                           "council, can do that.")
    if actor.is_staff:
        return None
    orgs = delivering_organisations(actor, idea)
    return orgs[0] if orgs else None


# ---------------------------------------------------------------------------------- inputs

def _text(value: str | None, field: str, errors: dict, *, label: str, required: bool,
          minimum: int = 1, maximum: int = 5000) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            errors[field] = [f"Enter {label}."]
    elif len(value) < minimum:
        errors[field] = [f"{label[0].upper()}{label[1:]} must be at least {minimum} characters."]
    elif len(value) > maximum:
        errors[field] = [f"{label[0].upper()}{label[1:]} must be {maximum:,} characters or fewer."]
    return value


def parse_date(value: date | str | None, field: str, errors: dict, label: str) -> date | None:
    """A date from a ``date``, an ISO ``YYYY-MM-DD`` string, or None; else a field error."""
    if value is None or isinstance(value, date):
        return value
    raw = str(value).strip()
    if not raw or raw in ("--",):
        return None
    try:
        year, month, day = (int(part) for part in raw.split("-"))
        parsed = date(year, month, day)
    except (ValueError, TypeError):
        errors[field] = [f"{label} must be a real date, like 27 3 2027."]
        return None
    if not 2000 <= parsed.year <= 2100:
        errors[field] = [f"{label} must be a year between 2000 and 2100."]
        return None
    return parsed


def parse_amount(value, field: str, errors: dict, *, label: str, maximum: int,
                 places: int = 0) -> Decimal | None:
    """A non-negative number up to ``maximum`` with at most ``places`` decimal places."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors[field] = [f"Enter {label} as a number."]
        return None
    raw = str(value).strip().replace(",", "").replace("£", "").replace(" ", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        errors[field] = [f"Enter {label} as a number, like 120."]
        return None
    if not number.is_finite():
        errors[field] = [f"Enter {label} as a number, like 120."]
    elif number < 0:
        errors[field] = [f"{label[0].upper()}{label[1:]} must be 0 or more."]
    elif number > maximum:
        errors[field] = [f"{label[0].upper()}{label[1:]} must be {maximum:,} or less."]
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors[field] = ([f"Enter {label} as a whole number."] if places == 0 else
                         [f"Enter {label} with no more than {places} decimal places."])
    else:
        return number
    return None


# ---------------------------------------------------------------------------------- claims

def claim_idea(actor: User, idea: Idea, organisation: Organisation, *, plan: str,
               expected_start: date | str | None = None,
               expected_end: date | str | None = None) -> Claim:
    """``organisation`` offers to deliver ``idea`` with a plan, for a moderator to decide."""
    if organisation is None:
        raise ValidationFailed("Choose an organisation.",
                               {"organisation_id": ["Choose the organisation making the offer."]})
    if membership(actor, organisation) is None:
        require(actor, "claim_idea", organisation,
                detail=f"Only members of {organisation.name} can offer to deliver for it.")
    if not organisation.is_verified:
        raise NotAllowed(f"{organisation.name} must be verified by the council before it can "
                         "offer to deliver ideas.")
    require(actor, "claim_idea", organisation)
    if idea.hidden or idea.status not in CLAIMABLE:
        raise Conflict("Only accepted ideas, or ideas already in delivery, can be claimed.")
    if db.session.scalar(select(Claim.id).where(
            Claim.idea_id == idea.id, Claim.organisation_id == organisation.id,
            Claim.status.in_(("pending", "approved"))).limit(1)) is not None:
        raise Conflict(f"{organisation.name} has already offered to deliver this idea.")
    errors: dict[str, list[str]] = {}
    plan = _text(plan, "plan", errors, label="your plan", required=True, minimum=PLAN_MIN,
                 maximum=PLAN_MAX)
    start = parse_date(expected_start, "expected_start", errors, "Expected start date")
    end = parse_date(expected_end, "expected_end", errors, "Expected end date")
    if start and end and end < start:
        errors["expected_end"] = ["Expected end date must be the same as or after the start "
                                  "date."]
    if errors:
        raise ValidationFailed("There is a problem with your offer.", errors)
    claim = Claim(idea_id=idea.id, organisation_id=organisation.id, created_by_id=actor.id,
                  plan=plan, expected_start=start, expected_end=end, status="pending",
                  created_at=utcnow())
    db.session.add(claim)
    db.session.flush()
    return claim


def decide_claim(actor: User, claim: Claim, decision: str, message: str) -> Claim:
    """A moderator approves or rejects a pending claim (a reason is required to reject)."""
    require(actor, "decide_claim", claim)
    if claim.status != "pending":
        raise Conflict("This claim has already been decided or withdrawn.")
    errors: dict[str, list[str]] = {}
    if decision not in ("approve", "reject"):
        errors["decision"] = ["Choose whether to approve or reject the claim."]
    message = _text(message, "message", errors, label="a reason for rejecting the claim",
                    required=decision == "reject", maximum=5000)
    if errors:
        raise ValidationFailed("There is a problem with the decision.", errors)
    idea, org = claim.idea, claim.organisation
    before = {"status": claim.status}
    now = utcnow()
    if decision == "approve":
        if idea.status not in CLAIMABLE:
            raise Conflict("This idea is no longer accepted or in delivery, so the claim "
                           "cannot be approved.")
        public = f"{org.name} will deliver this idea." + (f"\n\n{message}" if message else "")
        if idea.status == "accepted":
            change_status(actor, idea, "in_delivery", public)
        else:
            public = (f"{org.name} will also help deliver this idea."
                      + (f"\n\n{message}" if message else ""))
            add_timeline_event(actor, idea, "claim_approved", public)
            notify_idea_audience(idea, "claim_approved", f"{idea.title}: {org.name} is helping",
                                 public, actor=actor)
        claim.status = "approved"
        subject = f"Your offer to deliver \u201c{idea.title}\u201d is approved"
        body = f"The council approved {org.name}'s offer to deliver \u201c{idea.title}\u201d."
    else:
        claim.status = "rejected"
        subject = f"Your offer to deliver \u201c{idea.title}\u201d was not approved"
        body = (f"The council did not approve {org.name}'s offer to deliver "
                f"\u201c{idea.title}\u201d.")
    if message:
        body += f"\n\n{message}"
    claim.decision_message = message or None
    claim.decided_by_id = actor.id
    claim.decided_at = now
    record_audit(actor, f"claim.{decision}", claim, before,
                 {"status": claim.status, "message": message, "idea_id": idea.id,
                  "organisation_id": org.id})
    _notify_members(org, "claim_decision", subject, body,
                    link=_absolute("partners.dashboard"), idea=idea)
    db.session.flush()
    return claim


def withdraw_claim(actor: User, claim: Claim, reason: str = "") -> Claim:
    """The organisation withdraws its pending or approved claim; noted on the timeline."""
    require(actor, "withdraw_claim", claim,
            detail="Only members of the organisation that made the claim can withdraw it.")
    if claim.status not in ("pending", "approved"):
        raise Conflict("This claim has already been rejected or withdrawn.")
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, label="a reason", required=False, maximum=2000)
    if errors:
        raise ValidationFailed("There is a problem.", errors)
    claim.status = "withdrawn"
    claim.decided_at = claim.decided_at or utcnow()
    org = claim.organisation
    add_timeline_event(actor, claim.idea, "claim_withdrawn",
                       f"{org.name} withdrew its offer to deliver this idea."
                       + (f"\n\n{reason}" if reason else ""))
    db.session.flush()
    return claim


# -------------------------------------------------------------------------------- progress

def post_progress_update(actor: User, idea: Idea, body: str,
                         organisation: Organisation | None = None) -> ProgressUpdate:
    """A public note on how delivery is going, from a delivering organisation or the council."""
    org = _acting_organisation(actor, idea, organisation)
    if idea.status not in CLAIMABLE:
        raise Conflict("Progress can only be posted on ideas that are accepted or in delivery.")
    errors: dict[str, list[str]] = {}
    body = _text(body, "body", errors, label="your update", required=True, minimum=10,
                 maximum=5000)
    if errors:
        raise ValidationFailed("There is a problem with your update.", errors)
    update = ProgressUpdate(idea_id=idea.id, organisation_id=org.id if org else None,
                            author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(update)
    idea.updated_at = update.created_at
    db.session.flush()
    if actor.is_staff:
        record_audit(actor, "progress.post", update, None, {"idea_id": idea.id})
    who = org.name if org else "The council"
    notify_idea_audience(idea, "progress_update", f"{idea.title}: progress update",
                         f"{who} posted an update on \u201c{idea.title}\u201d:\n\n{body}",
                         actor=actor)
    return update


def message_pledger(actor: User, pledge: Pledge, organisation: Organisation,
                    body: str) -> Notification:
    """Send a volunteer a platform message; replies go to the organisation's contact email."""
    if (organisation is None or membership(actor, organisation) is None
            or not organisation.is_verified or not _has_approved_claim(organisation, pledge.idea)):
        raise NotAllowed("Only organisations delivering this idea can message its volunteers.")
    if pledge.withdrawn_at is not None or pledge.user.deleted_at is not None:
        raise Conflict("This offer of help has been withdrawn.")
    errors: dict[str, list[str]] = {}
    body = _text(body, "body", errors, label="your message", required=True, maximum=2000)
    if errors:
        raise ValidationFailed("There is a problem with your message.", errors)
    idea = pledge.idea
    note = notify_user(
        pledge.user, "pledger_message",
        f"{organisation.name} about your offer to help with \u201c{idea.title}\u201d",
        f"{organisation.name} is delivering \u201c{idea.title}\u201d and sent you this message "
        f"about your offer of help:\n\n{body}\n\nTo reply, email {organisation.contact_email}.",
        link=idea_link(idea), idea=idea, reply_to=organisation.contact_email)
    db.session.flush()
    return note


# -------------------------------------------------------------------------------- outcomes

def save_outcome_report(actor: User, idea: Idea, *, result: str | None, summary: str,
                        people_reached=None, volunteer_hours=None, spend_pounds=None,
                        funding_source: str | None = None, story: str = "", lessons: str = "",
                        submit: bool = False,
                        organisation: Organisation | None = None) -> OutcomeReport:
    """Save the idea's outcome report as a draft, or submit it for a moderator to publish."""
    org = _acting_organisation(actor, idea, organisation)
    if idea.status not in CLAIMABLE:
        raise Conflict("An outcome can only be reported for an idea that is accepted or in "
                       "delivery.")
    report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea.id))
    if report is not None and report.state == "published":
        raise Conflict("The outcome of this idea has already been published.")
    if report is not None and report.state == "submitted" and not actor.is_staff:
        raise Conflict("This report is waiting for the council to review it. You can change "
                       "it if they send it back.")
    errors: dict[str, list[str]] = {}
    result = (result or "").strip() or None
    if result is not None and result not in OUTCOME_RESULTS:
        errors["result"] = ["Choose what happened."]
    elif result is None and submit:
        errors["result"] = ["Choose whether the idea was delivered, partly delivered or not "
                            "delivered."]
    summary = _text(summary, "summary", errors, label="a summary", required=submit,
                    minimum=10, maximum=2000)
    people = parse_amount(people_reached, "people_reached", errors, label="people reached",
                          maximum=MAX_PEOPLE)
    hours = parse_amount(volunteer_hours, "volunteer_hours", errors, label="volunteer hours",
                         maximum=MAX_HOURS, places=1)
    spend = parse_amount(spend_pounds, "spend_pounds", errors, label="spend",
                         maximum=MAX_SPEND_POUNDS, places=2)
    funding_source = _text(funding_source, "funding_source", errors, label="the funding source",
                           required=False, maximum=200) or None
    story = _text(story, "story", errors, label="the story", required=False, maximum=5000)
    lessons = _text(lessons, "lessons", errors, label="lessons learned", required=False,
                    maximum=5000)
    if errors:
        raise ValidationFailed("There is a problem with the outcome report.", errors)

    now = utcnow()
    before = None
    if report is None:
        report = OutcomeReport(idea_id=idea.id, organisation_id=org.id if org else None,
                               author_id=actor.id, created_at=now)
        db.session.add(report)
    else:
        before = {"state": report.state}
        if report.organisation_id is None and org is not None:
            report.organisation_id = org.id
    report.result = result
    report.summary = summary
    report.people_reached = int(people) if people is not None else None
    report.volunteer_hours = hours
    report.spend_pence = int(spend * 100) if spend is not None else None
    report.funding_source = funding_source
    report.story = story
    report.lessons = lessons
    report.updated_at = now
    report.state = "submitted" if submit else "draft"
    if submit:
        report.submitted_at = now
    db.session.flush()
    if actor.is_staff:
        record_audit(actor, "outcome.submit" if submit else "outcome.save", report, before,
                     {"state": report.state, "idea_id": idea.id})
    return report


def return_outcome_report(actor: User, report: OutcomeReport, note: str) -> OutcomeReport:
    """A moderator sends a submitted report back to its authors with a note."""
    require(actor, "publish_outcome", report)
    if report.state != "submitted":
        raise Conflict("Only a submitted report can be sent back.")
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", errors, label="a note saying what to change", required=True,
                 maximum=5000)
    if errors:
        raise ValidationFailed("There is a problem.", errors)
    report.state = "returned"
    report.review_note = note
    report.updated_at = utcnow()
    record_audit(actor, "outcome.return", report, {"state": "submitted"},
                 {"state": "returned", "note": note})
    idea = report.idea
    subject = f"Changes needed to the outcome report for \u201c{idea.title}\u201d"
    body = f"The council sent the outcome report back with this note:\n\n{note}"
    link = _absolute("partners.outcome_form", idea_id=idea.id)
    if report.organisation is not None:
        _notify_members(report.organisation, "outcome_returned", subject, body, link=link,
                        idea=idea)
    elif report.author_id != actor.id:
        notify_user(report.author, "outcome_returned", subject, body, link=link, idea=idea)
    db.session.flush()
    return report


def publish_outcome(actor: User, report: OutcomeReport) -> OutcomeReport:
    """Publish a submitted report: the idea becomes delivered or not delivered, publicly."""
    require(actor, "publish_outcome", report)
    if report.state == "published":
        raise Conflict("This outcome has already been published.")
    if report.state != "submitted":
        raise Conflict("Only a submitted report can be published.")
    idea = report.idea
    target = "not_delivered" if report.result == "not_delivered" else "delivered"
    now = utcnow()
    change_status(actor, idea, target, report.summary, via_outcome=True)
    report.state = "published"
    report.published_at = now
    report.published_by_id = actor.id
    report.updated_at = now
    record_audit(actor, "outcome.publish", report, {"state": "submitted"},
                 {"state": "published", "idea_status": target})
    if report.organisation is not None:
        _notify_members(report.organisation, "outcome_published",
                        f"Outcome published: \u201c{idea.title}\u201d",
                        f"The council published your outcome report for \u201c{idea.title}\u201d. "
                        "Thank you.", link=idea_link(idea), idea=idea)
    db.session.flush()
    return report


def can_report_outcome(user: User | None, idea: Idea) -> bool:
    """Templates: may this user write the idea's outcome report?"""
    return idea.status in CLAIMABLE and can(user, "deliver", idea)
