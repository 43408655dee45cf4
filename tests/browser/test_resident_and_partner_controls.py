"""At phone size, JavaScript on and off: a resident withdraws an offer of help from the idea
page, deletes their account with their password (a wrong one first), and a manager changes
their organisation's details and makes a member a manager. Every page passes axe and fits
the phone's width."""

from __future__ import annotations

from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import Claim, Membership, Organisation, Pledge, User, utcnow
from citizenideas.services import engagement
from tests.factories import PASSWORD, Factory

from .conftest import assert_accessible, sign_in


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_a_resident_withdraws_an_offer_of_help_from_the_idea_page(page, live_server):
    make = Factory()
    resident = make.user(email="rita@example.org", display_name="Rita")
    partner = make.user()
    idea = make.idea(status="in_delivery", title="Repair cafe")
    org = make.organisation(name="Repair Friends", members=[(partner, "manager")])
    db.session.add(Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=partner.id,
                         plan="We will run it every Saturday morning.", status="approved",
                         decided_at=utcnow()))
    pledge = engagement.pledge_help(resident, idea, kind="time", message="Two hours a week")
    db.session.commit()

    sign_in(page, live_server.url, resident.email, PASSWORD)
    page.goto(f"{live_server.url}/ideas/{idea.id}")
    region = page.locator("#pledge")
    expect(region).to_contain_text("Two hours a week")
    # The approved claim is on the public timeline.
    expect(page.locator(".ci-timeline")).to_contain_text("Repair Friends is delivering this idea")
    assert_accessible(page)
    fits_the_phone(page)

    region.get_by_role("button", name="Withdraw this offer").click()
    # With JS the region says so; without, the banner at the top of the page.
    expect(page.locator("main")).to_contain_text("You have withdrawn your offer of help")
    expect(page.locator("#pledge")).not_to_contain_text("Two hours a week")
    assert_accessible(page)
    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).withdrawn_at is not None


def test_deleting_an_account_asks_for_the_password(page, live_server):
    make = Factory()
    resident = make.user(email="rita@example.org", display_name="Rita")
    sign_in(page, live_server.url, resident.email, PASSWORD)
    page.goto(f"{live_server.url}/me/delete")
    page.get_by_label("Yes, delete my account").check()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Your password is not correct")
    expect(page.get_by_label("Your password")).to_have_value("")
    assert_accessible(page)
    fits_the_phone(page)

    page.get_by_label("Yes, delete my account").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#flash-messages")).to_contain_text("Your account has been deleted")
    db.session.expire_all()
    assert db.session.get(User, resident.id).deleted_at is not None


def test_a_manager_changes_the_details_and_makes_a_member_a_manager(page, live_server):
    make = Factory()
    manager = make.user(email="maya@example.org", display_name="Maya")
    member = make.user(display_name="Mo")
    org = make.organisation(name="Repair Friends",
                            members=[(manager, "manager"), (member, "member")])
    sign_in(page, live_server.url, manager.email, PASSWORD)
    page.goto(f"{live_server.url}/organisations/{org.id}")
    assert_accessible(page)
    fits_the_phone(page)

    page.get_by_role("link", name="Change details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the organisation's details")
    page.get_by_label("Website (optional)").fill("not a web address")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("http")
    assert_accessible(page)
    fits_the_phone(page)
    page.get_by_label("Website (optional)").fill("https://repair.example.org")
    page.get_by_label("Name of the organisation").fill("Repair Friends CIC")
    page.get_by_label("What your organisation does").fill(
        "We fix things with our neighbours every Saturday morning.")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Repair Friends CIC")

    page.get_by_role("button", name="Make manager Mo").click()
    expect(page.locator("#flash-messages")).to_contain_text("Mo is now a manager")
    assert_accessible(page)
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).name == "Repair Friends CIC"
    assert db.session.query(Membership).filter_by(user_id=member.id).one().role == "manager"
