"""Merging duplicates: find the idea to merge into, and merge one idea into another (its
supporters and followers move across; both timelines say so).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, literal, select, update

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..input import whole_number
from ..models import Follow, Idea, PaperSupport, StatusChange, Support, User, utcnow
from ..permissions import require
from .assisted import contact_emails
from .audit import record_audit
from .lifecycle import (
    STATUS_LABELS,
    TRANSITIONS,
    add_timeline_event,
    change_status,
    changed_meanwhile,
    lock_ideas,
)
from .notifications import email_address, idea_audience, idea_link, joined, notify_user
from .triage import idea_label


def find_idea(ref: str) -> Idea | None:
    """An idea by reference (case-insensitive) or by number."""
    ref = (ref or "").strip()
    if not ref:
        return None
    idea = db.session.scalar(select(Idea).where(func.upper(Idea.reference) == ref.upper()))
    number = whole_number(ref.lstrip("#"))
    if idea is None and number is not None:
        idea = db.session.get(Idea, number)
    return idea


def _recount_supports(idea_ids: list[int]) -> None:
    for idea_id in idea_ids:
        db.session.execute(update(Idea).where(Idea.id == idea_id).values(
            support_count=select(func.count(Support.id)).where(Support.idea_id == idea_id)
            .scalar_subquery(),
            paper_support_count=select(func.coalesce(func.sum(PaperSupport.count), 0)).where(
                PaperSupport.idea_id == idea_id, PaperSupport.removed_at.is_(None))
            .scalar_subquery()))


def merge_idea(actor: User, idea: Idea, into: Idea | None, message: str) -> StatusChange:
    """Mark ``idea`` a duplicate of ``into``; move its supporters and followers across.

    A person who supported both counts once on the target. Both timelines say so.
    """
    require(actor, "merge_idea", idea)
    if into is None:
        raise ValidationFailed(_("Enter the idea to merge into."),
                               {"into": [_("Enter the reference or number of an existing idea.")]})
    if into.id == idea.id:
        raise ValidationFailed(_("An idea cannot be merged into itself."),
                               {"into": [_("Enter a different idea.")]})
    # Both ideas under lock (see lifecycle.lock_idea): a merge racing another merge or a
    # status change sees what that one wrote, so A -> B and B -> A cannot both happen.
    seen = idea.status
    lock_ideas([idea, into])
    if idea.status != seen:
        raise changed_meanwhile(actor, idea)
    if into.status == "duplicate" or into.merged_into_id is not None:
        raise Conflict(_("%(ref)s is itself a duplicate: merge into the idea it was merged into.",
                         ref=idea_label(into)))
    if into.status == "withdrawn":
        raise Conflict(_("%(ref)s has been withdrawn: choose another idea.", ref=idea_label(into)))
    if "duplicate" not in TRANSITIONS[idea.status]:
        raise Conflict(_("An idea that is %(status)s cannot be merged.",
                         status=str(STATUS_LABELS[idea.status])))
    # Who hears of the merge, as the two ideas stand before anyone moves across.
    merged_audience = idea_audience(idea)
    told = {user.id for user in merged_audience} | {actor.id}
    survivors_audience = [user for user in idea_audience(into) if user.id not in told]
    moved = idea.support_count
    change = change_status(actor, idea, "duplicate", message, related_idea=into, notify=False)
    idea.merged_into_id = into.id

    # Supporters and followers move; anyone already on the target is not added twice.
    for model in (Support, Follow):
        already = select(model.user_id).where(model.idea_id == into.id)
        db.session.execute(insert(model).from_select(
            ["user_id", "idea_id", "created_at"],
            select(model.user_id, literal(into.id), model.created_at)
            .where(model.idea_id == idea.id, model.user_id.not_in(already))))
        db.session.execute(delete(model).where(model.idea_id == idea.id))
    # Supports gathered on paper count on the target too, with their evidence.
    db.session.execute(update(PaperSupport).where(PaperSupport.idea_id == idea.id)
                       .values(idea_id=into.id).execution_options(synchronize_session=False))
    _recount_supports([idea.id, into.id])

    add_timeline_event(actor, idea, "merged",
                       _("Merged into %(ref)s: %(title)s", ref=idea_label(into), title=into.title),
                       related_idea=into)
    add_timeline_event(actor, into, "merged_in",
                       _("%(ref)s (%(title)s) was merged into this idea. Its supporters and "
                         "followers now count here.", ref=idea_label(idea), title=idea.title),
                       related_idea=idea)
    into.updated_at = utcnow()
    _tell_of_merge(actor, idea, into, change.message, moved, merged_audience,
                   survivors_audience)
    record_audit(actor, "idea.merge", idea, {"status": change.from_status, "merged_into_id": None},
                 {"status": "duplicate", "merged_into_id": into.id})
    db.session.flush()
    db.session.refresh(idea)
    db.session.refresh(into)
    return change


def _tell_of_merge(actor: User, idea: Idea, into: Idea, message: str, moved: int,
                   merged_audience: list[User], survivors_audience: list[User]) -> None:
    """Tell the merged idea's author where its supporters went, its other people which idea
    they now support or follow, and the surviving idea's people that another idea was merged
    in. Everyone once; never the moderator who merged."""
    link = idea_link(into)
    ref, into_ref = idea_label(idea), idea_label(into)
    reason = f"\n\n{message}" if message else ""
    for user in merged_audience:
        if user.id == actor.id:
            continue
        if user.id == idea.author_id:
            notify_user(
                user, "merged",
                _l("Your idea \u201c%(title)s\u201d was merged into %(ref)s", title=idea.title,
                   ref=into_ref),
                joined(lambda: ngettext(
                    "The council merged your idea \u201c%(title)s\u201d into %(ref)s, "
                    "\u201c%(into)s\u201d, as they are the same idea. Its %(num)s "
                    "supporter now counts there, and its followers follow it there.",
                    "The council merged your idea \u201c%(title)s\u201d into %(ref)s, "
                    "\u201c%(into)s\u201d, as they are the same idea. Its %(num)s "
                    "supporters now count there, and its followers follow it there.",
                    moved, title=idea.title, ref=into_ref, into=into.title), reason),
                link=link, idea=idea)
        else:
            notify_user(
                user, "merged",
                _l("%(title)s: merged into %(ref)s", title=idea.title, ref=into_ref),
                joined(_l("The idea \u201c%(title)s\u201d was merged into %(ref)s, "
                          "\u201c%(into)s\u201d. If you supported or followed it, you now "
                          "support or follow that idea.",
                          title=idea.title, ref=into_ref, into=into.title), reason),
                link=link, idea=idea)
    # A resident the council recorded the merged idea for hears at their email address.
    for address in contact_emails(idea):
        email_address(
            address, "merged",
            _l("%(title)s: merged into %(ref)s", title=idea.title, ref=into_ref),
            joined(_l("The idea \u201c%(title)s\u201d was merged into %(ref)s, \u201c%(into)s"
                      "\u201d, as they are the same idea.", title=idea.title, ref=into_ref,
                      into=into.title), reason), link=link)
    for user in survivors_audience:
        notify_user(
            user, "merged_in",
            _l("%(title)s: another idea was merged in", title=into.title),
            joined(_l("%(ref)s, \u201c%(title)s\u201d, was merged into the idea "
                      "\u201c%(into)s\u201d. Its supporters and followers now count here.",
                      ref=ref, title=idea.title, into=into.title), reason),
            link=link, idea=into)
