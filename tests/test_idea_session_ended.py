"""A resident's session ends while a form on an idea's page is open (signed out in another tab,
cookies cleared, or a stale CSRF token): nothing they typed is lost, nothing is done on their
behalf, signing in brings them back to the idea's page (never to a POST-only address) with the
form filled in again, and an HTMX request goes to the sign-in page as a whole page."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Comment, Flag, Follow, Pledge, Support
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


@dataclass
class Form:
    """One form on the idea page: where it posts, what is typed, where it shows again."""

    path: str  # the POST path after /ideas/<id>/
    data: dict
    model: type
    notice: str  # what the form says when it is shown again, not yet sent
    typed: list[str] = field(default_factory=list)  # text that must be in the form again


FORMS = {
    "comment": Form("comments", {"body": "Benches by the pond, please & thanks"}, Comment,
                    "Your comment has not been posted yet",
                    ["Benches by the pond, please &amp; thanks"]),
    "pledge": Form("pledges", {"kind": "skills", "message": "I can paint the fence on Saturdays",
                               "hours": "3"}, Pledge,
                   "Your offer of help has not been sent yet",
                   ["I can paint the fence on Saturdays", 'value="3"']),
    "flag": Form("flag", {"reason": "It shares someone's phone number"}, Flag,
                 "Your report has not been sent yet",
                 ["It shares someone&#39;s phone number"]),
    "support": Form("support", {}, Support, "You have not supported this idea yet"),
    "follow": Form("follow", {}, Follow, "You are not following this idea yet"),
}
ALL = pytest.mark.parametrize("name", list(FORMS))


def page_text(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def next_of(location: str) -> str:
    """The next= of a sign-in address."""
    parts = urlsplit(location)
    assert parts.path == "/sign-in", location
    return parse_qs(parts.query)["next"][0]


@pytest.fixture
def scene(make, client, auth):
    """Sam is signed in and has the idea's page open (with its CSRF token)."""
    make.user(email="sam@example.org")
    idea = make.idea(title="Benches for the park")
    auth.sign_in("sam@example.org")
    token = csrf_token(client, f"/ideas/{idea.id}")
    return idea, token


def post(client, idea, form: Form, token: str | None, headers=None):
    data = dict(form.data)
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/ideas/{idea.id}/{form.path}", data=data, headers=headers or {},
                       environ_base={"HTTP_REFERER": f"http://localhost/ideas/{idea.id}"})


def checked_kind(page: str) -> str | None:
    match = re.search(r'<input[^>]*name="kind"[^>]*value="(\w+)"[^>]*checked', page)
    return match.group(1) if match else None


# ------------------------------------------------------------ signed out in another tab

@ALL
def test_a_post_after_signing_out_elsewhere_goes_to_sign_in_with_next_the_idea_page(
        name, client, auth, scene):
    idea, token = scene
    form = FORMS[name]
    auth.sign_out()  # in another tab: this tab's CSRF token still holds

    response = post(client, idea, form, token)

    assert response.status_code in (302, 303)
    target = next_of(response.headers["Location"])
    assert urlsplit(target).path == f"/ideas/{idea.id}"
    assert count(form.model) == 0


@ALL
def test_an_htmx_post_after_signing_out_goes_to_sign_in_as_a_whole_page(
        name, client, auth, scene):
    idea, token = scene
    form = FORMS[name]
    auth.sign_out()

    response = post(client, idea, form, token, headers=HX)

    assert response.status_code < 300
    assert urlsplit(next_of(response.headers["HX-Redirect"])).path == f"/ideas/{idea.id}"
    body = page_text(response)
    assert "<main" not in body and "Sign in" not in body  # no sign-in page to swap in
    assert count(form.model) == 0


