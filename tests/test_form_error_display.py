"""A form that fails shows it the GOV.UK way, whatever the form: the page title starts with
"Error: ", and the error summary is the first thing on the page, or, on a long page whose
form sits far down, at the top of that form, which the form's action URL points at (so a
browser without JavaScript lands on it). An HTMX region shown again with an error carries the
page title too (htmx puts a top-level <title> of a fragment in the document)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


def html(response) -> str:
    return response.get_data(as_text=True)


def main_of(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def assert_title_says_error(page: str) -> None:
    title = re.search(r"<title[^>]*>(.*?)</title>", page, re.S).group(1).strip()
    assert title.startswith("Error: "), title


def assert_summary_first(page: str) -> None:
    """The error summary comes before the page's heading and before any form."""
    main = main_of(page)
    summary = main.index('class="govuk-error-summary"')
    assert summary < main.index("<h1"), "the error summary is below the page heading"
    assert summary < main.index("<form"), "the error summary is below a form"


def assert_summary_at_anchor(page: str, action: str) -> None:
    """The failing form's action URL ends in an anchor, and the error summary is the first
    thing after that anchor (so the browser scrolls to it)."""
    match = re.search(rf'action="{re.escape(action)}#([\w-]+)"', page)
    assert match, f"the form posting to {action} has no anchor in its action"
    anchor = match.group(1)
    start = page.index(f'id="{anchor}"')
    summary = page.index('class="govuk-error-summary"', start)
    between = page[start:summary]
    assert not re.search(r'<textarea|<select|<input type="text"|<p ', between), \
        "something stands between the anchor and the error summary"
    assert len(between) < 600, "the error summary is far below the anchor"


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def resident(make, auth):
    user = make.user(email="resident@example.org", display_name="Rita")
    auth.sign_in(user.email)
    return user


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="mod@example.org")
    auth.sign_in(user.email)
    return user


@pytest.fixture
def admin(make, auth):
    user = make.user(role="admin", email="admin@example.org")
    auth.sign_in(user.email)
    return user


# ------------------------------------------------------------------ the idea page (long)

IDEA_FORMS = {
    "comment": ("comments", {"body": ""}),
    "pledge": ("pledges", {"kind": "", "message": ""}),
    "report the idea": ("flag", {"reason": ""}),
}


@pytest.mark.parametrize("form", IDEA_FORMS)
def test_an_idea_page_form_fails_with_error_title_and_summary_at_its_anchor(
        client, make, resident, form):
    idea = make.idea(status="accepted")
    path, data = IDEA_FORMS[form]
    action = f"/ideas/{idea.id}/{path}"
    response = client.post(action, data={"csrf_token": csrf_token(client, "/me"), **data})
    page = html(response)
    assert response.status_code == 422
    assert_title_says_error(page)
    assert_summary_at_anchor(page, action)


def test_reporting_a_comment_fails_with_error_title_and_summary_at_the_comment(
        client, make, resident):
    idea = make.idea(status="accepted")
    other = make.user()
    from citizenideas.extensions import db
    from citizenideas.models import Comment

    comment = Comment(idea_id=idea.id, author_id=other.id, body="Hello there")
    db.session.add(comment)
    db.session.commit()
    action = f"/ideas/{idea.id}/flag"
    response = client.post(action, data={"csrf_token": csrf_token(client, "/me"),
                                         "comment_id": comment.id, "reason": ""})
    page = html(response)
    assert response.status_code == 422
    assert_title_says_error(page)
    assert_summary_at_anchor(page, action)


def test_an_htmx_comment_error_carries_the_error_title_and_a_later_success_clears_it(
        client, make, resident):
    idea = make.idea(status="accepted", title="Fix the bus shelter")
    token = csrf_token(client, "/me")
    failed = html(client.post(f"/ideas/{idea.id}/comments", data={"csrf_token": token,
                                                                   "body": ""}, headers=HX))
    assert "<title>Error: Fix the bus shelter" in failed
    posted = html(client.post(f"/ideas/{idea.id}/comments",
                              data={"csrf_token": token, "body": "Yes please"}, headers=HX))
    assert "<title>Fix the bus shelter" in posted


