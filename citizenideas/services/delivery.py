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

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

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
from ..permissions import CLAIMABLE, can, delivering_organisations, membership, require
from .accounts import _absolute
from .audit import record_audit
from .lifecycle import add_timeline_event, change_status, lock_idea
from .notifications import idea_link, notify_idea_audience, notify_user
from .text_rules import clean_text

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


def _acting_organisation(actor: User, idea: Idea,
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


# ---------------------------------------------------------------------------------- inputs

def _text(value: str | None, field: str, errors: dict, *, name: str,
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


def parse_amount(value, field: str, errors: dict, *, name: str, maximum: int,
                 places: int = 0) -> Decimal | None:
    """A non-negative number up to ``maximum`` with at most ``places`` decimal places.
    Accepts "1,250.50" and "£1250.50" as typed on the form, and numbers from the API."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = "" if isinstance(value, bool) else (
        str(value).strip().replace(",", "").replace("\u00a3", "").replace(" ", ""))
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors[field] = [_("%(name)s must be a number, like 120.", name=name)]
    elif number < 0:
        errors[field] = [_("%(name)s must be 0 or more.", name=name)]
    elif number > maximum:
        errors[field] = [_("%(name)s must be %(max)s or less.", name=name, max=f"{maximum:,}")]
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors[field] = ([_("%(name)s must be a whole number.", name=name)] if places == 0 else
                         [_("%(name)s can have no more than %(n)s decimal places.", name=name,
                            n=places)])
    else:
        return number
    return None


# ---------------------------------------------------------------------------------- claims

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
    plan = _text(plan, "plan", errors, name=_("Your plan"), required=_("Enter your plan."),
                 minimum=PLAN_MIN, maximum=PLAN_MAX)
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
    message = _text(message, "message", errors, name=_("Message"), maximum=5000,
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
                                 _("%(title)s: %(name)s is helping", title=idea.title,
                                   name=org.name), public, actor=actor)
        claim.status = "approved"
        subject = _("Your offer to deliver \u201c%(title)s\u201d is approved", title=idea.title)
        body = _("The council approved %(name)s's offer to deliver \u201c%(title)s\u201d.",
                 name=org.name, title=idea.title)
    else:
        claim.status = "rejected"
        subject = _("Your offer to deliver \u201c%(title)s\u201d was not approved",
                    title=idea.title)
        body = _("The council did not approve %(name)s's offer to deliver \u201c%(title)s\u201d.",
                 name=org.name, title=idea.title)
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
    """The organisation withdraws its pending or approved claim; noted on the timeline.

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
    reason = _text(reason, "reason", errors, name=_("Reason"), maximum=2000)
    if errors:
        raise ValidationFailed(_("There is a problem."), errors)
    was_delivering = claim.status == "approved"
    claim.status = "withdrawn"
    claim.decided_at = claim.decided_at or utcnow()
    org = claim.organisation
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


# -------------------------------------------------------------------------------- progress

def post_progress_update(actor: User, idea: Idea, body: str,
                         organisation: Organisation | None = None) -> ProgressUpdate:
    """A public note on how delivery is going, from a delivering organisation or the council."""
    org = _acting_organisation(actor, idea, organisation)
    if idea.status not in CLAIMABLE:
        raise Conflict(_("Progress can only be posted on ideas that are accepted or in "
                         "delivery."))
    errors: dict[str, list[str]] = {}
    body = _text(body, "body", errors, name=_("Your update"), required=_("Enter your update."),
                 minimum=10, maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with your update."), errors)
    update = ProgressUpdate(idea_id=idea.id, organisation_id=org.id if org else None,
                            author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(update)
    idea.updated_at = update.created_at
    db.session.flush()
    if actor.is_staff:
        record_audit(actor, "progress.post", update, None, {"idea_id": idea.id})
    who = org.name if org else _("The council")
    notify_idea_audience(idea, "progress_update",
                         _("%(title)s: progress update", title=idea.title),
                         _("%(who)s posted an update on \u201c%(title)s\u201d:",
                           who=who, title=idea.title) + f"\n\n{body}",
                         actor=actor)
    return update


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
    body = _text(body, "body", errors, name=_("Your message"), required=_("Enter your message."),
                 maximum=2000)
    if errors:
        raise ValidationFailed(_("There is a problem with your message."), errors)
    idea = pledge.idea
    note = notify_user(
        pledge.user, "pledger_message",
        _("%(name)s about your offer to help with \u201c%(title)s\u201d",
          name=organisation.name, title=idea.title),
        _("%(name)s is delivering \u201c%(title)s\u201d and sent you this message about your "
          "offer of help:", name=organisation.name, title=idea.title) + f"\n\n{body}\n\n"
        + _("To reply, email %(email)s.", email=organisation.contact_email),
        link=idea_link(idea), idea=idea, reply_to=organisation.contact_email)
    db.session.flush()
    return note


# -------------------------------------------------------------------------------- outcomes

def _not_reportable() -> Conflict:
    return Conflict(_("An outcome can only be reported for an idea that is accepted or in "
                      "delivery."))


def outcome_report_for(actor: User, idea: Idea, *, showing: bool = True) -> OutcomeReport | None:
    """The idea's outcome report (None before the first draft), for whoever may deliver it.

    Showing the form for an idea that is no longer accepted or in delivery, and whose outcome
    was not published, is a Conflict: there is nothing left to report.
    """
    require(actor, "deliver", idea, detail=_("Only an organisation delivering this idea, or "
                                             "the council, can do that."))
    report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea.id))
    if showing and not can(actor, "report_outcome", idea) and (
            report is None or report.state != "published"):
        raise _not_reportable()
    return report


def save_outcome_report(actor: User, idea: Idea, *, result: str | None, summary: str,
                        people_reached=None, volunteer_hours=None, spend_pounds=None,
                        funding_source: str | None = None, story: str = "", lessons: str = "",
                        submit: bool = False,
                        organisation: Organisation | None = None) -> OutcomeReport:
    """Save the idea's outcome report as a draft, or submit it for a moderator to publish."""
    org = _acting_organisation(actor, idea, organisation)
    # The status is checked and the report read and written under the idea's lock
    # (lifecycle.lock_idea), so an edit racing its publication can never turn a published
    # report back into a draft.
    lock_idea(idea)
    if not can(actor, "report_outcome", idea):
        raise _not_reportable()
    report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea.id)
                               .execution_options(populate_existing=True))
    if report is not None and report.state == "published":
        raise Conflict(_("The outcome of this idea has already been published."))
    if report is not None and not can(actor, "edit_outcome_report", report):
        raise Conflict(_("This report is waiting for the council to review it. You can "
                         "change it if they send it back."))
    errors: dict[str, list[str]] = {}
    result = (result or "").strip() or None
    if result is not None and result not in OUTCOME_RESULTS:
        errors["result"] = [_("Choose what happened.")]
    elif result is None and submit:
        errors["result"] = [_("Choose whether the idea was delivered, partly delivered or "
                              "not delivered.")]
    summary = _text(summary, "summary", errors, name=_("Summary"), minimum=10, maximum=2000,
                    required=_("Enter a summary of what happened.") if submit else None)
    people = parse_amount(people_reached, "people_reached", errors, name=_("People reached"),
                          maximum=MAX_PEOPLE)
    hours = parse_amount(volunteer_hours, "volunteer_hours", errors,
                         name=_("Volunteer hours"), maximum=MAX_HOURS, places=1)
    spend = parse_amount(spend_pounds, "spend_pounds", errors, name=_("Spend"),
                         maximum=MAX_SPEND_POUNDS, places=2)
    funding_source = _text(funding_source, "funding_source", errors,
                           name=_("Funding source"), maximum=200) or None
    story = _text(story, "story", errors, name=_("The story"), maximum=5000)
    lessons = _text(lessons, "lessons", errors, name=_("Lessons learned"), maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with the outcome report."), errors)

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
    seen = report.state
    lock_idea(report.idea)
    db.session.refresh(report)
    if report.state != "submitted":
        if seen == "submitted":
            raise _outcome_changed_meanwhile(report)
        raise Conflict(_("Only a submitted report can be sent back."))
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", errors, name=_("Note"), maximum=5000,
                 required=_("Enter a note saying what to change."))
    if errors:
        raise ValidationFailed(_("There is a problem."), errors)
    report.state = "returned"
    report.review_note = note
    report.updated_at = utcnow()
    record_audit(actor, "outcome.return", report, {"state": "submitted"},
                 {"state": "returned", "note": note})
    idea = report.idea
    subject = _("Changes needed to the outcome report for \u201c%(title)s\u201d",
                title=idea.title)
    body = _("The council sent the outcome report back with this note:") + f"\n\n{note}"
    link = _absolute("partners.outcome_form", idea_id=idea.id)
    if report.organisation is not None:
        _notify_members(report.organisation, "outcome_returned", subject, body, link=link,
                        idea=idea)
    elif report.author_id != actor.id:
        notify_user(report.author, "outcome_returned", subject, body, link=link, idea=idea)
    db.session.flush()
    return report


