"""The single policy table: ``can(user, action, obj)``.

Templates ask it to show or hide a control; services ask it again to enforce. Every rule
about who may do what lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from .models import (
    OPEN_FOR_SUPPORT,
    Claim,
    Idea,
    Membership,
    Organisation,
    OutcomeReport,
    User,
)

# An idea's delivery (claims decided, progress, the outcome report) is open while the idea is
# accepted or in delivery; after an outcome is published the record is closed.
CLAIMABLE = ("accepted", "in_delivery")
# Statuses an outcome's publication sets: the idea's record is closed.
CLOSED_RECORD = ("delivered", "partly_delivered", "not_delivered")


def _signed_in(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _participant(user: User | None) -> bool:
    """Signed in and (unless switched off) with a verified email."""
    if not _signed_in(user):
        return False
    if current_app.config.get("REQUIRE_VERIFIED_EMAIL", True) and not user.is_verified:
        return False
    return True


def _staff(user: User | None) -> bool:
    return _signed_in(user) and user.is_staff


def _admin(user: User | None) -> bool:
    return _signed_in(user) and user.is_admin


def membership(user: User | None, organisation: Organisation) -> Membership | None:
    """The user's membership of an organisation, or None."""
    if not _signed_in(user):
        return None
    return next((m for m in user.memberships if m.organisation_id == organisation.id), None)


def _member_of_verified(user: User | None, organisation: Organisation | None) -> bool:
    return (organisation is not None and organisation.is_verified
            and membership(user, organisation) is not None)


def _manager(user: User | None, organisation: Organisation) -> bool:
    m = membership(user, organisation)
    return m is not None and m.role == "manager"


def _delivering_claims(idea_ids: list[int], member: User | None = None):
    """Approved claims of verified organisations on ``idea_ids`` (of ``member``'s
    organisations, if given), with their organisation: the one query behind every answer to
    "does this user's verified organisation deliver this idea?"."""
    from sqlalchemy import select

    query = (select(Claim.idea_id, Organisation)
             .join(Organisation, Organisation.id == Claim.organisation_id)
             .where(Claim.status == "approved", Organisation.verified_at.is_not(None),
                    Claim.idea_id.in_(idea_ids)))
    if member is not None:
        query = query.join(Membership, Membership.organisation_id == Claim.organisation_id).where(
            Membership.user_id == member.id)
    return query.order_by(Organisation.name, Organisation.id)


def delivering_organisations(idea: Idea, member: User | None = None) -> list[Organisation]:
    """The verified organisations delivering ``idea`` (an approved claim), by name; with
    ``member``, only those ``member`` belongs to (none for a visitor)."""
    from .extensions import db

    if member is not None and not (_signed_in(member) and member.memberships):
        return []
    found: dict[int, Organisation] = {}
    for _idea_id, org in db.session.execute(_delivering_claims([idea.id], member)):
        found.setdefault(org.id, org)
    return list(found.values())


def delivering_idea_ids(user: User | None, idea_ids: list[int]) -> set[int]:
    """Of ``idea_ids``, the ideas ``user`` delivers (one query for a page of ideas)."""
    from .extensions import db

    # Most people belong to no organisation: their (request-cached) memberships answer that.
    if not _signed_in(user) or not idea_ids or not user.memberships:
        return set()
    return {idea_id for idea_id, _org in db.session.execute(_delivering_claims(idea_ids, user))}


def delivers(user: User | None, idea: Idea) -> bool:
    """True if the user is a member of a verified organisation with an approved claim on idea."""
    return idea.id in delivering_idea_ids(user, [idea.id])


def _sees_claim(user: User | None, claim: Claim) -> bool:
    """An approved claim is public; a pending, rejected or withdrawn one is for the council
    and the claiming organisation's members (who see their own offer on /partners)."""
    return (claim.status == "approved" or _staff(user)
            or (_signed_in(user)
                and any(m.organisation_id == claim.organisation_id for m in user.memberships)))


def _sees_outcome_report(user: User | None, report: OutcomeReport, delivering: bool) -> bool:
    """A published report is public; a draft, submitted or returned one is for the council
    and whoever delivers the idea now (co-delivering organisations share one report)."""
    return report.state == "published" or _staff(user) or delivering


def visible_claims(user: User | None, claims: list[Claim]) -> list[Claim]:
    """The claims ``user`` may see (the rule of ``view_claim``, for a page of ideas at once)."""
    return [c for c in claims if _sees_claim(user, c)]


def visible_outcome_reports(user: User | None,
                            reports: list[OutcomeReport]) -> list[OutcomeReport]:
    """The reports ``user`` may see (the rule of ``view_outcome_report``, in one query for a
    page of ideas)."""
    unpublished = [r.idea_id for r in reports if r.state != "published"]
    delivering = set() if _staff(user) else delivering_idea_ids(user, unpublished)
    return [r for r in reports if _sees_outcome_report(user, r, r.idea_id in delivering)]


