"""The community asset register: public pages, moderators' create/edit/retire, and the CSV
import of a land-and-buildings register (service, upload page and `flask import-assets`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from citizenideas.errors import NotAllowed, NotFound, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import AuditLog, CommunityAsset, OutcomeReport, utcnow
from citizenideas.services import asset_import, triage
from citizenideas.services import assets as register

from .conftest import csrf_token

SAMPLE = Path(__file__).parent.parent / "docs" / "sample-assets.csv"
HEADER = "UPRN,Asset name,Street,Town,Postcode,Tenure,Kind,Community status\n"


@pytest.fixture
def moderator(make):
    return make.user(role="moderator", email="moderator@example.org")


def asset_count() -> int:
    return db.session.scalar(select(func.count(CommunityAsset.id)))


# --- Create, edit, retire ---------------------------------------------------------------


def test_moderator_creates_edits_and_retires_an_asset(make, moderator):
    ward = make.ward()
    asset = register.create_asset(moderator, name="Central Library", kind="library",
                                  postcode="db1 1aa", uprn="100023336956", ward_id=ward.id,
                                  community_status="council_run", lat="51.5", lon="-0.12")
    assert (asset.postcode, asset.lat, asset.ward_id) == ("DB1 1AA", 51.5, ward.id)
    register.update_asset(moderator, asset, community_status="community_run")
    assert asset.community_status == "community_run" and asset.name == "Central Library"
    register.retire_asset(moderator, asset)
    assert asset.retired_at is not None
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["asset.create", "asset.update", "asset.retire"]
    update = db.session.scalar(select(AuditLog).where(AuditLog.action == "asset.update"))
    assert update.before["community_status"] == "council_run"
    assert update.after["community_status"] == "community_run"


def test_asset_fields_are_validated(moderator, make):
    make.asset(uprn="123")
    with pytest.raises(ValidationFailed) as caught:
        register.create_asset(moderator, name="", kind="castle", postcode="nonsense",
                              uprn="123", lat="100", community_status="owned")
    assert set(caught.value.errors) == {"name", "kind", "postcode", "uprn", "lat",
                                        "community_status"}
    with pytest.raises(ValidationFailed) as caught:
        register.create_asset(moderator, name="X", kind="park", uprn="1234567890123")
    assert "uprn" in caught.value.errors


def test_residents_cannot_manage_assets(make):
    resident = make.user()
    with pytest.raises(NotAllowed):
        register.create_asset(resident, name="Park", kind="park")
    with pytest.raises(NotAllowed):
        asset_import.import_assets_csv(resident, HEADER)


def test_public_list_filters_and_hides_retired_assets(client, make):
    ward = make.ward(name="Northfield")
    make.asset(name="Northfield Pool", kind="pool", ward=ward)
    make.asset(name="Southside Park", kind="park", community_status="community_run")
    make.asset(name="Old Depot", kind="other", retired_at=utcnow())
    html = client.get("/assets").get_data(as_text=True)
    assert "Northfield Pool" in html and "Southside Park" in html and "Old Depot" not in html
    html = client.get("/assets?kind=pool").get_data(as_text=True)
    assert "Northfield Pool" in html and "Southside Park" not in html
    html = client.get(f"/assets?ward_id={ward.id}").get_data(as_text=True)
    assert "Southside Park" not in html
    html = client.get("/assets?community_status=community_run").get_data(as_text=True)
    assert "Southside Park" in html and "Northfield Pool" not in html


def test_asset_page_shows_linked_ideas_and_published_outcomes(client, make, moderator):
    asset = make.asset(name="Riverside Park")
    idea = make.idea(title="Bandstand concerts", status="delivered")
    triage.link_asset(moderator, idea, asset)
    db.session.add(OutcomeReport(idea_id=idea.id, author_id=moderator.id, state="published",
                                 result="delivered", summary="Twelve concerts this summer.",
                                 published_at=utcnow()))
    db.session.commit()
    html = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Bandstand concerts" in html and "Delivered" in html
    assert "Twelve concerts this summer." in html


def test_retired_asset_page_is_only_for_staff(client, make, auth, moderator):
    asset = make.asset(retired_at=utcnow())
    assert client.get(f"/assets/{asset.id}").status_code == 404
    auth.sign_in(moderator.email)
    assert client.get(f"/assets/{asset.id}").status_code == 200
    with pytest.raises(NotFound):
        register.get_asset(None, asset.id)


def test_moderator_adds_and_edits_a_place_through_the_forms(client, auth, moderator):
    auth.sign_in(moderator.email)
    token = csrf_token(client, "/assets/new")
    response = client.post("/assets/new", data={"csrf_token": token, "name": "", "kind": ""})
    assert response.status_code == 422
    assert "Enter the name of the place." in response.get_data(as_text=True)
    response = client.post("/assets/new", data={
        "csrf_token": token, "name": "Elm Hall", "kind": "hall",
        "community_status": "council_run", "postcode": "DB3 4EF"})
    assert response.status_code == 303
    asset = db.session.scalar(select(CommunityAsset))
    response = client.post(f"/assets/{asset.id}/edit", data={
        "csrf_token": token, "name": "Elm Road Hall", "kind": "hall",
        "community_status": "community_run"})
    assert response.status_code == 303
    assert db.session.get(CommunityAsset, asset.id).name == "Elm Road Hall"
    response = client.post(f"/assets/{asset.id}/retire", data={"csrf_token": token})
    assert response.status_code == 303
    client.get(f"/assets/{asset.id}")  # shows the flash message
    assert "Elm Road Hall" not in client.get("/assets").get_data(as_text=True)


def test_residents_get_403_on_asset_management(client, make, auth):
    asset = make.asset()
    auth.sign_in(make.user().email)
    token = csrf_token(client, "/me")
    assert client.get("/assets/new").status_code == 403
    assert client.get(f"/assets/{asset.id}/edit").status_code == 403
    assert client.post(f"/assets/{asset.id}/retire", data={"csrf_token": token}).status_code == 403


# --- CSV import -------------------------------------------------------------------------


def test_importing_a_valid_register(moderator):
    report = asset_import.import_assets_csv(moderator, SAMPLE.read_text())
    assert report.imported and not report.errors
    assert (report.rows, report.created, report.updated) == (6, 6, 0)
    centre = db.session.scalar(select(CommunityAsset).where(
        CommunityAsset.uprn == "100023336959"))
    assert centre.kind == "community_centre" and centre.address == "14 Church Road, Demo Borough"
    assert centre.tenure == "Leasehold" and centre.postcode == "DB3 4EF"
    assert db.session.scalar(select(AuditLog.action)) == "asset.import"


def test_importing_the_same_file_twice_changes_nothing(moderator):
    asset_import.import_assets_csv(moderator, SAMPLE.read_text())
    db.session.commit()
    again = asset_import.import_assets_csv(moderator, SAMPLE.read_text())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert asset_count() == 6


def test_reimport_updates_assets_matched_by_uprn(moderator):
    asset_import.import_assets_csv(moderator, SAMPLE.read_text())
    db.session.commit()
    changed = SAMPLE.read_text().replace("Northfield Leisure Pool,Pool Lane",
                                         "Northfield Pool,Pool Lane")
    report = asset_import.import_assets_csv(moderator, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    assert db.session.scalar(select(CommunityAsset.name).where(
        CommunityAsset.uprn == "100023336958")) == "Northfield Pool"


BAD = HEADER + (
    "111,Good Hall,1 Road,Town,DB1 1AA,Freehold,hall,council_run\n"
    ",No UPRN,1 Road,Town,DB1 1AA,Freehold,hall,council_run\n"
    "abc,Bad UPRN,1 Road,Town,DB1 1AA,Freehold,castle,owned\n"
    "111,Duplicate,1 Road,Town,NOT A CODE,Freehold,park,council_run\n"
    "222,Another Good One,2 Road,Town,,Leasehold,Park,Community run\n"
)


def test_a_file_with_bad_rows_imports_nothing_and_reports_each_row(moderator):
    report = asset_import.import_assets_csv(moderator, BAD)
    assert not report.imported and asset_count() == 0
    rows = dict(report.errors)
    assert sorted(rows) == [3, 4, 5]
    assert any("UPRN is missing" in r for r in rows[3])
    assert any("1 to 12 digits" in r for r in rows[4])
    assert any("Kind" in r for r in rows[4]) and any("Community status" in r for r in rows[4])
    assert any("also on row 2" in r for r in rows[5]) and any("postcode" in r for r in rows[5])
    assert report.valid == 2


def test_importing_only_the_valid_rows_when_asked(moderator):
    report = asset_import.import_assets_csv(moderator, BAD, import_valid_only=True)
    assert report.imported and report.created == 2 and len(report.errors) == 3
    park = db.session.scalar(select(CommunityAsset).where(CommunityAsset.uprn == "222"))
    assert (park.kind, park.community_status) == ("park", "community_run")


def test_headers_are_matched_whatever_their_case_and_spacing(moderator):
    text = (" uprn ,ASSET  NAME,street,TOWN,Post code,tenure,KIND,community_status\n"
            "333,Tiny Park,Lane,Town,DB1 1AA,Freehold,park,council_run\n")
    report = asset_import.import_assets_csv(moderator, text)
    assert report.created == 1 and not report.errors


def test_a_file_without_the_required_columns_is_refused(moderator):
    report = asset_import.import_assets_csv(moderator, "Name,Town\nPark,Town\n")
    assert report.problem and "UPRN" in report.problem and not report.imported


def test_large_files_are_processed_in_batches(moderator):
    rows = "".join(f"{n},Place {n},Road,Town,DB1 1AA,Freehold,other,council_run\n"
                   for n in range(1, 1201))
    seen = []
    report = asset_import.import_assets_csv(moderator, HEADER + rows,
                                            progress=lambda done, total: seen.append(done))
    assert report.created == 1200 and report.batches == 3
    assert seen == [500, 1000, 1200]


def test_upload_page_previews_then_imports(client, auth, moderator):
    auth.sign_in(moderator.email)
    token = csrf_token(client, "/council/assets/import")
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "preview",
        "file": (SAMPLE.open("rb"), "register.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "What the import will do" in html
    assert "6 new places" in html and asset_count() == 0
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "import", "csv_text": SAMPLE.read_text()})
    assert response.status_code == 200
    assert "6 places created" in response.get_data(as_text=True) and asset_count() == 6


def test_upload_page_reports_bad_rows_and_offers_the_valid_ones(client, auth, moderator):
    auth.sign_in(moderator.email)
    token = csrf_token(client, "/council/assets/import")
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "preview", "csv_text": BAD})
    html = response.get_data(as_text=True)
    assert "Rows with problems" in html and "Import the valid rows (2)" in html
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "import", "csv_text": BAD})
    assert response.status_code == 422 and asset_count() == 0
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "import", "csv_text": BAD, "valid_only": "yes"})
    assert response.status_code == 200 and asset_count() == 2


def test_flask_import_assets_command(app, make, tmp_path):
    make.user(role="admin")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-assets", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "6 created" in result.output and asset_count() == 6
    result = runner.invoke(args=["import-assets", str(SAMPLE)])
    assert "0 created, 0 updated, 6 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    result = runner.invoke(args=["import-assets", str(bad)])
    assert result.exit_code == 1 and "Row 4:" in result.output
    assert "nothing imported" in result.output
    result = runner.invoke(args=["import-assets", str(bad), "--valid-only"])
    assert result.exit_code == 0 and "2 created" in result.output
