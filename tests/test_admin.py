"""Administration: users, categories, wards, settings, response templates and the audit log,
through the services and the /admin pages."""

from __future__ import annotations

import csv
import io

import pytest
from flask import g
from sqlalchemy import select

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import AuditLog, Category, ResponseTemplate, User, Ward
from citizenideas.services import audit, places, site
from citizenideas.services import users as user_admin
from citizenideas.services.site import response_target_days, site_settings

from .conftest import csrf_token


@pytest.fixture
def boss(make):
    return make.user(role="admin", email="admin@example.org", display_name="Ada Admin")


def last_audit() -> AuditLog:
    return db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))


def test_admin_changes_roles_and_deactivates_users(make, boss):
    user = make.user(display_name="Rita Resident")
    user_admin.change_role(boss, user, "moderator")
    assert user.role == "moderator"
    assert (last_audit().action, last_audit().before, last_audit().after) == (
        "user.role", {"role": "resident"}, {"role": "moderator"})
    with pytest.raises(ValidationFailed):
        user_admin.change_role(boss, user, "emperor")
    user_admin.deactivate_user(boss, user)
    assert not user.is_active and last_audit().action == "user.deactivate"
    user_admin.reactivate_user(boss, user)
    assert user.is_active and last_audit().action == "user.reactivate"


def test_admin_cannot_lock_themselves_out(boss):
    with pytest.raises(Conflict):
        user_admin.change_role(boss, boss, "resident")
    with pytest.raises(Conflict):
        user_admin.deactivate_user(boss, boss)


def test_moderators_cannot_administer(make):
    moderator = make.user(role="moderator")
    with pytest.raises(NotAllowed):
        user_admin.change_role(moderator, moderator, "admin")
    with pytest.raises(NotAllowed):
        audit.search_audit_log(moderator, audit.AuditFilters())


def test_user_search_by_name_or_email(make, boss):
    make.user(display_name="Zara Quinn", email="zq@example.org")
    make.user(display_name="Other Person")
    users, total = user_admin.search_users(boss, "quinn")
    assert total == 1 and users[0].email == "zq@example.org"
    users, total = user_admin.search_users(boss, "ZQ@")
    assert total == 1


def test_categories_and_wards_are_added_renamed_and_retired(boss):
    category = places.add_category(boss, "Parks and green spaces")
    assert category.slug == "parks-and-green-spaces"
    with pytest.raises(ValidationFailed):
        places.add_category(boss, "parks and green spaces")
    places.rename_category(boss, category, "Green spaces")
    places.retire_category(boss, category)
    assert category.name == "Green spaces" and category.retired_at is not None
    ward = places.add_ward(boss, "Elm Park", "E05000001")
    with pytest.raises(ValidationFailed):
        places.add_ward(boss, "Other", "nonsense")
    places.rename_ward(boss, ward, "Elm Park East")
    places.retire_ward(boss, ward)
    places.retire_ward(boss, ward, retire=False)
    assert ward.retired_at is None
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["category.add", "category.rename", "category.retire", "ward.add",
                       "ward.rename", "ward.retire", "ward.restore"]


def test_settings_are_stored_and_read_back(boss):
    site.save_settings(boss, {"COUNCIL_NAME": "Demo Borough Council", "COUNCIL_SHORT_NAME": "Demo",
                              "COUNCIL_COLOUR": "#123456", "RESPONSE_TARGET_DAYS": "10",
                              "COUNCIL_LOGO_URL": ""})
    db.session.commit()
    g.pop("_site_settings", None)
    assert site_settings()["COUNCIL_NAME"] == "Demo Borough Council"
    assert response_target_days() == 10
    assert last_audit().action == "settings.update"
    with pytest.raises(ValidationFailed) as caught:
        site.save_settings(boss, {"COUNCIL_COLOUR": "red", "RESPONSE_TARGET_DAYS": "0",
                                  "COUNCIL_LOGO_URL": "javascript:alert(1)"})
    assert set(caught.value.errors) == {"COUNCIL_COLOUR", "RESPONSE_TARGET_DAYS",
                                        "COUNCIL_LOGO_URL"}


def test_response_templates_crud(boss):
    template = site.create_response_template(boss, status="declined", title="No budget",
                                             body="There is no budget this year.")
    site.update_response_template(boss, template, status="declined", title="No money",
                                  body="There is no budget this year.")
    assert [t.title for t in site.response_templates("declined")] == ["No money"]
    site.delete_response_template(boss, template)
    assert site.response_templates() == []
    with pytest.raises(ValidationFailed):
        site.create_response_template(boss, status="nope", title="", body="")
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["template.create", "template.update", "template.delete"]


def test_audit_log_filters(make, boss):
    other = make.user(role="admin", email="other-admin@example.org")
    user = make.user()
    user_admin.change_role(boss, user, "moderator")
    places.add_ward(other, "Northfield")
    entries, total = audit.search_audit_log(boss, audit.AuditFilters(actor="other-admin"))
    assert total == 1 and entries[0].action == "ward.add"
    entries, total = audit.search_audit_log(boss, audit.AuditFilters(action="user.role"))
    assert total == 1 and entries[0].target_id == user.id
    entries, total = audit.search_audit_log(boss, audit.AuditFilters(target_type="Ward"))
    assert total == 1


