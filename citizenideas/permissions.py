"""The single policy table: ``can(user, action, obj)``.

Templates ask it to show or hide a control; services ask it again to enforce. Every rule
about who may do what lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from .models import OPEN_FOR_SUPPORT, Claim, Idea, Membership, Organisation, User


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


def delivers(user: User | None, idea: Idea) -> bool:
    """True if the user is a member of a verified organisation with an approved claim on idea."""
    if not _signed_in(user):
        return False
    from .extensions import db

    org_ids = [m.organisation_id for m in user.memberships if m.organisation.is_verified]
    if not org_ids:
        return False
    return db.session.query(
        db.session.query(Claim).filter(Claim.idea_id == idea.id, Claim.status == "approved",
                                       Claim.organisation_id.in_(org_ids)).exists()
    ).scalar()


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
    "follow": lambda u, _=None: _signed_in(u),
    "flag": lambda u, _=None: _participant(u),
    # Council
    "moderate": lambda u, _=None: _staff(u),
    "change_status": lambda u, _=None: _staff(u),
    "merge_idea": lambda u, _=None: _staff(u),
    "hide": lambda u, _=None: _staff(u),
    "official_reply": lambda u, i=None: _staff(u) or (i is not None and delivers(u, i)),
    "manage_assets": lambda u, _=None: _staff(u),
    "decide_claim": lambda u, _=None: _staff(u),
    "publish_outcome": lambda u, _=None: _staff(u),
    "view_audit_log": lambda u, _=None: _admin(u),
    "administer": lambda u, _=None: _admin(u),
    # Partners
    "create_organisation": lambda u, _=None: _participant(u),
    "manage_organisation": lambda u, o: _signed_in(u) and (_manager(u, o) or _admin(u)),
    "claim_idea": lambda u, o: _member_of_verified(u, o),
    "withdraw_claim": lambda u, c: _member_of_verified(u, c.organisation),
    "deliver": lambda u, i: _staff(u) or delivers(u, i),
    "view_pledges": lambda u, i: _staff(u) or delivers(u, i),
    "partner_area": lambda u, _=None: _signed_in(u) and any(
        m.organisation.is_verified for m in u.memberships),
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
                  "create_organisation"} and (
            current_app.config.get("REQUIRE_VERIFIED_EMAIL", True) and not user.is_verified):
        raise NotAllowed("Confirm your email address first: use the link we sent you.")
    raise NotAllowed(detail or "You do not have permission to do that.")
