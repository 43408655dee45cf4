"""What staff and residents see on a 390 px phone, JavaScript on and off: one entry for an
item several residents reported, resolved with one decision; ideas overdue for a decision in
the council queue; the audit log as readable lines; and a page number past the end of the
ideas list landing on the last page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import Flag, utcnow
from citizenideas.services.lifecycle import change_status
from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"


def test_moderator_resolves_three_reports_of_one_idea_at_once(page, live_server, make):
    make.user(email="moderator@example.org", role="moderator")
    idea = make.idea(title="Street party on Elm Road")
    for n, (name, reason) in enumerate((("Ann", "It names my neighbour"),
                                        ("Bob", "Personal details in the text"),
                                        ("Cat", "Spam"))):
        db.session.add(Flag(reporter_id=make.user(display_name=f"{name} Reporter").id,
                            idea_id=idea.id, target_type="idea", target_id=idea.id,
                            reason=reason, created_at=utcnow() - timedelta(minutes=10 - n)))
    db.session.commit()
    base = live_server.url
    sign_in(page, base, "moderator@example.org", PASSWORD)
    page.goto(f"{base}/council/flags")
    entries = page.locator("main li.ci-card")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("3 reports")
    for text in ("Ann Reporter", "Bob Reporter", "Cat Reporter", "Spam"):
        expect(entries.first).to_contain_text(text)
    _fits_the_phone(page)
    assert_accessible(page)
    page.get_by_label("Uphold: hide it").check()
    page.get_by_label("Message to the author (sent by email and shown to them)").fill(
        "Your idea named a private person.")
    page.get_by_role("button", name="Resolve all 3 reports").click()
    expect(page.get_by_text("3 reports resolved.")).to_be_visible()
    expect(page.get_by_text("No open reports.")).to_be_visible()
    assert db.session.query(Flag).filter(Flag.resolved_at.is_(None)).count() == 0


def test_moderator_finds_ideas_overdue_for_a_decision(page, live_server, make):
    make.user(email="moderator@example.org", role="moderator")
    created = utcnow() - timedelta(days=159)
    make.idea(title="Stuck under review for months", status="under_review", created_at=created,
              first_response_at=created + timedelta(days=3))
    make.idea(title="Fresh idea")
    base = live_server.url
    sign_in(page, base, "moderator@example.org", PASSWORD)
    page.goto(f"{base}/council")
    page.get_by_role("link", name="Overdue for a decision (none within 56 days): 1").click()
    expect(page.get_by_text("Stuck under review for months")).to_be_visible()
    expect(page.get_by_text("Fresh idea")).to_have_count(0)
    expect(page.locator("main .govuk-tag", has_text="Decision overdue")).to_have_count(1)
    _fits_the_phone(page)
    assert_accessible(page)


def test_admin_reads_the_audit_log_as_lines_on_a_phone(page, live_server, make):
    admin = make.user(email="admin@example.org", role="admin")
    idea = make.idea()
    change_status(admin, idea, "declined",
                  "Café “benches” & <tables> are outside what the council can do here "
                  "because the riverside path belongs to the waterways trust, not to us.")
    db.session.commit()
    base = live_server.url
    sign_in(page, base, "admin@example.org", PASSWORD)
    page.goto(f"{base}/admin/audit")
    entry = page.locator("main li.ci-card").first
    expect(entry).to_contain_text("Status changed")
    expect(entry).to_contain_text("Status: Submitted \u2192 Declined")
    expect(entry).to_contain_text("Public message: Café “benches” & <tables> are outside")
    expect(entry).not_to_contain_text("\\u")
    entry.get_by_text("Raw record").click()
    expect(entry.locator("pre")).to_be_visible()
    _fits_the_phone(page)
    assert_accessible(page)


def test_a_page_number_past_the_end_lands_on_the_last_page(page, live_server, make):
    for n in range(23):
        make.idea(title=f"Planters on the high street {n}")
    base = live_server.url
    page.goto(f"{base}/ideas?page=999&sort=newest")
    assert "page=2" in page.url and "sort=newest" in page.url
    expect(page.get_by_text("No ideas match")).to_have_count(0)
    expect(page.locator("main").get_by_text("Planters on the high street 0")).to_be_visible()
    assert_accessible(page)
