"""Signing in with the council account in Chromium at phone size, JavaScript on and off,
against the loopback OpenID Connect provider: the button, the round trip, and the pages for
a refusal and a failure, each accessible (axe) and no wider than the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..oidc_provider import CLIENT_ID, CLIENT_SECRET, ProviderServer
from .conftest import assert_accessible

BUTTON = "Sign in with your council account"


@pytest.fixture(scope="module")
def provider_server():
    server = ProviderServer()
    yield server
    server.stop()


@pytest.fixture
def provider(app, live_server, provider_server):
    provider = provider_server.provider
    provider.reset()
    app.extensions.pop("citizenideas.sso", None)
    app.config.update(OIDC_ISSUER=provider.url, OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET=CLIENT_SECRET)
    return provider


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        f"{page.url} is wider than the phone"


def test_a_moderator_signs_in_with_the_council_account(page, live_server, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    page.goto(f"{live_server.url}/sign-in?next=/council")
    button = page.get_by_role("button", name=BUTTON)
    expect(button).to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)

    button.click()
    page.wait_for_url(f"{live_server.url}/council")
    expect(page.get_by_text("You are signed in with your council account.")).to_be_visible()
    assert provider.authorize_requests[0]["code_challenge_method"] == "S256"


def test_a_resident_is_told_to_ask_the_councils_administrator(page, live_server, make,
                                                               provider):
    make.user(email="moderator@example.org")
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_role("button", name=BUTTON).click()
    heading = page.get_by_role("heading", name="You cannot sign in here with your council "
                                              "account")
    expect(heading).to_be_visible()
    expect(page.get_by_text("not a council staff or organisation manager account")) \
        .to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)


def test_a_token_that_fails_its_checks_ends_on_a_clear_page(page, live_server, make,
                                                            provider):
    make.user(role="moderator", email="moderator@example.org")
    provider.token_changes = {"other_key": True}
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_role("button", name=BUTTON).click()
    expect(page.get_by_role("heading", name="Signing in with your council account did not "
                                           "work")).to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)
