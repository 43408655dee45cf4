"""Residents verify outcomes: "Was it done?"

When the council publishes an outcome, the people with a stake in the idea (its author,
supporters, followers and those who offered help) are asked whether it was done. Each answers
yes, partly or no, with an optional public comment; one answer per person, which they can
change (the row is updated, never a second one).

Who may answer is the policy's ``verify_outcome``: a stake in the idea, and not the side that
said it was done (the council, and members of the organisations delivering it), even if they
also supported it. Before the outcome is published, an answer is a Conflict (409).

Every answer is written under the idea's lock (lifecycle.lock_idea), so two answers at once,
even two first answers by the same person, end in one row each person, and the counts kept on
the outcome report (``verified_yes``/``verified_partly``/``verified_no``) are counted again
from the rows each time: exact, and cheap to read on every list, feed and export.

Disputed: more residents say "no" than "yes", with at least ``DISPUTE_MIN_ANSWERS`` answers.
The outcome then shows in the council's "Disputed outcomes" list, and the delivering
organisations' members (or, for an outcome the council delivered itself, the moderators) are
told once, the first time it becomes disputed, never again for that outcome.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, literal, select, union
from sqlalchemy.orm import selectinload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    VERIFICATION_ANSWERS,
    Follow,
    Idea,
    OutcomeReport,
    OutcomeVerification,
    Pledge,
    Support,
    User,
    utcnow,
)
from ..permissions import delivering_organisations, require
from .lifecycle import STATUS_LABELS, lock_idea
from .notifications import idea_audience, idea_link, joined, notify_moderators, notify_user
from .text_rules import clean_text

COMMENT_MAX = 5000  # the comments' rule (engagement.COMMENT_MAX)
DISPUTE_MIN_ANSWERS = 3


def stakeholders(idea: Idea) -> list[User]:
    """The idea's author, supporters, followers and those who offered help (offers not
    withdrawn), each once, without erased accounts. One query."""
    ids = union(
        select(Idea.author_id).where(Idea.id == idea.id),
        select(Support.user_id).where(Support.idea_id == idea.id),
        select(Follow.user_id).where(Follow.idea_id == idea.id),
        select(Pledge.user_id).where(Pledge.idea_id == idea.id, Pledge.withdrawn_at.is_(None)),
    ).subquery()
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(ids.c[0])), User.deleted_at.is_(None))
        .order_by(User.id)))


def ask_whether_done(actor: User, idea: Idea, message: str) -> None:
    """Tell the idea's audience that its outcome is published: one notification each, in the
    publishing transaction (the status change's own notice is not sent, this replaces it).
    Those with a stake are asked "Was it done?" with a link to answer; commenters without a
    stake get the plain status notice."""
    label = STATUS_LABELS[idea.status]  # lazy: worded in each recipient's language
    subject = _l("%(title)s: now %(status)s", title=idea.title, status=label)
    body = joined(_l("The idea \u201c%(title)s\u201d is now %(status)s.", title=idea.title,
                     status=label), f"\n\n{message}" if message else "")
    link = idea_link(idea)
    asked = {user.id for user in stakeholders(idea)}
    asking = joined(body, "\n\n", _l("Was it done? You backed this idea, so your answer "
                                     "counts: tell everyone whether it was done, partly done "
                                     "or not done."))
    for user in idea_audience(idea):
        if user.id == actor.id:
            continue
        if user.id in asked:
            notify_user(user, "status_change", subject, asking,
                        link=link + "#verification", idea=idea)
        else:
            notify_user(user, "status_change", subject, body, link=link, idea=idea)


def published_outcome(idea: Idea) -> OutcomeReport | None:
    return db.session.scalar(select(OutcomeReport).where(
        OutcomeReport.idea_id == idea.id, OutcomeReport.state == "published")
        .execution_options(populate_existing=True))


def my_verification(viewer: User | None, idea: Idea) -> OutcomeVerification | None:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    return db.session.scalar(select(OutcomeVerification).where(
        OutcomeVerification.idea_id == idea.id, OutcomeVerification.user_id == viewer.id))


def public_comments(idea: Idea, limit: int = 100) -> list[OutcomeVerification]:
    """Answers that came with a comment, newest first, with their authors (one query)."""
    return list(db.session.scalars(
        select(OutcomeVerification).where(OutcomeVerification.idea_id == idea.id,
                                          OutcomeVerification.comment != "")
        .options(selectinload(OutcomeVerification.user))
        .order_by(OutcomeVerification.updated_at.desc(), OutcomeVerification.id.desc())
        .limit(limit)))


def _write(actor: User, idea: Idea, answer: str, comment: str) -> tuple[OutcomeVerification,
                                                                         bool]:
    """Insert the actor's answer, or update the one they gave. Under the idea's lock a second
    row cannot appear meanwhile; the unique (idea, user) constraint and ON CONFLICT DO NOTHING
    make sure of it even so."""
    now = utcnow()
    found = my_verification(actor, idea)
    created = False
    if found is None:
        dialect = db.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = OutcomeVerification.__table__
        row = db.session.execute(
            insert(table).values(idea_id=idea.id, user_id=actor.id, answer=answer,
                                 comment=comment, created_at=now, updated_at=now)
            .on_conflict_do_nothing().returning(table.c.id)).first()
        created = row is not None
        found = db.session.scalar(select(OutcomeVerification).where(
            OutcomeVerification.idea_id == idea.id, OutcomeVerification.user_id == actor.id)
            .execution_options(populate_existing=True))
    if not created:
        found.answer = answer
        found.comment = comment
        found.updated_at = now
    return found, created


def is_disputed(yes: int, partly: int, no: int) -> bool:
    return no > yes and yes + partly + no >= DISPUTE_MIN_ANSWERS


def _recount(report: OutcomeReport) -> None:
    counts = dict(db.session.execute(
        select(OutcomeVerification.answer, func.count(OutcomeVerification.id))
        .where(OutcomeVerification.idea_id == report.idea_id)
        .group_by(OutcomeVerification.answer)).all())
    report.verified_yes = counts.get("yes", 0)
    report.verified_partly = counts.get("partly", 0)
    report.verified_no = counts.get("no", 0)


def _tell_delivering_side(report: OutcomeReport, idea: Idea) -> None:
    """The first time an outcome is disputed: its delivering organisations' members, or the
    moderators if the council delivered it."""
    from .claims import notify_members

    subject = _l("Residents dispute the outcome of \u201c%(title)s\u201d", title=idea.title)
    body = _l("More residents say \u201c%(title)s\u201d was not done than say it was. Read "
              "their answers and comments on the idea's page, and tell the council what you "
              "know.", title=idea.title)
    orgs = {org.id: org for org in delivering_organisations(idea)}
    if report.organisation is not None:
        orgs.setdefault(report.organisation.id, report.organisation)
    for org in orgs.values():
        notify_members(org, "outcome_disputed", subject, body, link=idea_link(idea), idea=idea)
    if not orgs:
        notify_moderators("outcome_disputed", subject, body, link=idea_link(idea), idea=idea)


def verify_outcome(actor: User, idea: Idea, answer: str | None,
                   comment: str | None = None) -> tuple[OutcomeVerification, bool]:
    """Answer "Was it done?" (yes, partly or no) with an optional public comment, or change
    the answer given. Returns the answer and whether it was the person's first."""
    require(actor, "verify_outcome", idea,
            detail=_("Only the people who proposed, supported, followed or offered help with "
                     "this idea can say whether it was done."))
    lock_idea(idea)
    report = published_outcome(idea)
    if report is None:
        raise Conflict(_("You can say whether it was done once the council publishes the "
                         "outcome."))
    errors: dict[str, list[str]] = {}
    answer = (answer or "").strip().lower() if isinstance(answer, str) else ""
    if answer not in VERIFICATION_ANSWERS:
        errors["answer"] = [_("Choose yes, partly or no.")]
    comment = clean_text(comment, "comment", errors, maximum=COMMENT_MAX,
                         too_long=_("Comment must be 5,000 characters or fewer"))
    if errors:
        raise ValidationFailed(_("There is a problem with your answer."), errors)
    verification, created = _write(actor, idea, answer, comment)
    db.session.flush()
    _recount(report)
    now = utcnow()
    if is_disputed(report.verified_yes, report.verified_partly, report.verified_no):
        report.disputed_at = report.disputed_at or now
        if report.dispute_notified_at is None:
            report.dispute_notified_at = now
            _tell_delivering_side(report, idea)
    else:
        report.disputed_at = None
    db.session.flush()
    return verification, created


def tally(report: OutcomeReport | None) -> dict[str, int]:
    """{"yes": n, "partly": n, "no": n} for an outcome (zeros without one)."""
    if report is None or report.state != "published":
        return {"yes": 0, "partly": 0, "no": 0}
    return {"yes": report.verified_yes or 0, "partly": report.verified_partly or 0,
            "no": report.verified_no or 0}


def tally_text(counts: dict[str, int]) -> str:
    """"34 residents say it was done, 5 partly, 2 not", or that no one has answered yet."""
    yes, partly, no = counts.get("yes", 0), counts.get("partly", 0), counts.get("no", 0)
    if yes + partly + no == 0:
        return _("No residents have said yet whether it was done.")
    return _("%(yes)s, %(partly)s, %(no)s", yes=ngettext(
        "%(num)s resident says it was done", "%(num)s residents say it was done", yes),
        partly=ngettext("%(num)s partly", "%(num)s partly", partly),
        no=ngettext("%(num)s not", "%(num)s not", no))


def disputed_outcomes(actor: User, page: int = 1, per_page: int = 25):
    """The council's "Disputed outcomes" list: published outcomes residents dispute now,
    the longest disputed first, with their idea and organisation (two queries)."""
    from sqlalchemy.orm import joinedload

    from ..pagination import paginate

    require(actor, "moderate")
    where = (OutcomeReport.state == "published", OutcomeReport.disputed_at.is_not(None))
    return paginate(
        select(OutcomeReport).where(*where)
        .options(joinedload(OutcomeReport.idea), joinedload(OutcomeReport.organisation))
        .order_by(OutcomeReport.disputed_at, OutcomeReport.id), page, per_page,
        count=select(func.count(OutcomeReport.id)).where(*where))


def disputed_count() -> int:
    return db.session.scalar(select(func.count(OutcomeReport.id)).where(
        OutcomeReport.state == "published", OutcomeReport.disputed_at.is_not(None))) or 0


def answers_for_moderators(actor: User, idea_ids: list[int]) -> dict[int, list]:
    """Every answer on the ideas ``idea_ids``, newest first, with who gave it, by idea: for
    the council (one query for a page of disputed outcomes)."""
    require(actor, "moderate")
    found: dict[int, list] = {idea_id: [] for idea_id in idea_ids}
    for answer in db.session.scalars(
            select(OutcomeVerification).where(OutcomeVerification.idea_id.in_(idea_ids))
            .options(selectinload(OutcomeVerification.user))
            .order_by(OutcomeVerification.updated_at.desc(), OutcomeVerification.id.desc())):
        found[answer.idea_id].append(answer)
    return found


def answers_on(actor: User, idea: Idea) -> tuple[OutcomeReport, list] | None:
    """The idea's published outcome and every answer on it, for the council's idea page
    (None before the outcome is published)."""
    report = published_outcome(idea)
    if report is None:
        return None
    return report, answers_for_moderators(actor, [idea.id])[idea.id]


def confirmation_figures(conditions) -> dict:
    """For /accountability and the stats API: over the published outcomes of the ideas
    matching ``conditions`` that residents answered (at least one answer), how many residents
    confirm (more "yes" than "no") and how many are disputed (see ``is_disputed``), and the
    answers behind them. The share is confirmed / answered (None when none is answered)."""
    answered_where = (OutcomeReport.state == "published",
                      OutcomeReport.verified_yes + OutcomeReport.verified_partly
                      + OutcomeReport.verified_no > 0)
    total = OutcomeReport.verified_yes + OutcomeReport.verified_partly + OutcomeReport.verified_no
    row = db.session.execute(
        select(func.count(OutcomeReport.id),
               func.count(OutcomeReport.id).filter(
                   OutcomeReport.verified_yes > OutcomeReport.verified_no),
               func.count(OutcomeReport.id).filter(
                   OutcomeReport.verified_no > OutcomeReport.verified_yes,
                   total >= literal(DISPUTE_MIN_ANSWERS)),
               func.coalesce(func.sum(OutcomeReport.verified_yes), 0),
               func.coalesce(func.sum(OutcomeReport.verified_partly), 0),
               func.coalesce(func.sum(OutcomeReport.verified_no), 0))
        .join(Idea, Idea.id == OutcomeReport.idea_id)
        .where(*conditions, *answered_where)).one()
    answered, confirmed, disputed, yes, partly, no = (int(v or 0) for v in row)
    return {"outcomes_answered_by_residents": answered,
            "outcomes_confirmed_by_residents": confirmed,
            "outcomes_disputed_by_residents": disputed,
            "residents_confirmed_share": round(confirmed / answered, 4) if answered else None,
            "verification_yes": yes, "verification_partly": partly, "verification_no": no}


def answer_label(answer: str) -> str:
    return {"yes": _("Yes"), "partly": _("Partly"), "no": _("No")}.get(answer, answer)
