"""Reports of abuse: the open reports, hiding and showing ideas and comments, and deciding
a report (uphold or dismiss). Every staff action writes an AuditLog row.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import AuditLog, Comment, Flag, Idea, User, utcnow
from ..pagination import Page, paginate
from ..permissions import require
from .audit import record_audit
from .lifecycle import add_timeline_event, lock_idea
from .notifications import notify_user
from .text_rules import clean_text
from .triage import MAX_NOTE

MAX_REASON = 300


def open_flags(actor: User, idea: Idea | None = None, page: int = 1,
               per_page: int = 50) -> Page:
    """Open reports, oldest first (optionally for one idea)."""
    require(actor, "moderate")
    where = [Flag.resolved_at.is_(None)]
    if idea is not None:
        where.append(Flag.idea_id == idea.id)
    return paginate(
        select(Flag).where(*where).order_by(Flag.created_at, Flag.id)
        .options(joinedload(Flag.idea), joinedload(Flag.reporter)), page, per_page,
        count=select(func.count(Flag.id)).where(*where))


@dataclass
class ReportedItem:
    """One idea or comment in the reports queue, with its open reports, oldest first."""

    flags: list[Flag]

    @property
    def first(self) -> Flag:
        return self.flags[0]


def by_item(flags) -> list[ReportedItem]:
    """``flags`` gathered per reported idea or comment, in the order of each item's first."""
    grouped: dict[tuple[str, int], list[Flag]] = {}
    for flag in flags:
        grouped.setdefault((flag.target_type, flag.target_id), []).append(flag)
    return [ReportedItem(group) for group in grouped.values()]


def reported_items(actor: User, page: int = 1, per_page: int = 25) -> Page:
    """The reports queue: one entry per reported idea or comment (however many residents
    reported it), the item first reported first. Three queries: the count, the page of items
    (as their first report's id) and their open reports."""
    require(actor, "moderate")
    open_ = Flag.resolved_at.is_(None)
    key = (Flag.target_type, Flag.target_id)
    firsts = paginate(
        select(func.min(Flag.id)).where(open_).group_by(*key)
        .order_by(func.min(Flag.created_at), func.min(Flag.id)), page, per_page,
        count=select(func.count()).select_from(
            select(*key).where(open_).group_by(*key).subquery()))
    if not firsts.items:
        return Page([], firsts.total, firsts.page, firsts.per_page)
    flags = db.session.scalars(
        select(Flag).where(open_, Flag.idea_id.in_(
            select(Flag.idea_id).where(Flag.id.in_(firsts.items))))
        .order_by(Flag.created_at, Flag.id)
        .options(joinedload(Flag.idea), joinedload(Flag.reporter)))
    items = [item for item in by_item(flags) if any(f.id in firsts.items for f in item.flags)]
    order = {flag_id: n for n, flag_id in enumerate(firsts.items)}
    items.sort(key=lambda item: min(order.get(f.id, len(order)) for f in item.flags))
    return Page(items, firsts.total, firsts.page, firsts.per_page)


def open_report_count(actor: User) -> int:
    require(actor, "moderate")
    return db.session.scalar(select(func.count(Flag.id)).where(Flag.resolved_at.is_(None))) or 0


def flag_targets(flags: list[Flag]) -> dict[int, Comment]:
    """The comments the given flags are about, by id (one query)."""
    ids = {f.target_id for f in flags if f.target_type == "comment"}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(
        select(Comment).where(Comment.id.in_(ids)).options(joinedload(Comment.author)))}


def _check_reason(reason: str) -> str:
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=_("Enter the reason for hiding."),
                        maximum=MAX_REASON,
                        too_long=_("The reason must be 300 characters or fewer."))
    if errors:
        raise ValidationFailed(_("The reason is too long.") if reason else _("Give a reason."),
                               errors)
    return reason


