"""A resident on a phone types a comment, their session ends before they press "Post comment"
(signed out in another tab, or the session cookie gone), and nothing is lost: they sign in,
land back on the idea's page (not on a POST-only address answering 405) with their words in
the box, and post them. With JavaScript on, the sign-in page loads as a whole page rather than
inside the comments region."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

WORDS = "Could the benches face the pond? Older people could sit in the shade there."


def sign_out_in_another_tab(page, base: str) -> None:
    other = page.context.new_page()
    other.goto(f"{base}/sign-out")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_text("You have signed out.")).to_be_visible()
    other.close()


@pytest.mark.parametrize("ending", ["signed-out-elsewhere", "cookies-cleared"])
def test_a_comment_typed_before_the_session_ended_is_posted_after_signing_in(
        page, live_server, make, ending):
    base = live_server.url
    make.user(email="sam@example.org", display_name="Sam")
    idea = make.idea(title="Benches for the park")
    sign_in(page, base, "sam@example.org", PASSWORD)
    page.goto(f"{base}/ideas/{idea.id}")
    page.get_by_label("Add a comment").fill(WORDS)

    if ending == "signed-out-elsewhere":
        sign_out_in_another_tab(page, base)
    else:
        page.context.clear_cookies()
    page.get_by_role("button", name="Post comment").click()

    # The sign-in page, as a whole page (one main, one header), saying the words are kept.
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    assert "/sign-in" in page.url
    expect(page.locator("main")).to_have_count(1)
    expect(page.get_by_text("What you wrote has been kept")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)

    assert page.url.split("#")[0] == f"{base}/ideas/{idea.id}"
    expect(page.get_by_role("heading", name="Benches for the park")).to_be_visible()
    expect(page.get_by_label("Add a comment")).to_have_value(WORDS)
    expect(page.get_by_text("Your comment has not been posted yet: check it and post it "
                            "again.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", name="1 comment", exact=True)).to_be_visible()
    expect(page.locator("#comments li.ci-card").last).to_contain_text(WORDS)
    expect(page.get_by_label("Add a comment")).to_have_value("")
