"""Staff second factor: who needs one, enrolling, checking a code at sign-in (once only),
recovery codes, turning it off, and an admin's reset.

Staff here are the people who change public records or speak for an organisation:
moderators, admins and managers of an organisation. With STAFF_2FA_REQUIRED on they must
have a second factor; anyone who has set one up is asked for it whatever the setting.

A code is used once: the time step of the last accepted code is kept per person and moved
forward with a conditional UPDATE, so the same code sent twice at the same moment (two
tabs, a replayed request) is accepted once. Recovery codes are used up the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, update

from .. import throttling
from ..errors import AuthRequired, Conflict, NotAllowed, ValidationFailed
from ..extensions import db
from ..models import RecoveryCode, SecondFactor, User, utcnow
from ..permissions import can, require
from . import second_factor_codes as codes
from .accounts import end_all_sessions
from .audit import record_audit
from .notifications import absolute_url, notify_user


def is_staff(user: User) -> bool:
    """Moderators, admins and managers of an organisation (any organisation)."""
    return can(user, "set_up_second_factor")


def required() -> bool:
    return bool(current_app.config.get("STAFF_2FA_REQUIRED"))


def active_factor(user: User) -> SecondFactor | None:
    """The person's confirmed authenticator, or None."""
    return db.session.scalar(select(SecondFactor).where(
        SecondFactor.user_id == user.id, SecondFactor.confirmed_at.is_not(None)))


def has_second_factor(user: User) -> bool:
    return active_factor(user) is not None


def needs_enrolment(user: User) -> bool:
    """Must set up a second factor before anything else: staff, while it is required."""
    return required() and is_staff(user) and not has_second_factor(user)


def step_after_password(user: User) -> str:
    """What a correct password leads to: ``"code"`` (ask for a code), ``"enrol"`` (set one up
    first) or ``"none"`` (signed in at once)."""
    if has_second_factor(user):
        return "code"
    if required() and is_staff(user):
        return "enrol"
    return "none"


# --- Enrolment ---------------------------------------------------------------------------


@dataclass
class Enrolment:
    secret: str
    uri: str


def start_enrolment(user: User) -> Enrolment:
    """A secret for the person's authenticator app, kept (encrypted) until they confirm it
    with a code. Reloading the page shows the same secret; nothing counts until confirmed."""
    require(user, "set_up_second_factor")
    if has_second_factor(user):
        raise Conflict(_("You have already set up an authenticator app."))
    pending = db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == user.id))
    secret = codes.open_secret(pending.secret) if pending is not None else None
    if secret is None:
        secret = codes.new_secret()
        if pending is None:
            pending = SecondFactor(user_id=user.id, created_at=utcnow())
            db.session.add(pending)
        pending.secret = codes.seal_secret(secret)
        db.session.flush()
    issuer = current_app.config.get("COUNCIL_SHORT_NAME") or current_app.config["SERVICE_NAME"]
    return Enrolment(secret=secret, uri=codes.provisioning_uri(secret, user.email, issuer))


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the second factor on once the app shows the right code. Returns the ten recovery
    codes (shown once; only their hashes are kept)."""
    require(user, "set_up_second_factor")
    pending = db.session.scalar(select(SecondFactor).where(
        SecondFactor.user_id == user.id, SecondFactor.confirmed_at.is_(None)))
    if pending is None:
        raise Conflict(_("Start again: open the set-up page to get a new QR code."))
    throttling.refuse_if_too_many_wrong_codes(user.id)
    step = codes.matching_step(codes.open_secret(pending.secret), codes.clean_code(code))
    if step is None or not _use_step(pending, step):
        throttling.record_wrong_code(user.id)
        raise _wrong_code()
    pending.confirmed_at = utcnow()
    recovery = _replace_recovery_codes(user)
    record_audit(user, "user.second_factor_enrol", user, None, {"second_factor": "totp"})
    db.session.flush()
    return recovery


# --- Checking a code ---------------------------------------------------------------------


@dataclass
class CodeAccepted:
    method: str  # "totp" or "recovery"
    recovery_left: int | None = None

    def message(self) -> str | None:
        """What to tell someone who used a recovery code."""
        if self.method != "recovery":
            return None
        return ngettext("You used a recovery code. You have %(num)d recovery code left: make "
                        "new ones from your account page.",
                        "You used a recovery code. You have %(num)d recovery codes left.",
                        self.recovery_left or 0)


def _wrong_code(field: str = "code") -> ValidationFailed:
    message = _("The code is not right, or it has been used already. Enter the code your "
                "authenticator app shows now, or one of your recovery codes.")
    return ValidationFailed(message, {field: [message]})


def _use_step(factor: SecondFactor, step: int) -> bool:
    """Move the last used step forward to ``step`` if it is later: one conditional UPDATE, so
    of two requests with the same code only one gets a row."""
    moved = db.session.execute(
        update(SecondFactor).where(SecondFactor.id == factor.id, or_(
            SecondFactor.last_step.is_(None), SecondFactor.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False)).rowcount
    db.session.expire(factor, ["last_step"])
    return moved == 1


def _use_recovery_code(user: User, code: str) -> int | None:
    """Use up one of the person's recovery codes; the number left, or None if not one."""
    normal = codes.normal_recovery_code(code)
    if normal is None:
        return None
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == codes.hash_recovery_code(normal),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        return None
    return recovery_codes_left(user)


