"""The whole accountability loop in one browser session, switching accounts: a resident
proposes, a moderator accepts, partner@example.org claims, the moderator approves, the partner
posts progress and an outcome, the moderator publishes, and the resident sees the outcome and
a notification. Every page on the way passes axe (WCAG 2.2 AA), with JavaScript on and off."""

from __future__ import annotations

import re

from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Idea
from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

TITLE = "Fruit trees along the canal towpath"
ACCEPTED = "A lovely idea. We will look for a partner."
SUMMARY = "Twelve fruit trees planted along the towpath, with a watering rota."


def _sign_in(page, base: str, email: str) -> None:
    """Sign in through the form and wait until the page says so (with JS on, hx-boost posts
    the form in the background, so the load state alone does not tell)."""
    sign_in(page, base, email, PASSWORD)
    page.locator("a[href='/sign-out']").wait_for(state="attached")


def _switch(page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-out")
    page.get_by_role("button", name="Sign out").click()
    page.locator("a[href='/sign-in']").first.wait_for(state="attached")
    _sign_in(page, base, email)


def _visit(page, url: str) -> None:
    page.goto(url)
    assert_accessible(page)


def _idea_status(idea_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Idea.status).where(Idea.id == idea_id))


def _submit(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def test_an_idea_goes_from_proposal_to_published_outcome(page, live_server, make):
    base = live_server.url
    ward = make.ward(name="Canalside")
    category = make.category(name="Green spaces")
    resident = make.user(email="resident@example.org", display_name="Rosa")
    moderator = make.user(email="moderator@example.org", role="moderator")
    partner = make.user(email="partner@example.org", display_name="Pat")
    make.organisation(name="Canal Friends", members=[(partner, "manager")])

    # The resident proposes an idea.
    _sign_in(page, base, resident.email)
    _visit(page, f"{base}/ideas/new")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Describe your idea").fill(
        "Plant apple and pear trees along the towpath so everyone can pick fruit.")
    page.get_by_label("Category").select_option(label=category.name)
    page.get_by_label("Ward").select_option(label=ward.name)
    _submit(page, "Send your idea")
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    idea_id = int(page.url.rsplit("/", 1)[1])
    assert_accessible(page)

    # The moderator accepts it.
    _switch(page, base, moderator.email)
    _visit(page, f"{base}/council/ideas/{idea_id}")
    page.get_by_label("Accepted", exact=True).check()
    page.locator("#panel-status textarea#message").fill(ACCEPTED)
    _submit(page, "Change status")
    page.get_by_text(ACCEPTED).first.wait_for()
    assert _idea_status(idea_id) == "accepted"

    # The partner finds it and offers to deliver it.
    _switch(page, base, partner.email)
    _visit(page, f"{base}/partners/open")
    page.get_by_role("link", name=f"Offer to deliver {TITLE}").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Your plan").fill(
        "Our volunteers will plant twelve trees in March and set up a watering rota.")
    start = page.get_by_role("group", name=re.compile("expect to start"))
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("3")
    start.get_by_label("Year").fill("2027")
    _submit(page, "Send offer to the council")
    page.get_by_text("Your offer to deliver this idea has been sent").wait_for()
    assert_accessible(page)

    # The moderator approves the claim.
    _switch(page, base, moderator.email)
    _visit(page, f"{base}/council/claims")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Approve: they will deliver this idea").check()
    _submit(page, "Save decision")
    page.get_by_text("Claim approved.").wait_for()
    assert _idea_status(idea_id) == "in_delivery"

    # The partner posts progress, then reports the outcome.
    _switch(page, base, partner.email)
    _visit(page, f"{base}/partners")
    page.get_by_role("link", name=f"Post an update on {TITLE}").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Your update").fill("The trees are ordered and arrive next week.")
    _submit(page, "Publish update")
    page.get_by_text("Your update is published").wait_for()
    page.get_by_role("link", name=f"Report the outcome of {TITLE}").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Delivered", exact=True).check()
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("People reached (optional)").fill("240")
    page.get_by_label("Volunteer hours (optional)").fill("86.5")
    page.get_by_label("Spend in pounds (optional)").fill("1,180.00")
    page.get_by_label("The story, in your own words (optional)").fill(
        "Neighbours of every age turned out with spades.")
    _submit(page, "Submit for publication")
    page.get_by_text("Your report has been sent to the council").wait_for()

    # The moderator publishes it.
    _switch(page, base, moderator.email)
    _visit(page, f"{base}/council/outcomes")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_load_state()
    assert_accessible(page)
    _submit(page, "Publish outcome")
    page.get_by_text("The outcome is published").wait_for()
    assert _idea_status(idea_id) == "delivered"

    # The resident sees what happened, and was told.
    _switch(page, base, resident.email)
    _visit(page, f"{base}/ideas/{idea_id}")
    assert page.get_by_role("heading", name="What happened").is_visible()
    assert page.get_by_text(SUMMARY).first.is_visible()
    assert page.get_by_text("The trees are ordered and arrive next week.").is_visible()
    _visit(page, f"{base}/me/notifications")
    assert page.get_by_text(re.compile(f"{TITLE}: now Delivered")).first.is_visible()
