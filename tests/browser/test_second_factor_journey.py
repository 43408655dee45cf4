"""A moderator sets up an authenticator app and signs in with its code, in a real browser at
phone size (390 px), with JavaScript on and off. Every page on the way passes axe and fits the
phone. The code is computed with pyotp from the key on the page, as the person's app would."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.second_factor_support import code_for

from .conftest import PHONE, assert_accessible, sign_in

EMAIL = "mo@example.org"


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _checked(page, heading: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    _fits_the_phone(page)


def test_a_moderator_sets_up_a_second_factor_then_signs_in_with_a_code(app, make, page,
                                                                        live_server):
    app.config["STAFF_2FA_REQUIRED"] = True
    make.user(role="moderator", email=EMAIL)
    base = live_server.url

    sign_in(page, base, EMAIL, PASSWORD)
    page.wait_for_url("**/second-factor/set-up")
    _checked(page, "Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")
           ).to_be_visible()
    secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
    expect(page.locator("[data-totp-secret]")).to_have_text(
        " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))
    field = page.get_by_label("Code from your authenticator app")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")

    field.fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(code_for(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    _checked(page, "Save your recovery codes")
    expect(page.locator(".ci-recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my codes: continue").click()
    page.goto(f"{base}/council")
    expect(page).to_have_url(f"{base}/council")

    # Sign out, and in again: now the code step after the password.
    page.goto(f"{base}/sign-out")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/code")
    _checked(page, "Enter your code")
    page.get_by_label("Code from your authenticator app").fill(code_for(secret, 1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("You are signed in")

    page.goto(f"{base}/me/second-factor/recovery-codes")
    _checked(page, "Make new recovery codes")
    page.goto(f"{base}/me/second-factor")
    _checked(page, "Second factor")