def _tell_author(actor: User, target: Idea | Comment, reason: str) -> None:
    """Notify the author of a hidden idea or comment, with the reason they are given."""
    author = db.session.get(User, target.author_id)
    if author is None or author.id == actor.id or author.deleted_at is not None:
        return
    if isinstance(target, Idea):
        notify_user(author, "idea_hidden", _l("Your idea has been hidden"),
                    _l("Your idea \u201c%(title)s\u201d has been hidden from the public. "
                       "Reason: %(reason)s", title=target.title, reason=reason), idea=target)
        return
    idea = db.session.get(Idea, target.idea_id)
    notify_user(author, "comment_hidden", _l("Your comment has been hidden"),
                _l("Your comment on \u201c%(title)s\u201d has been hidden from the public. "
                   "Reason: %(reason)s", title=idea.title, reason=reason), idea=idea)


def hide_idea(actor: User, idea: Idea, reason: str) -> Idea:
    """Hide an idea from the public, with a reason its author is told."""
    require(actor, "hide", idea)
    reason = _check_reason(reason)
    before = {"hidden": idea.hidden, "hidden_reason": idea.hidden_reason}
    idea.hidden, idea.hidden_reason = True, reason
    add_timeline_event(actor, idea, "hidden", reason)
    record_audit(actor, "idea.hide", idea, before, {"hidden": True, "hidden_reason": reason})
    _tell_author(actor, idea, reason)
    db.session.flush()
    return idea


def unhide_idea(actor: User, idea: Idea) -> Idea:
    require(actor, "hide", idea)
    before = {"hidden": idea.hidden, "hidden_reason": idea.hidden_reason}
    idea.hidden, idea.hidden_reason = False, None
    add_timeline_event(actor, idea, "unhidden", _("This idea is visible again."))
    record_audit(actor, "idea.unhide", idea, before, {"hidden": False})
    db.session.flush()
    return idea


def hide_comment(actor: User, comment: Comment, reason: str) -> Comment:
    require(actor, "hide", comment)
    reason = _check_reason(reason)
    before = {"hidden": comment.hidden, "hidden_reason": comment.hidden_reason}
    comment.hidden, comment.hidden_reason = True, reason
    record_audit(actor, "comment.hide", comment, before, {"hidden": True, "hidden_reason": reason})
    _tell_author(actor, comment, reason)
    db.session.flush()
    return comment


def unhide_comment(actor: User, comment: Comment) -> Comment:
    require(actor, "hide", comment)
    before = {"hidden": comment.hidden, "hidden_reason": comment.hidden_reason}
    comment.hidden, comment.hidden_reason = False, None
    record_audit(actor, "comment.unhide", comment, before, {"hidden": False})
    db.session.flush()
    return comment


def _flag_target(flag: Flag) -> Idea | Comment | None:
    model = {"idea": Idea, "comment": Comment}.get(flag.target_type)
    return db.session.get(model, flag.target_id) if model is not None else None


def _hidden_by_staff(target: Idea | Comment) -> bool:
    """True if the latest hide/unhide of ``target`` in the audit log is a staff hide.

    An item hidden automatically by residents' reports has no such entry, so dismissing the
    reports can show it again; an item a moderator hid stays hidden.
    """
    kind = "idea" if isinstance(target, Idea) else "comment"
    last = db.session.scalar(
        select(AuditLog.action).where(AuditLog.target_type == type(target).__name__,
                                      AuditLog.target_id == target.id,
                                      AuditLog.action.in_((f"{kind}.hide", f"{kind}.unhide")))
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(1))
    return last == f"{kind}.hide"


def _check_message(resolution: str, message: str) -> str:
    """The message to the author: only when upholding, and no longer than a hiding reason."""
    errors: dict[str, list[str]] = {}
    message = clean_text(message, "message", errors, maximum=MAX_REASON,
                         too_long=_("The message to the author must be 300 characters or fewer."))
    if message and resolution != "upheld" and not errors:
        errors["message"] = [
            _("A message to the author is only sent when you uphold the report.")]
    if errors:
        raise ValidationFailed(errors["message"][0], errors)
    return message