# ------------------------------------------------------------------ whole-page forms


def _idea_form_fields(make):
    return {"title": "", "description": "", "category_id": make.category().id,
            "ward_id": make.ward().id}


PAGE_FORMS = {
    "propose": ("resident", lambda make, ids: ("/ideas/new", {"title": "Short"})),
    "edit": ("resident", lambda make, ids: (f"/ideas/{ids['own_idea']}/edit", {"title": ""})),
    "withdraw": ("resident", lambda make, ids: (f"/ideas/{ids['own_idea']}/withdraw",
                                                {"message": ""})),
    "profile": ("resident", lambda make, ids: ("/me", {"display_name": ""})),
    "change password": ("resident", lambda make, ids: ("/me/password",
                                                       {"current_password": "nope"})),
    "register organisation": ("resident", lambda make, ids: ("/organisations/new", {"name": ""})),
    "council bulk status": ("moderator", lambda make, ids: ("/council/bulk-status",
                                                            {"bulk_status": ""})),
    "admin wards": ("admin", lambda make, ids: ("/admin/wards", {"name": ""})),
    "admin settings": ("admin", lambda make, ids: ("/admin/settings", {"COUNCIL_NAME": ""})),
    "admin template": ("admin", lambda make, ids: ("/admin/templates/new", {"title": ""})),
    "new place": ("moderator", lambda make, ids: ("/assets/new", {"name": ""})),
}


@pytest.mark.parametrize("form", PAGE_FORMS)
def test_a_page_form_fails_with_error_title_and_the_summary_first(client, make, auth, form):
    role, build = PAGE_FORMS[form]
    user = make.user(role=role if role != "resident" else "resident", email=f"{role}@example.org")
    own = make.idea(author=user)
    auth.sign_in(user.email)
    path, data = build(make, {"own_idea": own.id})
    response = client.post(path, data={"csrf_token": csrf_token(client, "/me"), **data})
    page = html(response)
    assert response.status_code == 422, page[:300]
    assert_title_says_error(page)
    assert_summary_first(page)


def test_sign_in_fails_with_error_title_and_the_summary_first(client, make):
    make.user(email="rita@example.org")
    response = client.post("/sign-in", data={"csrf_token": csrf_token(client),
                                             "email": "rita@example.org", "password": "wrong"})
    page = html(response)
    assert response.status_code in (401, 422)
    assert_title_says_error(page)
    assert_summary_first(page)


def test_register_fails_with_error_title_and_the_summary_first(client):
    response = client.post("/register", data={"csrf_token": csrf_token(client, "/register"),
                                              "email": "not-an-email"})
    page = html(response)
    assert response.status_code == 422
    assert_title_says_error(page)
    assert_summary_first(page)


def test_a_council_panel_fails_with_error_title_and_summary_at_the_panel(client, make, moderator):
    idea = make.idea()
    action = f"/council/ideas/{idea.id}/notes"
    response = client.post(action, data={"csrf_token": csrf_token(client, "/me"), "note": ""})
    page = html(response)
    assert response.status_code == 422
    assert_title_says_error(page)
    assert_summary_at_anchor(page, action)


def test_a_partner_claim_fails_with_error_title_and_the_summary_first(client, make, auth):
    partner = make.user(email="partner@example.org")
    make.organisation(members=[(partner, "manager")])
    idea = make.idea(status="accepted")
    auth.sign_in(partner.email)
    path = f"/partners/ideas/{idea.id}/claim"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "plan": ""})
    page = html(response)
    assert response.status_code == 422
    assert_title_says_error(page)
    assert_summary_first(page)


def test_a_page_without_errors_has_a_plain_title(client, make, resident):
    idea = make.idea(status="accepted", title="Fix the bus shelter")
    page = html(client.get(f"/ideas/{idea.id}"))
    assert re.search(r"<title[^>]*>\s*Fix the bus shelter", page)
    assert "<title>Error" not in html(client.get("/ideas/new"))
