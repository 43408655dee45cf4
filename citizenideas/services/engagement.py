"""What residents do with an idea: support, comment, offer help, follow, report.

Counters (support_count, comment_count) are kept exact under concurrent requests: the row is
inserted with ``ON CONFLICT DO NOTHING`` (so a repeated support is a no-op, not an error that
would spoil the transaction) and the counter moves with a single SQL ``UPDATE ... SET n = n + 1``
in the same transaction, never a read-modify-write in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, select, tuple_, update
from sqlalchemy.orm import selectinload

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    PLEDGE_KINDS,
    Comment,
    Flag,
    Follow,
    Idea,
    Pledge,
    Support,
    User,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import CLOSED_RECORD, can, delivering_organisations, require
from .lifecycle import add_timeline_event
from .notifications import notify_user
from .text_rules import clean_text

COMMENT_MAX = 5000
PLEDGE_MESSAGE_MAX = 2000
FLAG_REASON_MAX = 1000
HIDDEN_AFTER_REPORTS = "Hidden pending review after reports"

def _insert_ignoring_duplicate(model, **values) -> bool:
    """INSERT a row; if a unique constraint says it exists already, do nothing.

    Returns True if a row was inserted. Works on SQLite and PostgreSQL alike.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # RETURNING tells us whether a row went in (psycopg's rowcount is -1 for this statement).
    table = model.__table__
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return db.session.execute(statement).first() is not None


def bump_counter(column: str, idea: Idea, by: int) -> None:
    """Move a counter on the idea in SQL, and keep the loaded object in step."""
    db.session.execute(update(Idea).where(Idea.id == idea.id)
                       .values({column: getattr(Idea, column) + by})
                       .execution_options(synchronize_session=False))
    # The database computes the total of online and paper supports from the counters.
    db.session.expire(idea, [column, "total_support_count"])


def _auto_follow(actor: User, idea: Idea) -> None:
    _insert_ignoring_duplicate(Follow, user_id=actor.id, idea_id=idea.id, created_at=utcnow())


def support_idea(actor: User, idea: Idea) -> bool:
    """Support an idea. Returns False if the actor supported it already (nothing changes)."""
    require(actor, "support_idea", idea,
            detail=_("Supports are closed for this idea."))
    inserted = _insert_ignoring_duplicate(Support, user_id=actor.id, idea_id=idea.id,
                                          created_at=utcnow())
    if inserted:
        bump_counter("support_count", idea, +1)
    _auto_follow(actor, idea)
    db.session.flush()
    return inserted


def withdraw_support(actor: User, idea: Idea) -> bool:
    """Take a support back while supports are open. Returns False if there was none."""
    require(actor, "support_idea", idea, detail=_("Supports are closed for this idea."))
    result = db.session.execute(delete(Support).where(Support.user_id == actor.id,
                                                      Support.idea_id == idea.id))
    if result.rowcount:
        bump_counter("support_count", idea, -1)
    db.session.flush()
    return bool(result.rowcount)


