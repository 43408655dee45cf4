"""Managers look after their organisation: change its details and who manages it. Changing
the registered number of a verified organisation sends it back to the council to verify."""

from __future__ import annotations

import pytest

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import AuditLog, Membership, Notification, Organisation
from citizenideas.permissions import can
from citizenideas.services import organisations
from tests.conftest import csrf_token

DETAILS = {"name": "Repair Friends CIC", "registered_number": "1234567",
           "description": "We fix things with our neighbours every Saturday morning.",
           "website": "https://repair.example.org", "contact_email": "hello@repair.example.org"}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def crew(make):
    class Crew:
        manager = make.user(display_name="Maya")
        member = make.user(display_name="Mo")
        outsider = make.user()
        admin = make.user(role="admin")
    Crew.org = make.organisation(name="Repair Friends",
                                 members=[(Crew.manager, "manager"), (Crew.member, "member")])
    Crew.org.registered_number = "1234567"
    db.session.commit()
    return Crew


def role_of(user, org) -> str:
    return db.session.query(Membership).filter_by(user_id=user.id,
                                                  organisation_id=org.id).one().role


def test_a_manager_changes_the_organisations_details_and_it_is_audited(crew):
    assert can(crew.manager, "edit_organisation", crew.org)
    organisations.edit_organisation(crew.manager, crew.org, **DETAILS)
    db.session.commit()

    org = db.session.get(Organisation, crew.org.id)
    assert (org.name, org.website, org.contact_email) == (
        "Repair Friends CIC", "https://repair.example.org", "hello@repair.example.org")
    assert org.is_verified  # the registered number did not change
    entry = db.session.query(AuditLog).filter_by(action="organisation.edit").one()
    assert entry.actor_id == crew.manager.id and entry.target_id == org.id
    assert entry.before["name"] == "Repair Friends" and entry.after["name"] == "Repair Friends CIC"


def test_members_and_outsiders_cannot_change_the_details(crew):
    for someone in (crew.member, crew.outsider):
        assert not can(someone, "edit_organisation", crew.org)
        with pytest.raises(NotAllowed):
            organisations.edit_organisation(someone, crew.org, **DETAILS)
        db.session.rollback()
    assert db.session.get(Organisation, crew.org.id).name == "Repair Friends"


def test_the_details_are_checked_as_at_sign_up(crew, make):
    make.organisation(name="Bike Menders")
    with pytest.raises(ValidationFailed) as refused:
        organisations.edit_organisation(crew.manager, crew.org, **{
            **DETAILS, "name": "bike menders", "website": "repair.example.org",
            "contact_email": "not an email", "description": "Short"})
    assert set(refused.value.errors) == {"name", "website", "contact_email", "description"}
    db.session.rollback()
    # Its own name, in another case, is fine.
    organisations.edit_organisation(crew.manager, crew.org, **{**DETAILS,
                                                               "name": "REPAIR FRIENDS"})


def test_a_new_registered_number_sends_a_verified_organisation_back_for_verifying(crew):
    organisations.edit_organisation(crew.manager, crew.org,
                                    **{**DETAILS, "registered_number": "7654321"})
    db.session.commit()
    assert not db.session.get(Organisation, crew.org.id).is_verified
    told = db.session.query(Notification).filter_by(kind="organisation_changed").all()
    assert [n.user_id for n in told] == [crew.admin.id]
    # An admin changing it keeps the verification (they are the ones who check).
    crew.org.verified_at = crew.org.created_at
    db.session.commit()
    organisations.edit_organisation(crew.admin, crew.org, **DETAILS)
    db.session.commit()
    assert db.session.get(Organisation, crew.org.id).is_verified


def test_a_manager_promotes_a_member_and_demotes_themselves(crew):
    organisations.change_member_role(crew.manager, crew.org, crew.member, "manager")
    db.session.commit()
    assert role_of(crew.member, crew.org) == "manager"
    assert db.session.query(Notification).filter_by(
        kind="member_role", user_id=crew.member.id).count() == 1
    entry = db.session.query(AuditLog).filter_by(action="organisation.member_role").one()
    assert entry.before == {"user_id": crew.member.id, "role": "member"}
    assert entry.after == {"user_id": crew.member.id, "role": "manager"}

    organisations.change_member_role(crew.manager, crew.org, crew.manager, "member")
    db.session.commit()
    assert role_of(crew.manager, crew.org) == "member"


def test_an_organisation_is_never_left_without_a_manager(crew):
    with pytest.raises(Conflict):
        organisations.change_member_role(crew.manager, crew.org, crew.manager, "member")
    db.session.rollback()
    assert role_of(crew.manager, crew.org) == "manager"


def test_only_managers_change_roles_and_only_to_a_known_role(crew):
    with pytest.raises(NotAllowed):
        organisations.change_member_role(crew.member, crew.org, crew.member, "manager")
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        organisations.change_member_role(crew.manager, crew.org, crew.member, "owner")
    db.session.rollback()
    assert role_of(crew.member, crew.org) == "member"


def test_the_organisation_page_offers_change_details_and_role_buttons_to_managers(
        crew, client, auth):
    auth.sign_in(crew.member.email)
    page = html(client.get(f"/organisations/{crew.org.id}"))
    assert "Change details" not in page and "Make manager" not in page
    auth.sign_out()

    auth.sign_in(crew.manager.email)
    page = html(client.get(f"/organisations/{crew.org.id}"))
    assert f'href="/organisations/{crew.org.id}/edit"' in page
    assert f'action="/organisations/{crew.org.id}/members/{crew.member.id}/role"' in page
    assert "Make manager" in page

    token = csrf_token(client, f"/organisations/{crew.org.id}")
    promoted = client.post(f"/organisations/{crew.org.id}/members/{crew.member.id}/role",
                           data={"csrf_token": token, "role": "manager"})
    assert promoted.status_code == 303
    assert "Mo is now a manager" in html(client.get(f"/organisations/{crew.org.id}"))
    assert role_of(crew.member, crew.org) == "manager"


def test_demoting_the_last_manager_from_the_page_shows_why(crew, client, auth):
    auth.sign_in(crew.manager.email)
    token = csrf_token(client, f"/organisations/{crew.org.id}")
    refused = client.post(f"/organisations/{crew.org.id}/members/{crew.manager.id}/role",
                          data={"csrf_token": token, "role": "member"})
    assert refused.status_code == 409
    assert "at least one manager" in html(refused)
    assert role_of(crew.manager, crew.org) == "manager"


def test_the_edit_page_saves_and_shows_field_errors(crew, client, auth):
    auth.sign_in(crew.manager.email)
    path = f"/organisations/{crew.org.id}/edit"
    form = html(client.get(path))
    assert 'value="Repair Friends"' in form and "verify it again" in form
    token = csrf_token(client, path)
    wrong = client.post(path, data={**DETAILS, "website": "nope", "csrf_token": token})
    assert wrong.status_code == 422 and 'href="#website"' in html(wrong)
    assert 'value="Repair Friends CIC"' in html(wrong)
    saved = client.post(path, data={**DETAILS, "csrf_token": token})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(
        f"/organisations/{crew.org.id}")
    assert "Repair Friends CIC" in html(client.get(f"/organisations/{crew.org.id}"))

    auth.sign_out()
    auth.sign_in(crew.member.email)
    assert client.get(path).status_code == 403
