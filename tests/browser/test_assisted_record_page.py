"""On a phone (390 px), JavaScript on and off: a moderator records an idea for a resident who
phoned. A mistake shows its errors by field and keeps what was typed; the recorded idea's
public page names the council, never the resident; every page on the way passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

NAME = "Zephyrine Quillfeather"


@pytest.fixture
def council(make):
    make.user(role="moderator", email="mod@example.org")
    make.category(name="Streets")
    make.ward(name="Millbrook")


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width


def test_a_moderator_records_an_idea_for_a_resident_on_a_phone(page, live_server, council):
    base = live_server.url
    assert page.viewport_size["width"] == 390
    sign_in(page, base, "mod@example.org", PASSWORD)
    page.goto(f"{base}/council")
    page.get_by_role("link", name="Record an idea for a resident").click()
    expect(page.get_by_role("heading", name="Record an idea for a resident")).to_be_visible()
    fits_the_phone(page)
    assert_accessible(page)

    # A first try with mistakes: the errors by field, and nothing typed is lost.
    page.get_by_label("Resident\u2019s name").fill(NAME)
    page.get_by_role("radio", name="Email").check()
    page.get_by_label("Phone number (optional)").fill("01632 960 123")
    page.get_by_label("Title").fill("A bench at the Mill Lane bus stop")
    page.get_by_role("button", name="Record the idea").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the email address the resident wrote from")
    expect(summary).to_contain_text("Describe your idea")
    expect(page.get_by_label("Resident\u2019s name")).to_have_value(NAME)
    expect(page.get_by_label("Title")).to_have_value("A bench at the Mill Lane bus stop")
    fits_the_phone(page)
    assert_accessible(page)

    page.get_by_role("radio", name="Phone call").check()
    page.get_by_label("Describe your idea").fill(
        "A bench by the bus stop so older neighbours can rest while they wait.")
    page.get_by_label("Category").select_option(label="Streets")
    page.get_by_label("Ward").select_option(label="Millbrook")
    page.get_by_role("button", name="Record the idea").click()
    page.wait_for_url(re.compile(r"/council/ideas/\d+"))
    expect(page.get_by_text("The idea has been recorded for the resident")).to_be_visible()
    expect(page.locator("#represented-resident")).to_contain_text(NAME)
    fits_the_phone(page)
    assert_accessible(page)

    page.get_by_role("link", name="See the public page").click()
    expect(page.get_by_text("Recorded by the council on behalf of a resident")).to_be_visible()
    assert_accessible(page)