def post_comment(actor: User, idea: Idea, body: str) -> Comment:
    """A resident comments on an idea and follows it.

    Only the idea's author is notified of a resident's comment: telling every follower
    about every comment would drown the notifications that matter (council answers).
    """
    require(actor, "comment", idea)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, required=_("Enter a comment"), maximum=COMMENT_MAX,
                      too_long=_("Comment must be 5,000 characters or fewer"))
    if errors:
        raise ValidationFailed(_("The comment is too long.") if body else _("Enter a comment."),
                               errors)
    comment = Comment(idea_id=idea.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    bump_counter("comment_count", idea, +1)
    _auto_follow(actor, idea)
    author = db.session.get(User, idea.author_id)
    if author is not None and author.id != actor.id and author.deleted_at is None:
        from .notifications import idea_link

        notify_user(author, "comment", _l("New comment on your idea: %(t)s", t=idea.title),
                    _l("%(name)s commented on your idea \u201c%(t)s\u201d:\n\n%(body)s",
                       name=actor.public_name, t=idea.title, body=body),
                    link=idea_link(idea), idea=idea)
    db.session.flush()
    return comment


def pledge_help(actor: User, idea: Idea, *, kind: str, message: str,
                hours=None) -> Pledge:
    """Offer help with an idea (time, skills, space, equipment or other), and follow it."""
    require(actor, "pledge", idea, detail=_("Offers of help are closed for this idea."))
    errors: dict[str, list[str]] = {}
    if kind not in PLEDGE_KINDS:
        errors["kind"] = [_("Select how you can help")]
    message = clean_text(message, "message", errors, required=_("Say how you can help"),
                         maximum=PLEDGE_MESSAGE_MAX,
                         too_long=_("Message must be 2,000 characters or fewer"))
    hours_value = None
    if hours not in (None, ""):
        try:
            hours_value = Decimal(str(hours).strip()).quantize(Decimal("0.1"))
            if not (0 < hours_value <= 10000):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["hours"] = [_("Hours must be a number between 0.1 and 10,000, like 2 or 1.5")]
    if errors:
        raise ValidationFailed(_("Check your offer of help."), errors)
    pledge = Pledge(idea_id=idea.id, user_id=actor.id, kind=kind, message=message,
                    hours=hours_value, created_at=utcnow())
    db.session.add(pledge)
    _auto_follow(actor, idea)
    db.session.flush()
    return pledge


def withdraw_pledge(actor: User, pledge: Pledge) -> Pledge:
    """The resident takes back their offer of help. Partners stop seeing it, and the members
    of the organisations delivering the idea (who had it in their list) are told. Once the
    idea's outcome is published its record is closed: the offer stays. Withdrawing an offer
    already withdrawn changes nothing."""
    from .lifecycle import lock_idea
    from .notifications import idea_link

    if actor is not None and getattr(actor, "is_authenticated", False) \
            and actor.id == pledge.user_id:
        # Under the idea's lock, so a withdrawal racing the outcome's publication sees it.
        idea = lock_idea(pledge.idea)
        if idea.status in CLOSED_RECORD:
            raise Conflict(_("The outcome of this idea is published, so its record is closed: "
                             "your offer of help can no longer be withdrawn."))
    require(actor, "withdraw_pledge", pledge,
            detail=_("Only the person who offered help can withdraw the offer."))
    db.session.refresh(pledge)
    if pledge.withdrawn_at is not None:
        return pledge
    pledge.withdrawn_at = utcnow()
    idea = pledge.idea
    from .claims import notify_members

    for org in delivering_organisations(idea):
        notify_members(org, "pledge_withdrawn",
                       _l("An offer of help with \u201c%(title)s\u201d was withdrawn",
                          title=idea.title),
                       _l("%(name)s withdrew their offer of help with \u201c%(title)s\u201d. "
                          "It is no longer in your list of volunteers.",
                          name=actor.public_name, title=idea.title),
                       link=idea_link(idea), idea=idea, skip=actor)
    db.session.flush()
    return pledge


def my_pledges(viewer: User, idea: Idea) -> list[Pledge]:
    """The viewer's offers of help on ``idea`` that they have not withdrawn, oldest first."""
    return list(db.session.scalars(
        select(Pledge).where(Pledge.user_id == viewer.id, Pledge.idea_id == idea.id,
                             Pledge.withdrawn_at.is_(None))
        .order_by(Pledge.created_at, Pledge.id)))


def follow_idea(actor: User, idea: Idea) -> bool:
    """Follow an idea. Returns False if already following."""
    require(actor, "follow", idea)
    inserted = _insert_ignoring_duplicate(Follow, user_id=actor.id, idea_id=idea.id,
                                          created_at=utcnow())
    db.session.flush()
    return inserted


def unfollow_idea(actor: User, idea: Idea) -> bool:
    """Stop following an idea. Returns False if not following."""
    require(actor, "follow", idea)
    result = db.session.execute(delete(Follow).where(Follow.user_id == actor.id,
                                                     Follow.idea_id == idea.id))
    db.session.flush()
    return bool(result.rowcount)


def flag_content(actor: User, idea: Idea, reason: str, comment: Comment | None = None) -> Flag:
    """Report an idea or one of its comments. The same person reporting twice counts once.

    When FLAG_HIDE_THRESHOLD open reports are reached, the item is hidden pending review.
    """
    require(actor, "flag", idea)
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=_("Enter why you are reporting this"),
                        maximum=FLAG_REASON_MAX,
                        too_long=_("Reason must be 1,000 characters or fewer"))
    if errors:
        raise ValidationFailed(_("The reason is too long.") if reason
                               else _("Say what is wrong."), errors)
    if comment is not None and comment.idea_id != idea.id:
        raise ValidationFailed(_("That comment is not on this idea."),
                               {"reason": [_("That comment is not on this idea")]})
    target_type, target_id = ("comment", comment.id) if comment is not None else ("idea", idea.id)
    _insert_ignoring_duplicate(Flag, reporter_id=actor.id, idea_id=idea.id,
                               target_type=target_type, target_id=target_id, reason=reason,
                               created_at=utcnow())
    flag = db.session.scalar(select(Flag).where(
        Flag.reporter_id == actor.id, Flag.target_type == target_type,
        Flag.target_id == target_id))
    open_flags = db.session.scalar(select(func.count(Flag.id)).where(
        Flag.target_type == target_type, Flag.target_id == target_id,
        Flag.resolved_at.is_(None))) or 0
    threshold = int(current_app.config.get("FLAG_HIDE_THRESHOLD", 3))
    target = comment if comment is not None else idea
    if open_flags >= threshold and not target.hidden:
        target.hidden = True
        target.hidden_reason = HIDDEN_AFTER_REPORTS
        if comment is None:
            add_timeline_event(None, idea, "hidden", HIDDEN_AFTER_REPORTS)
    db.session.flush()
    return flag


