"""Ideas like one being proposed, sorted for the person proposing it.

Only ideas open for support are offered as alternatives to support (the same statuses the
support rule in ``permissions`` allows); ideas already answered are listed apart, with what
happened to them: the latest public status message (why it was declined, why it could not be
delivered) or the idea it was merged into. Which ideas are similar is ``similar_ideas``'s
business; this module only sorts what it finds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import OPEN_FOR_SUPPORT, Idea, StatusChange
from .ideas import similar_ideas


@dataclass
class AnsweredIdea:
    """A similar idea that can no longer be supported, and what happened to it."""

    idea: Idea
    message: str = ""  # its latest public status message, if any
    merged_into: Idea | None = None  # the idea it was merged into, if visible


@dataclass
class Suggestions:
    open: list[Idea] = field(default_factory=list)  # may be supported instead
    closed: list[AnsweredIdea] = field(default_factory=list)  # answered: shown apart

    def __bool__(self) -> bool:
        return bool(self.open or self.closed)

    def __len__(self) -> int:
        return len(self.open) + len(self.closed)


def suggest_alternatives(title: str, *, exclude_id: int | None = None, limit: int = 5,
                         closed_limit: int = 5) -> Suggestions:
    """Up to ``limit`` similar ideas open for support, best match first, and up to
    ``closed_limit`` similar ideas already answered, with what happened to them.

    Costs at most three queries whatever is found: the matches, the latest public messages
    of the answered ones, and the ideas they were merged into.
    """
    found = similar_ideas(title, limit=limit + closed_limit, exclude_id=exclude_id)
    open_ = [idea for idea in found if _open_for_support(idea)][:limit]
    closed = [AnsweredIdea(idea) for idea in found if not _open_for_support(idea)]
    closed = closed[:closed_limit]
    if closed:
        ids = [item.idea.id for item in closed]
        latest: dict[int, str] = {}
        for change in db.session.scalars(
                select(StatusChange).where(StatusChange.idea_id.in_(ids),
                                           StatusChange.event == "status",
                                           StatusChange.message != "")
                .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())):
            latest.setdefault(change.idea_id, change.message)
        merged_ids = {item.idea.merged_into_id for item in closed if item.idea.merged_into_id}
        survivors = {idea.id: idea for idea in db.session.scalars(
            select(Idea).where(Idea.id.in_(merged_ids), Idea.hidden.is_(False)))} \
            if merged_ids else {}
        for item in closed:
            item.message = latest.get(item.idea.id, "")
            item.merged_into = survivors.get(item.idea.merged_into_id)
    return Suggestions(open=open_, closed=closed)


def _open_for_support(idea: Idea) -> bool:
    """The support rule's test of the idea itself (permissions: "support_idea")."""
    return idea.status in OPEN_FOR_SUPPORT and not idea.hidden
