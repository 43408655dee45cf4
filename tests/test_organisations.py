"""Organisations: sign-up, verification by an admin, invitations and members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import AuthRequired, Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import (
    AuditLog,
    Membership,
    Notification,
    Organisation,
    UserToken,
    utcnow,
)
from citizenideas.services import organisations


def _details(**overrides):
    details = {"name": "Friends of Elm Park", "registered_number": "1234567",
               "description": "We look after Elm Park and run litter picks.",
               "website": "https://elmpark.example.org", "contact_email": "hello@elmpark.org"}
    details.update(overrides)
    return details


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _invite_token(org, email) -> str:
    note = db.session.scalar(select(Notification).where(Notification.kind == "invitation")
                             .order_by(Notification.id.desc()))
    assert note is not None
    return note.link.rsplit("/", 1)[1]


def test_a_resident_registers_an_unverified_organisation_and_becomes_its_manager(make):
    resident = make.user()
    org = organisations.register_organisation(resident, **_details())
    db.session.commit()
    assert org.verified_at is None
    assert org.contact_email == "hello@elmpark.org"
    assert [(m.user_id, m.role) for m in org.memberships] == [(resident.id, "manager")]


@pytest.mark.parametrize("field, value", [
    ("name", ""), ("description", "Too short"), ("website", "ftp://elm.example.org"),
    ("website", "javascript:alert(1)"), ("contact_email", "not-an-email"),
    ("registered_number", "9" * 41),
])
def test_bad_organisation_details_are_refused_and_nothing_is_written(make, field, value):
    resident = make.user()
    with pytest.raises(ValidationFailed) as exc:
        organisations.register_organisation(resident, **_details(**{field: value}))
    db.session.rollback()
    assert field in exc.value.errors
    assert _count(Organisation) == 0


def test_organisation_names_are_unique_whatever_their_case(make):
    make.organisation(name="Friends of Elm Park")
    with pytest.raises(ValidationFailed) as exc:
        organisations.register_organisation(make.user(),
                                            **_details(name="friends of elm  park"))
    assert "name" in exc.value.errors


def test_an_unconfirmed_email_cannot_register_an_organisation(make):
    with pytest.raises(NotAllowed):
        organisations.register_organisation(make.user(verified=False), **_details())


def test_an_admin_verifies_and_unverifies_with_audit_entries(make):
    admin = make.user(role="admin")
    manager = make.user()
    org = make.organisation(verified=False, members=[(manager, "manager")])
    organisations.verify_organisation(admin, org)
    db.session.commit()
    assert org.verified_at is not None
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == manager.id, Notification.kind == "organisation_verified"))
    with pytest.raises(Conflict):
        organisations.verify_organisation(admin, org)
    db.session.rollback()
    organisations.unverify_organisation(admin, org)
    db.session.commit()
    assert org.verified_at is None
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["organisation.verify", "organisation.unverify"]


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_only_admins_verify_organisations(make, role):
    org = make.organisation(verified=False)
    with pytest.raises(NotAllowed):
        organisations.verify_organisation(make.user(role=role), org)
    assert org.verified_at is None


def test_a_manager_invites_by_email_and_only_that_address_can_join(make):
    manager = make.user()
    org = make.organisation(members=[(manager, "manager")])
    token = organisations.invite_member(manager, org, "New.Person@Example.org")
    db.session.commit()
    assert token.purpose == "invite" and token.email == "new.person@example.org"
    raw = _invite_token(org, "new.person@example.org")
    assert token.token_hash != raw  # stored hashed
    assert token.expires_at > token.created_at + timedelta(days=6)
    outbox = db.session.scalar(select(Notification).where(Notification.kind == "invitation"))
    assert outbox.to_email == "new.person@example.org" and outbox.user_id is None

    # A forwarded link does not let someone else in, and is not used up by the attempt.
    someone = make.user(email="a.different@example.org")
    with pytest.raises(NotAllowed):
        organisations.accept_invitation(someone, raw)
    db.session.rollback()
    # Nor does registering the invited address without confirming it.
    unconfirmed = make.user(email="new.person@example.org", verified=False)
    with pytest.raises(NotAllowed):
        organisations.accept_invitation(unconfirmed, raw)
    db.session.rollback()
    assert _count(Membership) == 1

    unconfirmed.email_verified_at = utcnow()
    db.session.commit()
    member = organisations.accept_invitation(unconfirmed, raw)
    db.session.commit()
    assert member.role == "member" and member.organisation_id == org.id
    with pytest.raises(ValidationFailed):
        organisations.accept_invitation(unconfirmed, raw)  # single use


def test_an_invitation_to_an_existing_account_is_also_in_their_notifications(make):
    manager = make.user()
    invitee = make.user(email="known@example.org")
    org = make.organisation(members=[(manager, "manager")])
    organisations.invite_member(manager, org, "known@example.org")
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.kind == "invitation"))
    assert note.user_id == invitee.id


def test_an_expired_invitation_is_refused(make):
    manager = make.user()
    org = make.organisation(members=[(manager, "manager")])
    token = organisations.invite_member(manager, org, "late@example.org")
    raw = _invite_token(org, "late@example.org")
    token.expires_at = token.created_at - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        organisations.accept_invitation(make.user(email="late@example.org"), raw)
    db.session.rollback()
    assert _count(Membership) == 1


def test_accepting_needs_a_signed_in_account(make):
    with pytest.raises(AuthRequired):
        organisations.accept_invitation(None, "anything")


def test_members_cannot_invite_and_existing_members_are_not_invited_again(make):
    manager, member = make.user(), make.user()
    org = make.organisation(members=[(manager, "manager"), (member, "member")])
    with pytest.raises(NotAllowed):
        organisations.invite_member(member, org, "x@example.org")
    with pytest.raises(ValidationFailed) as exc:
        organisations.invite_member(manager, org, member.email)
    assert "email" in exc.value.errors
    with pytest.raises(ValidationFailed):
        organisations.invite_member(manager, org, "nonsense")
    db.session.rollback()
    assert _count(UserToken) == 0


def test_a_manager_removes_a_member_but_never_the_last_manager(make):
    manager, member = make.user(), make.user()
    org = make.organisation(members=[(manager, "manager"), (member, "member")])
    organisations.remove_member(manager, org, member)
    db.session.commit()
    assert [m.user_id for m in organisations.organisation_members(org)] == [manager.id]
    with pytest.raises(Conflict):
        organisations.remove_member(manager, org, manager)
    db.session.rollback()
    assert _count(Membership) == 1


def test_a_member_cannot_remove_others(make):
    manager, member = make.user(), make.user()
    org = make.organisation(members=[(manager, "manager"), (member, "member")])
    with pytest.raises(NotAllowed):
        organisations.remove_member(member, org, manager)


def test_the_admin_list_filters_verified_and_unverified(make):
    make.organisation(name="Alpha", verified=True)
    make.organisation(name="Beta", verified=False)
    verified, total = organisations.list_organisations(verified=True)
    assert [o.name for o in verified] == ["Alpha"] and total == 1
    unverified, _ = organisations.list_organisations(verified=False)
    assert [o.name for o in unverified] == ["Beta"]
    everyone, total = organisations.list_organisations()
    assert [o.name for o in everyone] == ["Beta", "Alpha"] and total == 2
