"""Administering people's accounts (admins only): find users, change roles, deactivate and
reactivate. A person's own account (sign-up, passwords, sign-in) is services.accounts.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import ROLES, User, utcnow
from ..pagination import Page, paginate
from ..permissions import require
from .accounts import revoke_access
from .audit import record_audit


def search_users(actor: User, q: str = "", role: str = "", page: int = 1,
                 per_page: int = 25) -> Page:
    """Users by name or email, newest first."""
    require(actor, "administer")
    where = [User.deleted_at.is_(None)]
    if q:
        like = f"%{q.strip().lower()}%"
        where.append(or_(func.lower(User.email).like(like),
                         func.lower(User.display_name).like(like)))
    if role in ROLES:
        where.append(User.role == role)
    return paginate(select(User).where(*where).order_by(User.created_at.desc(), User.id.desc()),
                    page, per_page, count=select(func.count(User.id)).where(*where))


def change_role(actor: User, user: User, role: str) -> User:
    require(actor, "administer")
    if role not in ROLES:
        raise ValidationFailed(_("Choose a role."), {"role": [_("Choose a role from the list.")]})
    if user.id == actor.id and role != "admin":
        raise Conflict(_("You cannot remove your own admin role. Ask another admin."))
    before = {"role": user.role}
    user.role = role
    record_audit(actor, "user.role", user, before, {"role": role})
    db.session.flush()
    return user


def deactivate_user(actor: User, user: User) -> User:
    """Stop an account signing in (its contributions stay)."""
    require(actor, "administer")
    if user.id == actor.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        # Sessions and API tokens end now and stay ended if the account is reactivated.
        revoke_access(user)
        record_audit(actor, "user.deactivate", user, {"deactivated_at": None},
                     {"deactivated_at": user.deactivated_at.isoformat()})
    db.session.flush()
    return user


def reactivate_user(actor: User, user: User) -> User:
    require(actor, "administer")
    if user.deactivated_at is not None:
        before = {"deactivated_at": user.deactivated_at.isoformat()}
        user.deactivated_at = None
        record_audit(actor, "user.reactivate", user, before, {"deactivated_at": None})
    db.session.flush()
    return user