@ALL
def test_what_was_typed_is_in_the_form_again_after_signing_in(name, client, auth, scene):
    idea, token = scene
    form = FORMS[name]
    auth.sign_out()
    sign_in_page = post(client, idea, form, token).headers["Location"]

    signed_in = client.post(sign_in_page, data={
        "email": "sam@example.org", "password": "correct-horse-battery",
        "csrf_token": csrf_token(client, sign_in_page)})
    assert signed_in.status_code == 303
    assert urlsplit(signed_in.headers["Location"]).path == f"/ideas/{idea.id}"

    page = page_text(client.get(signed_in.headers["Location"]))
    assert form.notice in htmllib.unescape(page)
    for text in form.typed:
        assert text in page
    if name == "pledge":
        assert checked_kind(page) == "skills"
    assert count(form.model) == 0  # nothing is sent until they press the button again

    # Shown once: the draft is then forgotten.
    again = page_text(client.get(f"/ideas/{idea.id}"))
    assert form.notice not in htmllib.unescape(again)


def test_the_kept_comment_can_then_be_posted(client, auth, scene):
    idea, token = scene
    auth.sign_out()
    post(client, idea, FORMS["comment"], token)
    auth.sign_in("sam@example.org")
    page = page_text(client.get(f"/ideas/{idea.id}"))
    assert "Benches by the pond" in page

    posted = client.post(f"/ideas/{idea.id}/comments", data={
        "body": "Benches by the pond, please & thanks",
        "csrf_token": csrf_token(client, f"/ideas/{idea.id}")})
    assert posted.status_code == 303
    assert count(Comment) == 1


def test_a_comment_on_a_reported_comment_form_comes_back_to_that_comment(
        client, auth, make, scene):
    idea, token = scene
    other = make.user(display_name="Loud")
    db.session.add(Comment(idea_id=idea.id, author_id=other.id, body="Buy my sofas"))
    db.session.commit()
    target = db.session.scalar(select(Comment))
    token = csrf_token(client, f"/ideas/{idea.id}")
    auth.sign_out()

    response = client.post(f"/ideas/{idea.id}/flag", data={
        "comment_id": target.id, "reason": "Advertising sofas", "csrf_token": token})
    assert urlsplit(next_of(response.headers["Location"])).path == f"/ideas/{idea.id}"
    auth.sign_in("sam@example.org")
    page = page_text(client.get(f"/ideas/{idea.id}"))
    assert "Advertising sofas" in page
    assert "Your report has not been sent yet" in page
    assert count(Flag) == 0


def test_someone_else_signing_in_later_in_another_browser_does_not_see_the_draft(
        app, client, auth, make, scene):
    idea, token = scene
    auth.sign_out()
    post(client, idea, FORMS["comment"], token)
    make.user(email="kim@example.org")
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).sign_in("kim@example.org")
    assert "Benches by the pond" not in page_text(other.get(f"/ideas/{idea.id}"))


# ------------------------------------------------------------ cookies cleared

@ALL
def test_a_post_with_the_session_gone_keeps_the_draft_and_asks_to_sign_in(
        name, client, auth, scene):
    idea, token = scene
    form = FORMS[name]
    client.delete_cookie("session")  # the session cookie expired or was cleared

    response = post(client, idea, form, token, headers=HX)
    assert urlsplit(next_of(response.headers["HX-Redirect"])).path == f"/ideas/{idea.id}"
    assert count(form.model) == 0

    auth.sign_in("sam@example.org")
    page = page_text(client.get(f"/ideas/{idea.id}"))
    assert form.notice in htmllib.unescape(page)
    for text in form.typed:
        assert text in page


# ------------------------------------------------------------ a stale CSRF token

@ALL
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_stale_csrf_token_shows_the_form_again_with_what_was_typed(
        name, htmx, client, scene):
    idea, _token = scene
    form = FORMS[name]

    response = post(client, idea, form, "stale-token", headers=HX if htmx else None)

    assert response.status_code == 400
    body = page_text(response)
    assert "Your session timed out." in body
    assert form.notice in htmllib.unescape(body)
    for text in form.typed:
        assert text in body
    assert ("<html" in body) is not htmx  # HTMX gets its region back, in place
    assert count(form.model) == 0


def test_the_form_shown_again_after_a_stale_token_can_be_sent(client, scene):
    idea, _token = scene
    response = post(client, idea, FORMS["comment"], "stale-token", headers=HX)
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page_text(response)).group(1)

    sent = client.post(f"/ideas/{idea.id}/comments", headers=HX, data={
        "body": "Benches by the pond, please & thanks", "csrf_token": fresh})
    assert sent.status_code == 200
    assert count(Comment) == 1


