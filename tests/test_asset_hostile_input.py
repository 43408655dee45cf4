"""Junk in the asset forms and the CSV import is a clear error, never a server error: a word
where a ward or organisation should be, and registers saved with old-Mac line endings."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import CommunityAsset
from citizenideas.services import asset_import
from citizenideas.services import assets as register

from .conftest import csrf_token

HEADER = "UPRN,Asset name,Street,Town,Postcode,Tenure,Kind,Community status"
ROWS = ["111,Elm Hall,1 Road,Town,DB1 1AA,Freehold,hall,council_run",
        "222,Oak Park,2 Road,Town,DB1 1AB,Leasehold,park,community_run"]


@pytest.fixture
def moderator(make):
    return make.user(role="moderator", email="moderator@example.org")


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_TEST_ERRORS"] = False


def asset_count() -> int:
    return db.session.scalar(select(func.count(CommunityAsset.id)))


@pytest.mark.parametrize("field", ["ward_id", "operator_organisation_id"])
@pytest.mark.parametrize("junk", ["abc", "1.5", "99999999999999999999999", "-1", "\x00"])
def test_a_place_with_a_junk_ward_or_organisation_is_refused_with_a_field_error(
        moderator, field, junk):
    with pytest.raises(ValidationFailed) as caught:
        register.create_asset(moderator, name="Elm Hall", kind="hall", **{field: junk})
    assert set(caught.value.errors) == {field}
    assert asset_count() == 0


@pytest.mark.parametrize("field", ["ward_id", "operator_organisation_id"])
def test_new_place_form_with_a_word_for_an_id_rerenders_with_what_was_typed(
        client, auth, moderator, no_propagation, field):
    auth.sign_in(moderator.email)
    response = client.post("/assets/new", data={
        "csrf_token": csrf_token(client, "/assets/new"), "name": "Elm Hall", "kind": "hall",
        "community_status": "council_run", "postcode": "DB3 4EF", field: "not-a-number"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Elm Hall"' in html and 'value="DB3 4EF"' in html
    assert "govuk-error-summary" in html and f'href="#{field}"' in html
    assert asset_count() == 0


@pytest.mark.parametrize("field", ["ward_id", "operator_organisation_id"])
def test_edit_place_form_with_a_word_for_an_id_rerenders_and_changes_nothing(
        client, auth, make, moderator, no_propagation, field):
    asset = make.asset(name="Elm Hall", kind="hall")
    auth.sign_in(moderator.email)
    response = client.post(f"/assets/{asset.id}/edit", data={
        "csrf_token": csrf_token(client, f"/assets/{asset.id}/edit"), "name": "Elm Road Hall",
        "kind": "hall", "community_status": "council_run", field: "twelve"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Elm Road Hall"' in html and f'href="#{field}"' in html
    assert db.session.get(CommunityAsset, asset.id).name == "Elm Hall"


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_a_register_imports_whatever_its_line_endings(moderator, ending):
    report = asset_import.import_assets_csv(moderator, ending.join([HEADER, *ROWS]) + ending)
    assert report.problem is None and not report.errors
    assert report.imported and report.created == 2 and asset_count() == 2


def test_old_mac_line_endings_upload_previews_on_the_page(client, auth, moderator,
                                                          no_propagation):
    auth.sign_in(moderator.email)
    response = client.post("/council/assets/import", data={
        "csrf_token": csrf_token(client, "/council/assets/import"), "step": "preview",
        "csv_text": "\r".join([HEADER, *ROWS])})
    assert response.status_code == 200
    assert "2 new places" in response.get_data(as_text=True)


def test_a_register_csv_cannot_read_is_reported_not_a_server_error(client, auth, moderator,
                                                                    no_propagation):
    # A quoted field longer than the csv module's field limit makes the reader give up.
    huge = HEADER + "\n" + '1,"' + "x" * 200_000 + '",Road,Town,,,hall,council_run\n'
    report = asset_import.import_assets_csv(moderator, huge)
    assert report.problem and not report.imported and asset_count() == 0
    auth.sign_in(moderator.email)
    response = client.post("/council/assets/import", data={
        "csrf_token": csrf_token(client, "/council/assets/import"), "step": "import",
        "csv_text": huge})
    assert response.status_code == 422 and asset_count() == 0


def test_control_characters_in_an_uploaded_register_are_removed_not_stored(moderator):
    # A file upload is not cleaned like form fields are, and PostgreSQL refuses NUL in text.
    text = HEADER + "\n111,Elm\x00 Hall\x1b,1 Road,Town,DB1 1AA,Free\x07hold,hall,council_run\n"
    report = asset_import.import_assets_csv(moderator, text)
    db.session.commit()
    assert report.imported and not report.errors
    asset = db.session.scalar(select(CommunityAsset))
    assert (asset.name, asset.tenure) == ("Elm Hall", "Freehold")


def test_control_characters_in_an_uploaded_register_are_not_a_server_error(
        client, auth, moderator, no_propagation):
    auth.sign_in(moderator.email)
    body = (HEADER + "\n111,Elm\x00 Hall,1 Road,Town,,,hall,council_run\n").encode()
    response = client.post("/council/assets/import", data={
        "csrf_token": csrf_token(client, "/council/assets/import"), "step": "import",
        "file": (io.BytesIO(body), "register.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200 and asset_count() == 1