def _comment_filter(viewer: User | None, idea: Idea, *, placeholders: bool) -> list:
    """Which comments of ``idea`` a listing shows. Hidden ones are listed for staff, and for
    everyone when the caller shows a placeholder in their place (the idea page)."""
    where = [Comment.idea_id == idea.id]
    if not placeholders and not can(viewer, "moderate"):
        where.append(Comment.hidden.is_(False))
    return where


def _comments_with_authors(*where, order) -> Select:
    return (select(Comment).where(*where)
            .options(selectinload(Comment.author), selectinload(Comment.organisation))
            .order_by(*order))


def list_comments(viewer: User | None, idea: Idea, *, page: int = 1,
                  per_page: int = 20) -> Page:
    """An idea's comments, oldest first, one page of them and the total. Hidden comments are
    listed only for staff (the idea page shows everyone a placeholder in their place)."""
    where = _comment_filter(viewer, idea, placeholders=False)
    return paginate(_comments_with_authors(*where, order=(Comment.created_at, Comment.id)),
                    page, per_page, count=select(func.count(Comment.id)).where(*where))


@dataclass
class CommentWindow:
    """A run of an idea's comments as the idea page shows them: ``comments`` oldest first;
    ``older_than`` is the id to ask for the run before it (None: this run starts at the
    first comment); ``latest`` says whether the run ends at the newest comment."""

    comments: list[Comment]
    total: int
    older_than: int | None
    latest: bool


def comment_window(viewer: User | None, idea: Idea, *, before_id: int | None = None,
                   through_id: int | None = None, size: int = 50) -> CommentWindow:
    """Up to ``size`` comments of ``idea`` with hidden ones as placeholders: the newest, or
    those just before comment ``before_id``, or those ending with comment ``through_id``
    (so a form on an older comment can be shown again with its error). An id that is not a
    comment on this idea is ignored. Keyset paging: comments posted meanwhile do not shift
    the runs, so "show older" never repeats or skips one."""
    where = _comment_filter(viewer, idea, placeholders=True)
    total = db.session.scalar(select(func.count(Comment.id)).where(*where)) or 0
    position = (Comment.created_at, Comment.id)
    bound = None
    for cursor_id, inclusive in ((through_id, True), (before_id, False)):
        anchor = db.session.get(Comment, cursor_id) if cursor_id else None
        if anchor is not None and anchor.idea_id == idea.id:
            key, mark = tuple_(*position), (anchor.created_at, anchor.id)
            bound = key <= mark if inclusive else key < mark
            if inclusive and (db.session.scalar(select(func.count(Comment.id))
                                                .where(*where, key > mark)) or 0) < size:
                bound = None  # already among the newest: show those
            break
    newest_first = list(db.session.scalars(_comments_with_authors(
        *where, *([bound] if bound is not None else []),
        order=(Comment.created_at.desc(), Comment.id.desc())).limit(size + 1)))
    more = len(newest_first) > size
    shown = list(reversed(newest_first[:size]))
    latest = bound is None or not db.session.scalar(select(
        select(Comment.id).where(*where, ~bound).exists()))
    return CommentWindow(comments=shown, total=total,
                         older_than=shown[0].id if more and shown else None, latest=latest)
