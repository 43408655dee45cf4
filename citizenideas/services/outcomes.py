"""Outcomes: public progress updates on an idea in delivery, the outcome report (drafted by
the delivering organisation or the council), and its review: returned with a note or
published, which makes the idea delivered, partly delivered or not delivered on its public
timeline.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    OUTCOME_RESULTS,
    Idea,
    Organisation,
    OutcomeReport,
    ProgressUpdate,
    User,
    utcnow,
)
from ..permissions import CLAIMABLE, can, require
from .accounts import _absolute
from .audit import record_audit
from .claims import acting_organisation, checked_text, notify_members
from .lifecycle import change_status, lock_idea
from .notifications import (
    idea_link,
    joined,
    notify_idea_audience,
    notify_moderators,
    notify_user,
)
from .verification import ask_whether_done

MAX_PEOPLE = 1_000_000
MAX_HOURS = 1_000_000
MAX_SPEND_POUNDS = 10_000_000
RESULT_LABELS = {"delivered": "Delivered", "partly_delivered": "Partly delivered",
                 "not_delivered": "Not delivered"}


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


def post_progress_update(actor: User, idea: Idea, body: str,
                         organisation: Organisation | None = None) -> ProgressUpdate:
    """A public note on how delivery is going, from a delivering organisation or the council."""
    org = acting_organisation(actor, idea, organisation)
    if idea.status not in CLAIMABLE:
        raise Conflict(_("Progress can only be posted on ideas that are accepted or in "
                         "delivery."))
    errors: dict[str, list[str]] = {}
    body = checked_text(body, "body", errors, name=_("Your update"),
                        required=_("Enter your update."), minimum=10, maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with your update."), errors)
    update = ProgressUpdate(idea_id=idea.id, organisation_id=org.id if org else None,
                            author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(update)
    idea.updated_at = update.created_at
    db.session.flush()
    if actor.is_staff:
        record_audit(actor, "progress.post", update, None, {"idea_id": idea.id})
    who = org.name if org else _l("The council")
    notify_idea_audience(idea, "progress_update",
                         _l("%(title)s: progress update", title=idea.title),
                         joined(_l("%(who)s posted an update on \u201c%(title)s\u201d:",
                                   who=who, title=idea.title), f"\n\n{body}"),
                         actor=actor)
    return update


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
    org = acting_organisation(actor, idea, organisation)
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
    summary = checked_text(summary, "summary", errors, name=_("Summary"), minimum=10,
                           maximum=2000,
                           required=_("Enter a summary of what happened.") if submit else None)
    people = parse_amount(people_reached, "people_reached", errors, name=_("People reached"),
                          maximum=MAX_PEOPLE)
    hours = parse_amount(volunteer_hours, "volunteer_hours", errors,
                         name=_("Volunteer hours"), maximum=MAX_HOURS, places=1)
    spend = parse_amount(spend_pounds, "spend_pounds", errors, name=_("Spend"),
                         maximum=MAX_SPEND_POUNDS, places=2)
    funding_source = checked_text(funding_source, "funding_source", errors,
                                  name=_("Funding source"), maximum=200) or None
    story = checked_text(story, "story", errors, name=_("The story"), maximum=5000)
    lessons = checked_text(lessons, "lessons", errors, name=_("Lessons learned"), maximum=5000)
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
    if submit:
        who = org.name if org is not None else _l("The council")
        notify_moderators(
            "outcome_submitted",
            _l("Outcome report for \u201c%(title)s\u201d to review", title=idea.title),
            _l("%(who)s sent the outcome report for \u201c%(title)s\u201d. Publish it, or send "
               "it back with a note.", who=who, title=idea.title),
            link=_absolute("partners.review.outcome", report_id=report.id), idea=idea,
            actor=actor)
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
    note = checked_text(note, "note", errors, name=_("Note"), maximum=5000,
                        required=_("Enter a note saying what to change."))
    if errors:
        raise ValidationFailed(_("There is a problem."), errors)
    report.state = "returned"
    report.review_note = note
    report.updated_at = utcnow()
    record_audit(actor, "outcome.return", report, {"state": "submitted"},
                 {"state": "returned", "note": note})
    idea = report.idea
    subject = _l("Changes needed to the outcome report for \u201c%(title)s\u201d",
                 title=idea.title)
    body = joined(_l("The council sent the outcome report back with this note:"), f"\n\n{note}")
    link = _absolute("partners.outcome_form", idea_id=idea.id)
    if report.organisation is not None:
        notify_members(report.organisation, "outcome_returned", subject, body, link=link,
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
    """Publish a submitted report: the idea becomes delivered, partly delivered or not
    delivered (the report's result), publicly."""
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
    # The idea's status is the report's result: delivered, partly delivered or not delivered.
    # (OUTCOME_RESULTS are statuses; a submitted report always has one.)
    target = report.result
    now = utcnow()
    # One notification each for the idea's audience: the status change, and for those with a
    # stake the question "Was it done?" (services/verification.py).
    change_status(actor, idea, target, report.summary, via_outcome=True, notify=False)
    ask_whether_done(actor, idea, report.summary)
    report.state = "published"
    report.published_at = now
    report.published_by_id = actor.id
    report.updated_at = now
    record_audit(actor, "outcome.publish", report, {"state": "submitted"},
                 {"state": "published", "idea_status": target})
    if report.organisation is not None:
        notify_members(report.organisation, "outcome_published",
                        _l("Outcome published: \u201c%(title)s\u201d", title=idea.title),
                        _l("The council published your outcome report for \u201c%(title)s\u201d. "
                           "Thank you.", title=idea.title), link=idea_link(idea), idea=idea)
    db.session.flush()
    return report