def has_stake(user: User | None, idea: Idea) -> bool:
    """The user proposed, supports, follows or offered help with (not withdrawn) ``idea``:
    the people asked "Was it done?" when its outcome is published. One query."""
    from sqlalchemy import literal, select, union_all

    from .extensions import db
    from .models import Follow, Pledge, Support

    if not _signed_in(user):
        return False
    if user.id == idea.author_id:
        return True
    found = union_all(
        select(literal(1)).where(Support.idea_id == idea.id, Support.user_id == user.id),
        select(literal(1)).where(Follow.idea_id == idea.id, Follow.user_id == user.id),
        select(literal(1)).where(Pledge.idea_id == idea.id, Pledge.user_id == user.id,
                                 Pledge.withdrawn_at.is_(None)))
    return db.session.execute(found.limit(1)).first() is not None


def delivered_it(user: User | None, idea: Idea) -> bool:
    """The council, or a member of an organisation delivering ``idea`` (an approved claim, or
    the organisation that wrote its outcome report): the side that said it was done."""
    from sqlalchemy import select

    from .extensions import db

    if _staff(user) or delivers(user, idea):
        return True
    if not _signed_in(user) or not user.memberships:
        return False
    org_id = db.session.scalar(select(OutcomeReport.organisation_id).where(
        OutcomeReport.idea_id == idea.id))
    return any(m.organisation_id == org_id for m in user.memberships)


def _visible(user: User | None, idea: Idea) -> bool:
    return not idea.hidden or _staff(user) or (_signed_in(user) and user.id == idea.author_id)


