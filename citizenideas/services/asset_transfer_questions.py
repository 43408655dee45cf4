"""Community asset transfer: the council asks the requesting organisation for more
information, and the organisation's members answer, once, in the platform. Questions and
answers are for the organisation and the council only (not on the public timeline)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import Membership, TransferInfoRequest, TransferRequest, User, utcnow
from ..permissions import require
from .asset_transfer import is_open, stage_label
from .audit import record_audit
from .claims import checked_text
from .notifications import OncePerLanguage, absolute_url, joined, notify_user


def ask_for_information(actor: User, request: TransferRequest,
                        question: str) -> TransferInfoRequest:
    """Staff ask the organisation for more information (seen by it and the council)."""
    require(actor, "ask_transfer_question", request,
            _("Only the council asks for more information."))
    errors: dict[str, list[str]] = {}
    question = checked_text(question, "question", errors, name=_("The question"),
                            required=_("Enter the question for the organisation."),
                            maximum=5000)
    if errors:
        raise ValidationFailed(_("There is a problem with the question."), errors)
    if not is_open(request):
        raise Conflict(_("This request is %(stage)s: there is nothing more to ask.",
                         stage=stage_label(request.stage)))
    info = TransferInfoRequest(request_id=request.id, question=question, asked_by_id=actor.id,
                               asked_at=utcnow())
    db.session.add(info)
    db.session.flush()
    record_audit(actor, "transfer.ask", request, None, {"question_id": info.id})
    subject = _l("The council asks about your request for %(asset)s", asset=request.asset.name)
    body = joined(_l("The council needs more information about your request to take on "
                     "%(asset)s. Answer it on the request's page.", asset=request.asset.name),
                  "\n\n", question)
    once_subject, once_body = OncePerLanguage(subject), OncePerLanguage(body)
    for member in organisation_members(request.organisation_id):
        notify_user(member, "transfer_question", once_subject, once_body,
                    link=absolute_url("asset_transfer.show", request_id=request.id))
    db.session.flush()
    return info


def answer_information_request(actor: User, info: TransferInfoRequest,
                               answer: str) -> TransferInfoRequest:
    """A member of the requesting organisation answers the council's question, once."""
    request = info.request
    require(actor, "answer_transfer_question", request,
            _("Only the organisation that asked can answer the council's questions."))
    errors: dict[str, list[str]] = {}
    answer = checked_text(answer, "answer", errors, name=_("Your answer"),
                          required=_("Enter your answer."), maximum=10000)
    if errors:
        raise ValidationFailed(_("There is a problem with the answer."), errors)
    now = utcnow()
    done = db.session.execute(
        update(TransferInfoRequest)
        .where(TransferInfoRequest.id == info.id, TransferInfoRequest.answered_at.is_(None))
        .values(answer=answer, answered_by_id=actor.id, answered_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(info)
    if done.rowcount != 1:
        raise Conflict(_("This question has already been answered."))
    if info.asked_by is not None and info.asked_by.deleted_at is None and info.asked_by.is_staff:
        notify_user(info.asked_by, "transfer_answer",
                    _l("%(name)s answered your question about %(asset)s",
                       name=request.organisation.name, asset=request.asset.name),
                    joined(_l("%(name)s answered:", name=request.organisation.name), "\n\n",
                           answer),
                    link=absolute_url("asset_transfer.show", request_id=request.id))
    db.session.flush()
    return info


def organisation_members(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.deleted_at.is_(None))
        .order_by(User.id)))


def get_info_request(request: TransferRequest, info_id: int) -> TransferInfoRequest:
    info = db.session.get(TransferInfoRequest, info_id) if 0 < info_id <= 2**31 - 1 else None
    if info is None or info.request_id != request.id:
        raise NotFound(_("There is no such question."))
    return info


def unanswered_questions(request: TransferRequest) -> list[TransferInfoRequest]:
    return [q for q in request.info_requests if q.answered_at is None]