def resolve_flag(actor: User, flag: Flag, resolution: str, note: str = "",
                 message: str = "") -> Flag:
    """Uphold (the item stays or becomes hidden) or dismiss a report.

    ``note`` is internal: it is kept on the report and in the audit log, and never sent.
    ``message`` goes to the author of the hidden item (and becomes the reason for hiding);
    without one, upholding hides with a standard reason. Dismissing the last open report on
    an item hidden automatically by reports shows it again.
    """
    require(actor, "hide", flag)
    _check_resolution(resolution)
    if flag.resolved_at is not None:
        raise Conflict(_("This report has already been resolved."))
    return _decide(actor, [flag], resolution, note, message)[0]


def resolve_reports_about(actor: User, flag: Flag, resolution: str, note: str = "",
                          message: str = "") -> list[Flag]:
    """One decision on every open report about the item ``flag`` is about (the reports
    queue's entry): each report is resolved with the same decision and internal note, the
    item is hidden or shown once, and its author is told once. ``note`` and ``message`` as
    in :func:`resolve_flag`. Refused (409) if ``flag`` was resolved meanwhile.
    """
    require(actor, "hide", flag)
    _check_resolution(resolution)
    lock_idea(flag.idea)  # two moderators deciding one entry: the second waits, then sees it
    db.session.refresh(flag)
    if flag.resolved_at is not None:
        raise Conflict(_("These reports have already been resolved."))
    flags = list(db.session.scalars(
        select(Flag).where(Flag.target_type == flag.target_type,
                           Flag.target_id == flag.target_id, Flag.resolved_at.is_(None))
        .order_by(Flag.created_at, Flag.id)))
    return _decide(actor, flags, resolution, note, message)


def _check_resolution(resolution: str) -> None:
    if resolution not in ("upheld", "dismissed"):
        raise ValidationFailed(_("Choose a decision."),
                               {"resolution": [_("Choose to uphold or dismiss the report.")]})


def _decide(actor: User, flags: list[Flag], resolution: str, note: str,
            message: str) -> list[Flag]:
    """Resolve ``flags`` (open reports about one item) and act on the item once."""
    message = _check_message(resolution, message)
    note = (note or "").strip()[:MAX_NOTE]
    now = utcnow()
    for item in flags:
        item.resolution, item.resolution_note = resolution, note or None
        item.resolved_by_id, item.resolved_at = actor.id, now
        record_audit(actor, "flag.resolve", item, {"resolution": None},
                     {"resolution": resolution, "note": note, "message": message})
    db.session.flush()
    flag = flags[0]
    _act_on_target(actor, flag, resolution, message)
    db.session.flush()
    return flags


def _act_on_target(actor: User, flag: Flag, resolution: str, message: str) -> None:
    """What a decision does to the reported item (hide, tell the author, or show again)."""
    if flag.target_type == "photo":
        from .photos import decide_photo_report

        decide_photo_report(actor, flag, resolution, message)
        return
    target = _flag_target(flag)
    if target is None:
        return
    if resolution == "upheld" and not target.hidden:
        reason = message or _("Reported content removed by a moderator: %(reason)s",
                              reason=flag.reason)
        hide = hide_idea if isinstance(target, Idea) else hide_comment
        hide(actor, target, reason[:MAX_REASON])
    elif resolution == "upheld" and message:
        # Already hidden (by reports or another moderator): still send what was written.
        _tell_author(actor, target, message)
    elif resolution == "dismissed" and target.hidden:
        still_open = db.session.scalar(select(exists().where(
            Flag.target_type == flag.target_type, Flag.target_id == flag.target_id,
            Flag.resolved_at.is_(None))))
        if not still_open and not _hidden_by_staff(target):
            (unhide_idea if isinstance(target, Idea) else unhide_comment)(actor, target)