def _outcome_changed_meanwhile(report: OutcomeReport) -> Conflict:
    """The refusal for a moderator acting on a report another moderator just handled."""
    if report.state == "published":
        return Conflict(_("Another moderator published this outcome a moment ago."))
    if report.state == "returned":
        return Conflict(_("Another moderator sent this report back a moment ago."))
    return Conflict(_("This report changed a moment ago: check it and try again."))


def publish_outcome(actor: User, report: OutcomeReport) -> OutcomeReport:
    """Publish a submitted report: the idea becomes delivered or not delivered, publicly."""
    require(actor, "publish_outcome", report)
    # Under the idea's lock (lifecycle.lock_idea), so one outcome is published once.
    seen = report.state
    lock_idea(report.idea)
    db.session.refresh(report)
    if report.state != seen:
        raise _outcome_changed_meanwhile(report)
    if report.state == "published":
        raise Conflict(_("This outcome has already been published."))
    if report.state != "submitted":
        raise Conflict(_("Only a submitted report can be published."))
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
                        _("Outcome published: \u201c%(title)s\u201d", title=idea.title),
                        _("The council published your outcome report for \u201c%(title)s\u201d. "
                          "Thank you.", title=idea.title), link=idea_link(idea), idea=idea)
    db.session.flush()
    return report