# --- Pages ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, auth, boss):
    auth.sign_in(boss.email)
    return client


def post(client, path, data, page="/admin/settings"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def test_admin_index_links_to_every_area(signed_in):
    html = signed_in.get("/admin").get_data(as_text=True)
    for href in ("/admin/users", "/admin/organisations", "/admin/categories", "/admin/wards",
                 "/admin/settings", "/admin/templates", "/admin/audit"):
        assert f'href="{href}"' in html


def test_user_pages(signed_in, make):
    user = make.user(display_name="Sam Searchable")
    assert "Sam Searchable" in signed_in.get("/admin/users?q=searchable").get_data(as_text=True)
    response = post(signed_in, f"/admin/users/{user.id}/role", {"role": "moderator"},
                    "/admin/users")
    assert response.status_code == 303
    assert db.session.get(User, user.id).role == "moderator"
    assert post(signed_in, f"/admin/users/{user.id}/deactivate", {}, "/admin/users"
                ).status_code == 303
    assert db.session.get(User, user.id).deactivated_at is not None


def test_category_and_ward_pages(signed_in):
    assert post(signed_in, "/admin/categories", {"name": "Transport"}).status_code == 303
    category = db.session.scalar(select(Category))
    post(signed_in, f"/admin/categories/{category.id}/rename", {"name": "Roads"})
    post(signed_in, f"/admin/categories/{category.id}/retire", {"retire": "yes"})
    category = db.session.get(Category, category.id)
    assert category.name == "Roads" and category.retired_at is not None
    post(signed_in, "/admin/wards", {"name": "Elm Park", "ons_code": ""})
    assert db.session.scalar(select(Ward.name)) == "Elm Park"
    html = signed_in.get("/admin/wards").get_data(as_text=True)
    assert "Elm Park" in html
    response = post(signed_in, "/admin/wards", {"name": "", "ons_code": "E05013825"})
    assert response.status_code == 422  # shown on the form, next to the field
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#name">Enter a name.' in html
    assert 'value="E05013825"' in html


def test_settings_page(signed_in):
    response = post(signed_in, "/admin/settings", {
        "COUNCIL_NAME": "Elmbridge Test Council", "COUNCIL_SHORT_NAME": "Elm",
        "COUNCIL_LOGO_URL": "", "COUNCIL_COLOUR": "#224466", "RESPONSE_TARGET_DAYS": "15",
        "DECISION_TARGET_DAYS": "56", "CONTACT_EMAIL": "ideas@example.org"}, "/admin/settings")
    assert response.status_code == 303
    g.pop("_site_settings", None)
    assert "Elmbridge Test Council" in signed_in.get("/admin/settings").get_data(as_text=True)
    response = post(signed_in, "/admin/settings", {"COUNCIL_NAME": "", "COUNCIL_COLOUR": "x",
                                                   "RESPONSE_TARGET_DAYS": "a"},
                    "/admin/settings")
    assert response.status_code == 422
    assert "Enter the council" in response.get_data(as_text=True)


def test_template_pages(signed_in):
    response = post(signed_in, "/admin/templates/new", {
        "status": "duplicate", "title": "Already proposed", "body": "Someone proposed this."},
        "/admin/templates/new")
    assert response.status_code == 303
    template = db.session.scalar(select(ResponseTemplate))
    response = post(signed_in, f"/admin/templates/{template.id}/edit", {
        "status": "duplicate", "title": "", "body": "x"}, "/admin/templates/new")
    assert response.status_code == 422
    assert post(signed_in, f"/admin/templates/{template.id}/delete", {},
                "/admin/templates/new").status_code == 303
    assert db.session.scalar(select(ResponseTemplate)) is None


def test_audit_log_page_and_csv_export(signed_in, boss, make):
    places.add_ward(boss, "=cmd|' /C calc'!A0")
    places.add_category(boss, "Sport")
    db.session.commit()
    html = signed_in.get("/admin/audit?action=ward.add").get_data(as_text=True)
    assert "ward.add" in html and "category.add</strong>" not in html
    response = signed_in.get("/admin/audit.csv?target_type=Ward")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["id", "time_utc", "actor_id", "actor_email", "action"]
    assert len(rows) == 2 and rows[1][4] == "ward.add" and rows[1][3] == boss.email


def test_csv_export_neutralises_spreadsheet_formulas():
    assert audit._csv_cell("=1+1") == "'=1+1"
    assert audit._csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert audit._csv_cell("ward.add") == "ward.add"


def test_a_brand_colour_too_light_for_white_text_is_refused(signed_in):
    response = post(signed_in, "/admin/settings", {
        "COUNCIL_NAME": "Elmbridge Test Council", "COUNCIL_SHORT_NAME": "Elm",
        "COUNCIL_LOGO_URL": "", "COUNCIL_COLOUR": "#ffdd00", "RESPONSE_TARGET_DAYS": "15",
        "CONTACT_EMAIL": "ideas@example.org"}, "/admin/settings")
    assert response.status_code == 422
    assert "Choose a darker colour" in response.get_data(as_text=True)
    assert "1.3 to 1" in response.get_data(as_text=True)
