"""The account journey in a real browser at phone size, with JavaScript on and off:
register (with a mistake first), confirm the email from the outbox link, sign in, sign out.
Every page on the way passes axe (WCAG 2.2 A/AA)."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import Notification, User

from .conftest import assert_accessible

EMAIL = "journey@example.org"
PASSWORD = "lantern-orchard-quietly"


def verification_link() -> str:
    db.session.expire_all()
    note = db.session.scalars(select(Notification).where(Notification.kind == "verify_email")
                              .order_by(Notification.id.desc())).first()
    assert note is not None, "no verification email in the outbox"
    return note.link


def test_register_verify_sign_in_and_sign_out(page, live_server):
    base = live_server.url
    header = page.locator("header")

    page.goto(f"{base}/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)

    # A mistake first: the error summary, the typed values kept, the password not.
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Display name").fill("Journey Person")
    page.get_by_label("Create a password").fill("short")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("at least 10 characters")
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    expect(page.get_by_label("Display name")).to_have_value("Journey Person")
    expect(page.get_by_label("Create a password")).to_have_value("")
    assert_accessible(page)

    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    page.goto(verification_link())
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#flash-messages")).to_contain_text("Your email address is confirmed")
    assert_accessible(page)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == EMAIL)).is_verified

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#flash-messages")).to_contain_text("You are signed in")
    expect(header.get_by_role("link", name="Your account", include_hidden=True)).to_have_count(1)
    expect(header.get_by_role("link", name="Sign in", include_hidden=True)).to_have_count(0)

    page.goto(f"{base}/sign-out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out")
    expect(page.get_by_text("You are signed in as Journey Person")).to_be_visible()
    assert_accessible(page)
    page.locator("main").get_by_role("button", name="Sign out").click()
    expect(page.locator("#flash-messages")).to_contain_text("You have signed out")
    expect(header.get_by_role("link", name="Sign in", include_hidden=True)).to_have_count(1)
    expect(header.get_by_role("link", name="Your account", include_hidden=True)).to_have_count(0)


def test_a_wrong_password_shows_an_accessible_error_summary(page, live_server, make):
    make.user(email="resident@example.org")
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill("resident@example.org")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct email address and password")
    expect(page.get_by_label("Email address")).to_have_value("resident@example.org")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page)


def test_the_password_pages_are_accessible(js_page, live_server, make):
    page, base = js_page, live_server.url
    make.user(email="resident@example.org")

    page.goto(f"{base}/forgot-password")
    assert_accessible(page)
    page.get_by_label("Email address").fill("resident@example.org")
    page.get_by_role("button").filter(has_text="Send").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    db.session.expire_all()
    link = db.session.scalars(select(Notification.link)
                              .where(Notification.kind == "reset_password")).first()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible(page)
    page.get_by_label("New password").fill("lantern-orchard-quietly")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator("#flash-messages")).to_contain_text("Your password has been changed")

    page.goto(link)  # used: a clear page
    expect(page.get_by_role("heading", level=1)).to_have_text("There is a problem with this link")
    assert_accessible(page)

    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill("resident@example.org")
    page.get_by_label("Password", exact=True).fill("lantern-orchard-quietly")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#flash-messages")).to_contain_text("You are signed in")
    page.goto(f"{base}/me/password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)


def test_too_many_failed_sign_ins_show_a_clear_page(page, live_server, make, rate_limited):
    from flask import current_app

    make.user(email="resident@example.org")
    limit = int(current_app.config["RATELIMIT_SIGN_IN"].split()[0])
    page.goto(f"{live_server.url}/sign-in")
    statuses = []
    for _ in range(limit + 1):
        page.get_by_label("Email address").fill("resident@example.org")
        page.get_by_label("Password", exact=True).fill("wrong-guess-123")
        # Mark this form, so the next guess waits for the answer's form to replace it (with
        # JS on, hx-boost swaps it in after the response has arrived).
        page.locator("main form").first.evaluate("form => form.dataset.answered = 'no'")
        with page.expect_response(lambda r: r.url.endswith("/sign-in")
                                  and r.request.method == "POST") as answer:
            page.get_by_role("button", name="Sign in").click()
        statuses.append(answer.value.status)
        expect(page.locator("main form[data-answered]")).to_have_count(0)
        if statuses[-1] == 429:
            break
    assert statuses == [422] * limit + [429]
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "You have tried to sign in to this account too many times")
    assert_accessible(page)
