"""At phone size (390 px), JavaScript on and off: the operator of a transferred lido writes
its yearly report (a mistake first), a resident says how access changed for them, and a
moderator hides an abusive comment with a reason. Every page passes axe and fits the phone."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.after_transfer_support import days_ago, transferred
from tests.factories import PASSWORD, Factory

from .conftest import assert_accessible, sign_in


def check(page) -> None:
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_report_comment_and_hide(page, live_server):
    make = Factory()
    manager = make.user(email="sophie@example.org", display_name="Sophie")
    resident = make.user(email="rosa@example.org", display_name="Rosa")
    staff = make.user(role="moderator", email="mod@example.org")
    trust = make.organisation(name="Elmstead Lido Trust", members=[(manager, "manager")])
    lido = make.asset(name="Elmstead Lido", kind="pool", address="Lido Road")
    transferred(lido, trust, days_ago(370))
    base = live_server.url

    page.goto(f"{base}/assets/{lido.id}")
    expect(page.locator("main")).to_contain_text("Overdue")
    check(page)

    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/partners")
    check(page)
    page.get_by_role("link", name="Elmstead Lido: year 1").click()
    page.get_by_label("Opening hours this year").fill("7am to 8pm daily")
    page.get_by_label("Partly kept").check()
    page.get_by_role("button", name="Publish the report").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Opening hours this year")).to_have_value("7am to 8pm daily")
    check(page)
    page.get_by_label("Prices").fill("Adults 4 pounds")
    page.get_by_label("Changes to access").fill("A ramp at the door.")
    page.get_by_label("About the commitments").fill("Mondays close at 7pm.")
    page.get_by_role("button", name="Publish the report").click()
    expect(page.locator("main")).to_contain_text("Your report for year 1 is published.")
    expect(page.locator("main")).to_contain_text("Mondays close at 7pm.")
    check(page)

    page.context.clear_cookies()
    sign_in(page, base, resident.email, PASSWORD)
    page.goto(f"{base}/assets/{lido.id}")
    page.get_by_label("Worse").check()
    page.get_by_label("Say how (up to 500 characters)").fill("Rude words about a lifeguard.")
    page.get_by_role("button", name="Publish your comment").click()
    expect(page.locator("main")).to_contain_text("Rude words about a lifeguard.")
    check(page)

    page.context.clear_cookies()
    sign_in(page, base, staff.email, PASSWORD)
    page.goto(f"{base}/council")
    page.get_by_role("link", name="Yearly reports overdue from transferred places").click()
    expect(page.locator("main")).to_contain_text("Elmstead Lido Trust")
    check(page)
    page.goto(f"{base}/assets/{lido.id}")
    page.get_by_role("link", name="Hide this comment").click()
    page.get_by_role("button", name="Hide the comment").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check(page)
    page.get_by_label("Why hide it?").fill("It named a member of staff.")
    page.get_by_role("button", name="Hide the comment").click()
    expect(page.locator("main")).to_contain_text("Reason: It named a member of staff.")
    expect(page.locator("main")).not_to_contain_text("Rude words")
    check(page)

    page.goto(f"{base}/accountability")
    expect(page.locator("#transferred-places")).to_be_visible()
    check(page)
