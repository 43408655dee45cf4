"""Hostile text typed by residents and partners is shown as text everywhere: pages, lists,
council and partner pages, feeds, CSV (no spreadsheet formulas) and emails."""

from __future__ import annotations

import csv
import io
import re

import pytest

from citizenideas.extensions import db
from citizenideas.models import Notification
from citizenideas.services import claims, engagement, ideas, lifecycle, organisations, outcomes

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
TITLE = f"{SCRIPT} Park {IMG}"
JS_LINK = "javascript:alert(3)"
DESCRIPTION = (f"=HYPERLINK(\"http://evil.example\",\"Click\") Please click {JS_LINK} or "
               f"<a href=\"javascript:alert(4)\">here</a> {SCRIPT}.")


JS_HREF = re.compile(r"""<a\b[^>]*href\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def assert_inert(response) -> None:
    """HTML and XML escape the text; JSON is served as JSON (never sniffed as HTML)."""
    if response.mimetype.endswith("json"):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        return
    lowered = response.get_data(as_text=True).lower()
    assert "<script>alert" not in lowered
    assert "<img src=x" not in lowered
    assert not JS_HREF.search(lowered)


@pytest.fixture
def hostile(make):
    """An idea, comment, organisation and published outcome, all with hostile text."""
    author = make.user(email="author@example.org", display_name=f"Mallory {SCRIPT}")
    moderator = make.user(role="moderator", email="mod@example.org")
    partner = make.user(email="partner@example.org")
    category, ward = make.category(), make.ward()
    idea = ideas.propose_idea(author, title=TITLE, description=DESCRIPTION,
                              category_id=category.id, ward_id=ward.id,
                              location_text=f"=HYPERLINK(\"http://evil.example\") {IMG}")
    engagement.post_comment(author, idea, f"=1+2 {SCRIPT} {IMG} {JS_LINK}")
    org = organisations.register_organisation(
        partner, name=f"@SUM(1) {SCRIPT} Trust", registered_number="-1+1",
        description=f"We help. {SCRIPT} {IMG} and more words here.",
        website="https://example.org/", contact_email="org@example.org")
    organisations.verify_organisation(make.user(role="admin"), org)
    for status in ("under_review", "accepted"):
        lifecycle.change_status(moderator, idea, status, f"+ok {SCRIPT}")
    claim = claims.claim_idea(partner, idea, org, plan=f"-plan {SCRIPT} {IMG}")
    claims.decide_claim(moderator, claim, "approve", "")
    outcomes.post_progress_update(partner, idea, f"@progress {SCRIPT}", organisation=org)
    report = outcomes.save_outcome_report(
        partner, idea, result="delivered", summary=f"=cmd|'/c calc'!A1 {SCRIPT}",
        people_reached=5, story=f"+story {IMG}", lessons="-lessons", submit=True,
        organisation=org)
    outcomes.publish_outcome(moderator, report)
    db.session.commit()
    return {"idea": idea, "org": org, "author": author, "moderator": moderator,
            "partner": partner}


def test_a_website_that_is_not_http_is_refused(make):
    from citizenideas.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        organisations.register_organisation(
            make.user(), name="Trust", registered_number=None,
            description="We help people in the area with many things.",
            website=JS_LINK, contact_email="org@example.org")
    assert "website" in exc.value.errors


PUBLIC_PAGES = ["/", "/ideas", "/ideas?q=Park", "/outcomes", "/accountability",
                "/feeds/ideas.atom", "/feeds/status-changes.atom", "/feeds/outcomes.atom",
                "/ideas.json", "/outcomes.json", "/api/v1/ideas"]


def test_public_pages_lists_and_feeds_show_hostile_text_as_text(client, hostile):
    idea = hostile["idea"]
    for path in PUBLIC_PAGES + [f"/ideas/{idea.id}", f"/api/v1/ideas/{idea.id}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_council_and_partner_pages_show_hostile_text_as_text(app, hostile, auth):
    idea = hostile["idea"]
    auth.sign_in("mod@example.org")
    for path in ["/council", f"/council/ideas/{idea.id}", "/council/claims", "/council/flags",
                 "/council/outcomes"]:
        response = auth.client.get(path)
        assert response.status_code == 200, path
        assert_inert(response)
    auth.sign_out()
    auth.sign_in("partner@example.org")
    for path in ["/partners", f"/partners/ideas/{idea.id}/volunteers",
                 f"/partners/ideas/{idea.id}/progress", f"/organisations/{hostile['org'].id}"]:
        response = auth.client.get(path)
        assert response.status_code == 200, path
        assert_inert(response)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("path", ["/ideas.csv", "/outcomes.csv"])
def test_csv_exports_neutralise_spreadsheet_formulas(client, hostile, path):
    response = client.get(path)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) > 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), (path, cell)
    text = response.get_data(as_text=True)
    if path == "/ideas.csv":
        assert "'=HYPERLINK(" in text
    if path == "/outcomes.csv":
        assert "'=cmd|" in text and "'@SUM(1)" in text and "'+story" in text


def test_numbers_in_csv_exports_are_left_as_numbers(client, hostile):
    rows = list(csv.DictReader(io.StringIO(client.get("/outcomes.csv").get_data(as_text=True))))
    assert rows[0]["people_reached"] == "5"


def test_emails_are_plain_text_with_hostile_text_kept_as_typed(hostile):
    notes = db.session.query(Notification).all()
    assert notes
    for note in notes:
        assert "\n" not in note.subject and "\r" not in note.subject


def test_public_exports_and_feeds_carry_no_personal_data(client, hostile):
    for path in ("/ideas.csv", "/ideas.json", "/outcomes.csv", "/outcomes.json",
                 "/accountability.csv", "/accountability.json", "/feeds/ideas.atom",
                 "/feeds/status-changes.atom", "/feeds/outcomes.atom"):
        text = client.get(path).get_data(as_text=True)
        for personal in ("author@example.org", "partner@example.org", "mod@example.org",
                         "Mallory"):
            assert personal not in text, (path, personal)