def test_a_missing_csrf_token_is_still_refused_for_other_forms(client, scene):
    """Only the idea page's forms are shown again; elsewhere a bad token stays a 400 page."""
    response = client.post("/me/password", data={"current_password": "x"})
    assert response.status_code == 400


# ------------------------------------------------------------ next= stays on this site

def test_next_after_a_post_never_names_the_post_only_address_even_with_a_foreign_referer(
        client, make):
    idea = make.idea()
    token = csrf_token(client)
    response = client.post(f"/ideas/{idea.id}/comments", data={
        "body": "Hello", "csrf_token": token},
        environ_base={"HTTP_REFERER": "https://evil.example/ideas/1"})
    target = next_of(response.headers["Location"])
    assert target.startswith(f"/ideas/{idea.id}")
    assert "comments" not in urlsplit(target).path


def test_a_post_elsewhere_that_needs_sign_in_returns_to_the_page_it_came_from(client, make):
    """Any other POST-only action: next= is the same-site page it was sent from."""
    token = csrf_token(client)
    response = client.post("/verify-email/resend", data={"csrf_token": token},
                           environ_base={"HTTP_REFERER": "http://localhost/me?tab=2"})
    assert next_of(response.headers["Location"]) == "/me?tab=2"
    foreign = client.post("/verify-email/resend", data={"csrf_token": token},
                          environ_base={"HTTP_REFERER": "https://evil.example/me"})
    assert next_of(foreign.headers["Location"]) == "/"


def test_an_htmx_get_that_needs_sign_in_also_loads_the_sign_in_page_whole(client):
    response = client.get("/me", headers=HX)
    assert next_of(response.headers["HX-Redirect"]) == "/me"
    assert "<main" not in page_text(response)


# ------------------------------------------------------------ abuse

def test_drafts_from_one_address_without_a_session_are_capped(client, make, rate_limited,
                                                              monkeypatch):
    """A script posting forms with no cookies cannot fill the database: past the cap per
    address the sender is still asked to sign in, but nothing more is kept."""
    from citizenideas.models import FormDraft
    from citizenideas.web import ideas as idea_views

    monkeypatch.setattr(idea_views, "DRAFTS_PER_ADDRESS", "3 per hour")
    idea = make.idea()
    for n in range(5):
        client.delete_cookie("session")
        response = client.post(f"/ideas/{idea.id}/pledges",
                               data={"kind": "time", "message": f"Spam {n}"})
        assert next_of(response.headers["Location"]).startswith(f"/ideas/{idea.id}")
    assert count(FormDraft) == 3


def test_a_draft_is_kept_a_day_at_most_and_a_browser_keeps_twenty_at_most(app, make):
    from datetime import timedelta

    from citizenideas.models import FormDraft, utcnow
    from citizenideas.services import drafts

    ideas = [make.idea() for _ in range(22)]
    for idea in ideas:
        drafts.keep_draft("browser-a", idea, "comments", {"body": f"About {idea.id}",
                                                          "unknown": "dropped"})
    db.session.commit()
    assert count(FormDraft) == drafts.MOST_PER_BROWSER == 20
    assert drafts.take_drafts("browser-a", ideas[0]) == {}  # the oldest went first
    assert drafts.take_drafts("browser-a", ideas[-1]) == {
        "comments": {"body": f"About {ideas[-1].id}"}}
    assert drafts.take_drafts("browser-a", ideas[-1]) == {}  # shown once
    assert drafts.take_drafts("browser-b", ideas[-2]) == {}  # another browser's

    db.session.execute(FormDraft.__table__.update().values(
        created_at=utcnow() - timedelta(hours=25)))
    assert drafts.take_drafts("browser-a", ideas[-2]) == {}
    drafts.keep_draft("browser-c", ideas[0], "pledge", {"message": "Fresh"})
    db.session.commit()
    assert count(FormDraft) == 1  # the stale ones were dropped on the way
