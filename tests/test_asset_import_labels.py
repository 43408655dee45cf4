"""The asset CSV import speaks the site's words (issue 12, item 10): it accepts the labels the
register's pages show ("Sports ground", "Run by the community") as well as the codes, in any
case and with stray spaces, and reports a mistake with the labels, never internal codes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import CommunityAsset
from citizenideas.services import asset_import

from .conftest import csrf_token

HEADER = "UPRN,Asset name,Street,Town,Postcode,Tenure,Kind,Community status\n"
KINDS = ("Library, Park, Swimming pool, Community centre, Hall, Allotment, Sports ground, "
         "Other")
# Only the statuses staff type: the others follow from records (services.asset_transfer,
# services.community_value).
STATUSES = "Run by the council, Run by the community"
CODES = ("community_centre", "council_run", "community_run", "transfer_proposed", "acv_listed")


@pytest.fixture
def moderator(make):
    return make.user(role="moderator", email="moderator@example.org")


def _stored() -> dict[str, tuple[str, str]]:
    return {a.uprn: (a.kind, a.community_status)
            for a in db.session.scalars(select(CommunityAsset))}


@pytest.mark.parametrize(("kind", "status", "stored"), [
    ("Sports ground", "Run by the community", ("sports", "community_run")),
    ("sports ground", "RUN BY THE COMMUNITY", ("sports", "community_run")),
    ("  Swimming   pool ", " Run by the   council ", ("pool", "council_run")),
    ("Community centre", "Run by the community", ("community_centre", "community_run")),
    ("community_centre", "community_run", ("community_centre", "community_run")),
    ("PARK", "Council_Run", ("park", "council_run")),
    ("Community-centre", "community run", ("community_centre", "community_run")),
])
def test_import_accepts_the_sites_labels_and_the_codes_in_any_case(moderator, kind, status,
                                                                    stored):
    text = HEADER + f'444,Elm Place,Lane,Town,DB1 1AA,Freehold,"{kind}","{status}"\n'
    report = asset_import.import_assets_csv(moderator, text)
    assert report.errors == [] and report.created == 1
    assert _stored() == {"444": stored}


def test_import_reports_an_unknown_kind_and_status_in_the_sites_labels(moderator):
    text = HEADER + "555,Elm Gym,Lane,Town,DB1 1AA,Freehold,Gym,Owned by us\n"
    report = asset_import.import_assets_csv(moderator, text)
    [(row, reasons)] = report.errors
    assert row == 2
    assert f"Kind \u201cGym\u201d must be one of: {KINDS}" in reasons
    assert f"Community status \u201cOwned by us\u201d must be one of: {STATUSES}" in reasons
    assert not any(code in reason for reason in reasons for code in CODES)
    assert db.session.scalar(select(func.count(CommunityAsset.id))) == 0


def test_upload_page_imports_labels_and_reports_mistakes_in_the_sites_words(client, auth,
                                                                           moderator):
    auth.sign_in(moderator.email)
    token = csrf_token(client, "/council/assets/import")
    text = HEADER + ("666,Elm Fields,Lane,Town,DB1 1AA,Freehold,Sports ground,"
                     "Run by the community\n"
                     "777,Elm Gym,Lane,Town,DB1 1AA,Freehold,Gym,Run by the council\n")
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "preview", "csv_text": text})
    html = response.get_data(as_text=True)
    assert "Rows with problems" in html and "Import the 1 valid row" in html
    assert f"Kind \u201cGym\u201d must be one of: {KINDS}" in html
    assert not any(code in html for code in CODES)
    response = client.post("/council/assets/import", data={
        "csrf_token": token, "step": "import", "csv_text": text, "valid_only": "yes"})
    assert response.status_code == 200
    assert _stored() == {"666": ("sports", "community_run")}