def check_code(user: User, code: str, *, field: str = "code", purpose: str = "sign_in"
               ) -> CodeAccepted:
    """Accept a code from the person's authenticator or one of their recovery codes, once.

    Wrong codes are counted (per account and per IP address); past the limit every code is
    refused with TooManyAttempts until the wait ends. ``purpose`` is noted in the audit log
    for a sign-in.
    """
    factor = active_factor(user)
    if factor is None:
        raise Conflict(_("This account has no second factor."))
    throttling.refuse_if_too_many_wrong_codes(user.id, field)
    typed = codes.clean_code(code)
    accepted: CodeAccepted | None = None
    if codes.looks_like_totp(typed):
        step = codes.matching_step(codes.open_secret(factor.secret), typed)
        if step is not None and _use_step(factor, step):
            accepted = CodeAccepted("totp")
    else:
        left = _use_recovery_code(user, typed)
        if left is not None:
            accepted = CodeAccepted("recovery", left)
    if accepted is None:
        throttling.record_wrong_code(user.id)
        raise _wrong_code(field)
    if purpose in ("sign_in", "api_token"):
        record_audit(user, "user.sign_in_second_factor", user, None,
                     {"method": accepted.method, "via": purpose})
    db.session.flush()
    return accepted


def record_trusted_sign_in(user: User, provider: str = "identity provider") -> None:
    """Audit a sign-in whose second factor was checked by someone we trust (single sign-on
    with the provider's own multi-factor authentication)."""
    record_audit(user, "user.sign_in_second_factor", user, None,
                 {"method": "provider", "via": provider})
    db.session.flush()


# --- Recovery codes, turning off, an admin's reset ---------------------------------------


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    fresh = codes.new_recovery_codes()
    now = utcnow()
    db.session.add_all(RecoveryCode(user_id=user.id, created_at=now,
                                    code_hash=codes.hash_recovery_code(
                                        codes.normal_recovery_code(code)))
                       for code in fresh)
    return fresh


def regenerate_recovery_codes(actor: User, code: str) -> list[str]:
    """Ten new recovery codes for the actor (the old ones stop working), after a code."""
    require(actor, "manage_second_factor", actor)
    check_code(actor, code, purpose="recovery_codes")
    fresh = _replace_recovery_codes(actor)
    record_audit(actor, "user.recovery_codes", actor, None, {"recovery_codes": len(fresh)})
    db.session.flush()
    return fresh


def turn_off(actor: User, code: str) -> None:
    """Remove the actor's own second factor, after a code. Refused while staff must have one."""
    require(actor, "manage_second_factor", actor)
    if required() and is_staff(actor):
        raise NotAllowed(_("You cannot turn off your second factor: staff accounts must "
                           "have one."))
    check_code(actor, code, purpose="turn_off")
    _remove(actor)
    record_audit(actor, "user.second_factor_off", actor, {"second_factor": "totp"}, None)
    db.session.flush()


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id)
                       .execution_options(synchronize_session=False))


def reset_second_factor(actor: User, user: User) -> User:
    """An admin removes someone's second factor (a lost phone): their sessions end, they set
    up a new one at their next sign-in, and they are emailed about it."""
    require(actor, "reset_second_factor", user)
    if user.id == actor.id:
        raise Conflict(_("You cannot reset your own second factor. Ask another admin."))
    return _reset(actor, user)


def reset_second_factor_from_console(user: User) -> User:
    """The same, by whoever runs the server (``flask second-factor-reset``): for the last
    admin who has lost their phone and their recovery codes. Audited with no actor."""
    return _reset(None, user)


def _reset(actor: User | None, user: User) -> User:
    if not has_second_factor(user):
        raise Conflict(_("%(name)s has no second factor to reset.", name=user.display_name))
    _remove(user)
    end_all_sessions(user)
    record_audit(actor, "user.second_factor_reset", user, {"second_factor": "totp"}, None)
    notify_user(user, "second_factor_reset", _l("Your second factor has been reset"),
                _l("Hello %(name)s,\n\nAn administrator has reset the second factor "
                   "(authenticator app) on your account, and you have been signed out. When you "
                   "next sign in you will be asked to set up your authenticator app again.\n\n"
                   "If you did not ask for this, contact the council at once.",
                   name=user.display_name),
                link=absolute_url("auth.sign_in"), email_always=True)
    db.session.flush()
    return user


def users_with_second_factor(users: list[User]) -> set[int]:
    """Ids of those of ``users`` who have a second factor (one query, for a list page)."""
    ids = [u.id for u in users]
    if not ids:
        return set()
    return set(db.session.scalars(select(SecondFactor.user_id).where(
        SecondFactor.user_id.in_(ids), SecondFactor.confirmed_at.is_not(None))))


def require_code_for_api_token(user: User, otp: str | None) -> None:
    """A staff account that has (or must have) a second factor sends its code with the
    password to get an API token; everyone else is never asked. AuthRequired says which."""
    step = step_after_password(user)
    if step == "none":
        return
    if step == "enrol":
        raise AuthRequired("This account must have a second factor: sign in on the website "
                           "once to set up an authenticator app, then ask again with its code "
                           "in \"otp\".")
    if not (otp or "").strip():
        raise AuthRequired("A second-factor code is needed for this account: send the code "
                           "from your authenticator app (or a recovery code) in \"otp\".")
    try:
        check_code(user, otp or "", field="otp", purpose="api_token")
    except ValidationFailed as exc:
        raise AuthRequired("The code in \"otp\" is not right, or it has been used already. "
                           "Send the code your authenticator app shows now.") from exc
