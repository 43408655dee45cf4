"""After a transfer, on the pages (JavaScript off, through the test client): the asset page
shows the transfer, its commitments and every report with on time / late / overdue; the
operator writes a report; residents comment on access; staff hide a comment with a reason;
the dashboards and /accountability count the reports."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import AccessComment, AssetReport

from .after_transfer_support import days_ago, report, transferred
from .conftest import csrf_token

REPORT = {"year_number": "1", "opening_hours": "7am to 8pm daily", "people_served": "1200",
          "prices": "Adults 4 pounds", "access_changes": "A ramp at the door.",
          "story": "The swimming club came back.", "commitments": "kept",
          "commitments_note": ""}


@pytest.fixture
def world(make):
    staff = make.user(role="moderator")
    manager = make.user()
    resident = make.user()
    trust = make.organisation(name="Elmstead Lido Trust", members=[(manager, "manager")])
    asset = make.asset(name="Elmstead Lido", kind="pool")
    return staff, manager, resident, trust, asset


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_asset_page_shows_the_transfer_commitments_and_every_report(client, world):
    staff, manager, resident, trust, asset = world
    request = transferred(asset, trust, date(2021, 3, 1))
    report(request, 1, date(2022, 2, 20))
    report(request, 2, date(2023, 4, 1), commitments="partly_kept")
    page = text(client.get(f"/assets/{asset.id}"))
    assert "After the transfer" in page and "Elmstead Lido Trust" in page
    assert "A 25-year lease at a peppercorn rent." in page
    assert "Keep the pool hoist and the changing places toilet." in page
    assert "Year 1 <strong class=\"govuk-tag govuk-tag--green\">On time" in page
    assert "Year 2 <strong class=\"govuk-tag govuk-tag--orange\">Late" in page
    assert "Year 3 <strong class=\"govuk-tag govuk-tag--red\">Overdue" in page
    assert "Partly kept" in page and "Hours were cut." in page
    assert "Sign in to say how access has changed for you" in page
    assert "Write the report" not in page


def test_a_place_not_transferred_has_no_section_and_no_forms(client, auth, world):
    staff, manager, resident, trust, asset = world
    assert "After the transfer" not in text(client.get(f"/assets/{asset.id}"))
    auth.sign_in(manager.email)
    assert client.get(f"/assets/{asset.id}/reports/new").status_code == 404
    assert client.get(f"/assets/{asset.id}/access-comments/new").status_code == 404


def test_the_operator_writes_a_report_and_a_wrong_one_keeps_what_was_typed(client, auth,
                                                                             world):
    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(370))
    auth.sign_in(manager.email)
    page = text(client.get(f"/assets/{asset.id}"))
    assert "Write the report for year 1" in page
    token = csrf_token(client, f"/assets/{asset.id}/reports/new")
    wrong = client.post(f"/assets/{asset.id}/reports/new",
                        data={**REPORT, "csrf_token": token, "prices": "",
                              "commitments": "not_kept", "people_served": "many"})
    assert wrong.status_code == 422
    body = text(wrong)
    assert "Enter the prices people paid this year." in body
    assert "People served must be a whole number" in body
    assert "Say which commitments you did not keep, and why." in body
    assert "The swimming club came back." in body and 'value="many"' in body
    done = client.post(f"/assets/{asset.id}/reports/new", data={**REPORT, "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"/assets/{asset.id}#reports")
    assert db.session.scalar(select(AssetReport.year_number)) == 1
    page = text(client.get(f"/assets/{asset.id}"))
    assert "Your report for year 1 is published." in page and "1,200" in page
    again = client.post(f"/assets/{asset.id}/reports/new", data={**REPORT, "csrf_token": token})
    assert again.status_code == 409 and "already been published" in text(again)


@pytest.mark.parametrize("who, status", [("anonymous", 302), ("resident", 403),
                                         ("staff", 403)])
def test_only_the_operator_opens_the_report_form(client, auth, world, who, status):
    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(370))
    if who != "anonymous":
        auth.sign_in({"resident": resident, "staff": staff}[who].email)
    assert client.get(f"/assets/{asset.id}/reports/new").status_code == status
    if who != "anonymous":
        token = csrf_token(client, f"/assets/{asset.id}")
        posted = client.post(f"/assets/{asset.id}/reports/new",
                             data={**REPORT, "csrf_token": token})
        assert posted.status_code == 403
    assert db.session.scalar(select(AssetReport.id)) is None


def test_a_resident_comments_on_access_and_staff_hide_it_with_a_reason(client, auth, world):
    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(100))
    auth.sign_in(resident.email)
    token = csrf_token(client, f"/assets/{asset.id}")
    wrong = client.post(f"/assets/{asset.id}/access-comments/new",
                        data={"csrf_token": token, "change": "", "body": "<b>Steps</b> gone"})
    assert wrong.status_code == 422
    body = text(wrong)
    assert "Say whether access is better, the same or worse for you." in body
    assert "&lt;b&gt;Steps&lt;/b&gt; gone" in body and "<b>Steps" not in body
    done = client.post(f"/assets/{asset.id}/access-comments/new",
                       data={"csrf_token": token, "change": "better",
                             "body": "<b>Steps</b> gone"})
    assert done.status_code == 303
    page = text(client.get(f"/assets/{asset.id}"))
    assert "&lt;b&gt;Steps&lt;/b&gt; gone" in page and "Better: 1." in page
    comment = db.session.scalar(select(AccessComment))
    assert client.get(f"/council/access-comments/{comment.id}/hide").status_code == 403
    auth.sign_out()

    auth.sign_in(staff.email)
    token = csrf_token(client, f"/council/access-comments/{comment.id}/hide")
    missing = client.post(f"/council/access-comments/{comment.id}/hide",
                          data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 422 and "Enter the reason" in text(missing)
    hidden = client.post(f"/council/access-comments/{comment.id}/hide",
                         data={"csrf_token": token, "reason": "It named a volunteer."})
    assert hidden.status_code == 303
    page = text(client.get(f"/assets/{asset.id}"))
    assert "Reason: It named a volunteer." in page and "Steps" not in page


def test_forms_refuse_a_post_without_the_csrf_token(client, auth, world):
    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(370))
    auth.sign_in(manager.email)
    assert client.post(f"/assets/{asset.id}/reports/new", data=REPORT).status_code == 400
    assert client.post(f"/assets/{asset.id}/access-comments/new",
                       data={"change": "same", "body": "Same."}).status_code == 400
    assert db.session.scalar(select(AssetReport.id)) is None


def test_dashboards_show_reports_due_and_overdue(client, auth, world, make):
    staff, manager, resident, trust, asset = world
    library = make.asset(name="Millbrook Library")
    transferred(asset, trust, days_ago(370))            # year 1 overdue
    transferred(library, make.organisation(), days_ago(100))  # nothing due
    auth.sign_in(manager.email)
    partners = text(client.get("/partners"))
    assert "Yearly reports for the places you run" in partners
    assert "Elmstead Lido: year 1" in partners and "Overdue" in partners
    assert "Millbrook Library" not in partners
    assert client.get("/council/transferred-places").status_code == 403
    auth.sign_out()
    auth.sign_in(staff.email)
    council = text(client.get("/council"))
    assert "Yearly reports overdue from transferred places: <strong>1</strong>" in council
    listing = text(client.get("/council/transferred-places"))
    assert "Elmstead Lido" in listing and "Millbrook Library" in listing
    assert '<strong class="govuk-tag govuk-tag--red">1</strong>' in listing


def test_accountability_counts_reports_on_time_and_commitments(client, world, make):
    staff, manager, resident, trust, asset = world
    lido = transferred(asset, trust, date(2020, 1, 10))
    report(lido, 1, date(2021, 1, 1))
    report(lido, 2, date(2022, 1, 10), commitments="partly_kept")
    report(lido, 3, date(2023, 2, 1), commitments="not_kept")
    # Years 4 (2024-01-10), 5 (2025-01-10) and 6 (2026-01-10) are overdue on any day from
    # 2026-01-11 to 2027-01-10: 6 due, 2 on time, 1 late, 3 overdue.
    page = text(client.get("/accountability"))
    assert "Transferred community places" in page
    assert ("Of 6 yearly reports due, 2 came on time, 1 late and 3 are overdue." in page)
    assert "report by report: kept 1, partly kept 1, not kept 1." in page
    assert "2 of 6" in page


def test_access_comments_share_the_comment_limit_across_the_page_and_the_api(
        app, client, auth, world, rate_limited):
    from citizenideas.services.tokens import create_api_token

    staff, manager, resident, trust, asset = world
    transferred(asset, trust, days_ago(100))
    app.config.update(RATELIMIT_COMMENT="2 per hour")
    auth.sign_in(resident.email)
    token = csrf_token(client, f"/assets/{asset.id}")
    url = f"/assets/{asset.id}/access-comments/new"
    data = {"csrf_token": token, "change": "same", "body": "Same as before."}
    assert client.post(url, data=data).status_code == 303
    assert client.get(url).status_code == 200  # reading the form is never limited
    raw_token = create_api_token(resident, "tests")[1]
    db.session.commit()
    api = client.post(f"/api/v1{url.removesuffix('/new')}", json={"change": "same",
                                                                   "body": "Same."},
                      headers={"Authorization": f"Bearer {raw_token}"})
    assert api.status_code == 201
    assert client.post(url, data=data).status_code == 429


def test_pages_cost_the_same_queries_for_one_transferred_place_or_six(client, auth, world,
                                                                     make):
    from .test_council_pages import count_queries

    staff, manager, resident, trust, asset = world
    first = transferred(asset, trust, date(2020, 1, 10))
    report(first, 1, date(2021, 1, 1))
    auth.sign_in(staff.email)
    paths = ["/accountability?ward_id=1", "/council/transferred-places", "/council",
             f"/assets/{asset.id}"]
    one = {path: count_queries(client, path) for path in paths}
    for n in range(5):
        place = make.asset(name=f"Hall {n}", kind="hall")
        request = transferred(place, make.organisation(), date(2019, 5, 1 + n))
        for year in (1, 2, 3):
            report(request, year, date(2019 + year, 4, 1))
    six = {path: count_queries(client, path) for path in paths}
    assert six == one


def test_every_access_comment_can_be_read_a_page_at_a_time(client, world):
    """103 comments: the place's page shows the newest 100 and links to the older ones (and
    back); the API pages them too. Before, only the newest 100 could ever be read."""
    from datetime import UTC, datetime, timedelta

    staff, manager, resident, trust, asset = world
    transferred(asset, trust, date(2021, 3, 1))
    start = datetime(2022, 1, 1, tzinfo=UTC)
    db.session.add_all([AccessComment(asset_id=asset.id, author_id=resident.id, change="same",
                                      body=f"Comment number {n:03d}.",
                                      created_at=start + timedelta(hours=n))
                        for n in range(103)])
    db.session.commit()
    page = text(client.get(f"/assets/{asset.id}"))
    assert "Comment number 102." in page and "Comment number 003." in page
    assert "Comment number 002." not in page
    assert "Page 1 of 2, the newest first" in page and "Newer comments" not in page
    assert f'href="/assets/{asset.id}?comments=2#access-comments">Older comments' in page
    older = text(client.get(f"/assets/{asset.id}?comments=2"))
    assert "Comment number 000." in older and "Comment number 003." not in older
    assert f'href="/assets/{asset.id}#access-comments">Newer comments' in older
    assert "Older comments" not in older
    api = client.get(f"/api/v1/assets/{asset.id}/access-comments?per_page=50&page=3")
    body = api.get_json()
    assert body["total"] == 103 and body["tally"]["same"] == 103
    assert [c["body"] for c in body["items"]] == ["Comment number 002.", "Comment number 001.",
                                                  "Comment number 000."]
    assert 'rel="first"' in api.headers["Link"]