POLICY: dict[str, Callable[[User | None, Any], bool]] = {
    # Residents
    "view_idea": _visible,
    "propose_idea": lambda u, _=None: _participant(u),
    "edit_idea": lambda u, i: _participant(u) and u.id == i.author_id and i.status == "submitted",
    "withdraw_idea": lambda u, i: (_participant(u) and u.id == i.author_id
                                  and i.status in ("submitted", "under_review")),
    "support_idea": lambda u, i: _participant(u) and i.status in OPEN_FOR_SUPPORT and not i.hidden,
    "comment": lambda u, i: _participant(u) and not i.hidden,
    "pledge": lambda u, i: (_participant(u) and not i.hidden
                            and i.status in ("submitted", "under_review", "accepted",
                                             "in_delivery")),
    # Only the person who offered takes an offer back, and not once the outcome is published
    # (the record is closed).
    "withdraw_pledge": lambda u, p: (_signed_in(u) and u.id == p.user_id
                                     and p.idea.status not in CLOSED_RECORD),
    "follow": lambda u, _=None: _signed_in(u),
    # "Was it done?": the residents with a stake in the idea answer; the council and the
    # delivering organisations' members do not (they said it was done), even if they also
    # supported it. Before the outcome is published the service answers 409, not this.
    "verify_outcome": lambda u, i: (_participant(u) and _visible(u, i) and has_stake(u, i)
                                    and not delivered_it(u, i)),
    "flag": lambda u, _=None: _participant(u),
    # Photos: the idea's author on the idea; the update's author or the council on a progress
    # update; whoever delivers the idea (or the council) on its unpublished outcome report.
    # The person
    # who added a photo, or a moderator, deletes it.
    "add_idea_photo": lambda u, i: _participant(u) and u.id == i.author_id and not i.hidden,
    "add_progress_photo": lambda u, p: _signed_in(u) and (
        _staff(u) or (u.id == p.author_id and delivers(u, p.idea))),
    "add_outcome_photo": lambda u, r: (_signed_in(u) and r.state != "published"
                                       and (_staff(u) or delivers(u, r.idea))),
    "delete_photo": lambda u, p: _signed_in(u) and (u.id == p.uploader_id or _staff(u)),
    # Council
    "moderate": lambda u, _=None: _staff(u),
    "change_status": lambda u, _=None: _staff(u),
    "merge_idea": lambda u, _=None: _staff(u),
    "hide": lambda u, _=None: _staff(u),
    "official_reply": lambda u, i=None: _staff(u) or (i is not None and delivers(u, i)),
    "manage_assets": lambda u, _=None: _staff(u),
    "decide_claim": lambda u, _=None: _staff(u),
    "publish_outcome": lambda u, _=None: _staff(u),
    # Assisted digital: staff record ideas and paper supports for residents who are not
    # online, and only staff see who the resident is (name, email, phone).
    "record_for_resident": lambda u, _=None: _staff(u),
    "view_represented_resident": lambda u, _=None: _staff(u),
    "record_paper_supports": lambda u, _=None: _staff(u),
    "remove_paper_supports": lambda u, _=None: _staff(u),
    "view_audit_log": lambda u, _=None: _admin(u),
    "administer": lambda u, _=None: _admin(u),
    # A second factor: for staff and organisations' managers, one's own to manage; an admin
    # resets someone else's (a lost phone).
    "set_up_second_factor": lambda u, _=None: _signed_in(u) and (u.is_staff or any(
        m.role == "manager" for m in u.memberships)),
    "manage_second_factor": lambda u, owner: _signed_in(u) and u.id == owner.id,
    "reset_second_factor": lambda u, _=None: _admin(u),
    # Partners
    "create_organisation": lambda u, _=None: _participant(u),
    "manage_organisation": lambda u, o: _signed_in(u) and (_manager(u, o) or _admin(u)),
    "edit_organisation": lambda u, o: _signed_in(u) and (_manager(u, o) or _admin(u)),
    "change_member_role": lambda u, o: _signed_in(u) and (_manager(u, o) or _admin(u)),
    "claim_idea": lambda u, o: _member_of_verified(u, o),
    "withdraw_claim": lambda u, c: _member_of_verified(u, c.organisation),
    "deliver": lambda u, i: _staff(u) or delivers(u, i),
    "report_outcome": lambda u, i: i.status in CLAIMABLE and (_staff(u) or delivers(u, i)),
    # Offers of help name residents, so only the people who act on them see them: the
    # organisations delivering the idea and the council (which decides claims and co-ordinates
    # delivery). The page and the API both ask this.
    "view_pledges": lambda u, i: _staff(u) or delivers(u, i),
    # A message goes out in an organisation's name with its contact email to reply to, so only
    # a member of a delivering organisation sends one (the council has no organisation here).
    "message_volunteer": lambda u, i: delivers(u, i),
    "view_claim": _sees_claim,
    # Once submitted, a report is the council's to change (or send back); once published, no
    # one's. Who may deliver the idea at all is "deliver".
    "edit_outcome_report": lambda u, r: r.state in ("draft", "returned") or (
        r.state == "submitted" and _staff(u)),
    "view_outcome_report": lambda u, r: _sees_outcome_report(
        u, r, r.state != "published" and not _staff(u) and delivers(u, r.idea)),
    "view_organisation": lambda u, o: _signed_in(u) and (
        membership(u, o) is not None or _admin(u)),
    "offer_to_deliver": lambda u, _=None: _signed_in(u) and any(
        m.organisation.is_verified for m in u.memberships),
    # Assets of community value: a verified organisation's member nominates or registers an
    # intent to bid for it (obj: the organisation); staff record a local group's nomination,
    # decide, and record the owner told and the notice of sale.
    "nominate_acv": lambda u, o: _member_of_verified(u, o),
    "nominate_acv_any": lambda u, _=None: _signed_in(u) and any(
        m.organisation.is_verified for m in u.memberships),
    "record_acv_group_nomination": lambda u, _=None: _staff(u),
    "decide_acv": lambda u, _=None: _staff(u),
    "record_acv_sale": lambda u, _=None: _staff(u),
    "bid_on_acv": lambda u, o: _member_of_verified(u, o),
    # Community asset transfer: a verified organisation's member asks for it (obj: the
    # organisation); any member of the asking organisation withdraws it and answers the
    # council's questions; only staff move it on and ask. The questions, answers and the
    # organisation's capacity (its money) are for the organisation and the council.
    "request_transfer": lambda u, o: _member_of_verified(u, o),
    "request_transfer_any": lambda u, _=None: _signed_in(u) and any(
        m.organisation.is_verified for m in u.memberships),
    "move_transfer_stage": lambda u, _=None: _staff(u),
    "ask_transfer_question": lambda u, _=None: _staff(u),
    "withdraw_transfer": lambda u, r: membership(u, r.organisation) is not None,
    "answer_transfer_question": lambda u, r: membership(u, r.organisation) is not None,
    "view_transfer_private": lambda u, r: _staff(u) or membership(u, r.organisation) is not None,
    # After a transfer: the operating organisation's members write its yearly reports (obj:
    # the transfer request); residents say how access changed for them; staff hide an
    # abusive access comment (with a reason) and see every transfer's reporting.
    "report_on_asset": lambda u, t: _member_of_verified(u, t.organisation),
    "comment_on_access": lambda u, _=None: _participant(u),
    "hide_access_comment": lambda u, _=None: _staff(u),
    "view_asset_reporting": lambda u, _=None: _staff(u),
}


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (to ``obj``)? Unknown actions are refused."""
    rule = POLICY.get(action)
    if rule is None:
        return False
    return bool(rule(user, obj))


def require(user: User | None, action: str, obj: Any = None, detail: str | None = None) -> None:
    """Raise AuthRequired or NotAllowed unless ``can(user, action, obj)``."""
    from .errors import AuthRequired, NotAllowed

    if can(user, action, obj):
        return
    if not _signed_in(user):
        raise AuthRequired(detail or "Sign in to do that.")
    if action in {"propose_idea", "support_idea", "comment", "pledge", "flag",
                  "create_organisation", "comment_on_access"} and (
            current_app.config.get("REQUIRE_VERIFIED_EMAIL", True) and not user.is_verified):
        raise NotAllowed("Confirm your email address first: use the link we sent you.")
    raise NotAllowed(detail or "You do not have permission to do that.")
