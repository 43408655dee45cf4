"""Supports gathered on paper: a petition sheet at the library, signatures on a letter.

Staff record how many and what the evidence is; the count is kept on the idea in
``paper_support_count`` by a single SQL ``UPDATE ... SET n = n + k`` in the same transaction
(never a read-modify-write), so records made at the same moment all count. The database
computes ``total_support_count`` (online + paper) from the two, and the lists sort by it.
A moderator may remove a record with a reason; it stays on file, struck out. Both audited.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..input import whole_number
from ..models import Idea, PaperSupport, User, utcnow
from ..permissions import require
from .audit import record_audit
from .engagement import bump_counter
from .text_rules import clean_text

COUNT_MAX = 100_000
EVIDENCE_MAX = 500
REASON_MAX = 500


def record_paper_supports(actor: User, idea: Idea, *, count, evidence: str) -> PaperSupport:
    """Add ``count`` supports gathered on paper, with what the evidence is."""
    require(actor, "record_paper_supports", idea,
            detail=_("Only council staff can record supports gathered on paper."))
    errors: dict[str, list[str]] = {}
    number = count if isinstance(count, int) and not isinstance(count, bool) else (
        whole_number(count) if count not in (None, "") else None)
    if number is None or not 1 <= number <= COUNT_MAX:
        errors["count"] = [_("Enter the number of supports, from 1 to 100,000")]
    evidence = clean_text(evidence, "evidence", errors,
                          required=_("Say what the evidence is, like \u201cpetition sheet at "
                                     "the library, 23 signatures\u201d"),
                          maximum=EVIDENCE_MAX,
                          too_long=_("Evidence must be 500 characters or fewer"))
    if errors:
        raise ValidationFailed(_("Check the supports gathered on paper."), errors)
    record = PaperSupport(idea_id=idea.id, count=number, evidence=evidence,
                          recorded_by_id=actor.id, created_at=utcnow())
    db.session.add(record)
    db.session.flush()
    bump_counter("paper_support_count", idea, +number)
    record_audit(actor, "paper_supports_recorded", idea,
                 after={"paper_support_id": record.id, "count": number, "evidence": evidence})
    db.session.flush()
    return record


def remove_paper_supports(actor: User, record: PaperSupport, reason: str) -> PaperSupport:
    """A moderator takes a record of paper supports off the count, with a reason."""
    require(actor, "remove_paper_supports", record.idea,
            detail=_("Only council staff can remove supports gathered on paper."))
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors,
                        required=_("Say why you are removing these supports"),
                        maximum=REASON_MAX, too_long=_("Reason must be 500 characters or fewer"))
    if errors:
        raise ValidationFailed(_("Say why you are removing these supports."), errors)
    # Conditional: of two removals at once, one takes the supports off the count.
    done = db.session.execute(
        update(PaperSupport).where(PaperSupport.id == record.id,
                                   PaperSupport.removed_at.is_(None))
        .values(removed_at=utcnow(), removed_by_id=actor.id, removed_reason=reason)
        .execution_options(synchronize_session=False))
    if not done.rowcount:
        raise Conflict(_("These supports were removed already."))
    db.session.expire(record)
    bump_counter("paper_support_count", record.idea, -record.count)
    record_audit(actor, "paper_supports_removed", record.idea,
                 before={"paper_support_id": record.id, "count": record.count,
                         "evidence": record.evidence}, after={"reason": reason})
    db.session.flush()
    return record


def get_paper_supports(record_id: int) -> PaperSupport:
    record = db.session.get(PaperSupport, record_id)
    if record is None:
        raise NotFound(_("There is no record of paper supports at this address."))
    return record


def paper_support_records(idea: Idea) -> list[PaperSupport]:
    """Every record of paper supports on the idea, oldest first, removed ones included."""
    return list(db.session.scalars(
        select(PaperSupport).where(PaperSupport.idea_id == idea.id)
        .options(joinedload(PaperSupport.recorded_by), joinedload(PaperSupport.removed_by))
        .order_by(PaperSupport.created_at, PaperSupport.id)))
