"""The ideas pages, with JavaScript off (plain posts and redirects) and on (HTMX fragments)."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.models import Comment, Flag, Follow, Idea, Pledge, Support
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}
DESCRIPTION = "Neighbours meet once a month to fix bikes, toasters and clothes together."


@pytest.fixture
def resident(make, auth):
    user = make.user(email="resident@example.org", display_name="Rita")
    auth.sign_in(user.email)
    return user


@pytest.fixture
def token(client, resident):
    return csrf_token(client, "/me")


def html(response) -> str:
    return response.get_data(as_text=True)


# ------------------------------------------------------------------ /ideas

def test_ideas_list_searches_filters_and_counts(client, make):
    ward = make.ward(name="Riverside")
    make.idea(title="Litter pick by the river", ward=ward)
    make.idea(title="Litter bins in the park")
    make.idea(title="Repair cafe")
    page = html(client.get(f"/ideas?q=litter&ward={ward.id}"))
    assert "1 idea found" in page
    assert "Litter pick by the river" in page and "Litter bins in the park" not in page
    assert 'data-hx-push-url="true"' in page and "<html" in page


def test_ideas_list_answers_htmx_with_the_results_region_only(client, make):
    make.idea(title="Litter pick by the river")
    response = client.get("/ideas?q=river", headers={**HX, "HX-Target": "idea-results"})
    body = html(response)
    assert body.lstrip().startswith('<div id="idea-results">') and "<html" not in body
    assert 'id="ideas-status" data-hx-swap-oob="innerHTML">1 idea found' in body
    assert "HX-Request" in response.headers["Vary"]


def test_ideas_list_paginates_with_links_that_keep_the_filters(client, make):
    for n in range(23):
        make.idea(title=f"Bench {n:02d} for the square")
    page = html(client.get("/ideas?q=bench&sort=newest"))
    assert "23 ideas found" in page and 'class="govuk-pagination' in page
    assert "/ideas?page=2&amp;q=bench&amp;sort=newest" in page
    assert "Bench 02" in html(client.get("/ideas?q=bench&sort=newest&page=2"))


def test_hidden_withdrawn_and_duplicate_ideas_stay_out_of_the_public_list(client, make):
    make.idea(title="Visible idea here")
    make.idea(title="Hidden idea here", hidden=True)
    make.idea(title="Withdrawn idea here", status="withdrawn")
    page = html(client.get("/ideas"))
    assert "Visible idea here" in page
    assert "Hidden idea here" not in page and "Withdrawn idea here" not in page
    assert "only when you choose that status" in page
    assert "Withdrawn idea here" in html(client.get("/ideas?status=withdrawn"))


# ------------------------------------------------------------------ propose

def test_similar_ideas_fragment_lists_matches_with_their_status(client, make):
    make.idea(title="Community garden on Elm Street", status="accepted")
    body = html(client.get("/ideas/similar?title=garden+in+elm+street"))
    assert "Community garden on Elm Street" in body and "Accepted" in body
    assert "<html" not in body
    assert html(client.get("/ideas/similar?title=zzzzzz")).strip() == ""


def test_proposing_needs_a_signed_in_account(client):
    response = client.get("/ideas/new")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_propose_without_similar_ideas_creates_it_at_once(client, make, token):
    ward, category = make.ward(), make.category()
    response = client.post("/ideas/new", data={
        "csrf_token": token, "title": "Monthly repair cafe", "description": DESCRIPTION,
        "category_id": category.id, "ward_id": ward.id})
    assert response.status_code == 303
    idea = db.session.query(Idea).one()
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert "Its reference is DB-20" in html(client.get(response.headers["Location"]))


def test_propose_shows_similar_ideas_on_a_confirm_step_keeping_every_field(client, make, token):
    ward, category = make.ward(), make.category()
    existing = make.idea(title="Repair cafe at the library")
    fields = {"csrf_token": token, "title": "Monthly repair cafe", "description": DESCRIPTION,
              "category_id": category.id, "ward_id": ward.id, "location_text": "Town hall"}
    confirm = client.post("/ideas/new", data=fields)
    page = html(confirm)
    assert confirm.status_code == 200 and "Similar ideas already exist" in page
    assert f'href="/ideas/{existing.id}#support"' in page and "Support this instead" in page
    assert 'name="location_text" value="Town hall"' in page
    assert db.session.query(Idea).count() == 1
    created = client.post("/ideas/new", data={**fields, "confirmed": "1"})
    assert created.status_code == 303 and db.session.query(Idea).count() == 2


def test_propose_errors_rerender_the_form_with_what_was_typed(client, make, token):
    response = client.post("/ideas/new", data={"csrf_token": token, "title": "Short",
                                               "description": "My <b>idea</b>"})
    page = html(response)
    assert response.status_code == 422
    assert "There is a problem" in page and 'href="#title"' in page
    assert 'value="Short"' in page and "My &lt;b&gt;idea&lt;/b&gt;" in page


def test_unverified_resident_is_told_to_confirm_their_email(client, make, auth):
    make.user(email="new@example.org", verified=False)
    auth.sign_in("new@example.org")
    response = client.post("/ideas/new", data={"csrf_token": csrf_token(client, "/me"),
                                               "title": "Monthly repair cafe"})
    assert response.status_code == 403 and "Confirm your email" in html(response)


def test_author_edits_and_withdraws_from_the_pages(client, make, resident, token):
    idea = make.idea(author=resident, title="Monthly repair cafe")
    assert "Change your idea" in html(client.get(f"/ideas/{idea.id}"))
    edited = client.post(f"/ideas/{idea.id}/edit", data={
        "csrf_token": token, "title": "Weekly repair cafe", "description": DESCRIPTION,
        "category_id": idea.category_id, "ward_id": idea.ward_id})
    assert edited.status_code == 303
    refused = client.post(f"/ideas/{idea.id}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 422 and "Enter a reason" in html(refused)
    client.post(f"/ideas/{idea.id}/withdraw", data={"csrf_token": token,
                                                    "message": "Someone else runs one."})
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "Idea changed by the proposer" in page and "Someone else runs one." in page
    assert "Support is closed because the proposer withdrew this idea." in page


def test_someone_else_cannot_open_the_edit_page(client, make, resident):
    idea = make.idea()
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403


# ------------------------------------------------------------------ the idea page

def test_idea_page_shows_timeline_partners_progress_outcome_and_comments(client, make):
    from citizenideas.models import Claim, OutcomeReport, ProgressUpdate, StatusChange, utcnow

    moderator, author = make.user(role="moderator"), make.user(display_name="Ann")
    idea = make.idea(author=author, status="delivered", title="Repair cafe at the hall")
    org = make.organisation(name="Fixers United")
    now = utcnow()
    db.session.add_all([
        StatusChange(idea_id=idea.id, from_status="submitted", to_status="accepted",
                     actor_id=moderator.id, message="We love this.", created_at=now),
        Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=author.id, plan="Do it",
              status="approved", decided_at=now),
        ProgressUpdate(idea_id=idea.id, organisation_id=org.id, author_id=author.id,
                       body="First session went well."),
        OutcomeReport(idea_id=idea.id, author_id=moderator.id, state="published",
                      result="delivered", summary="Twelve sessions ran.", people_reached=140,
                      published_at=now),
        Comment(idea_id=idea.id, author_id=moderator.id, body="Thanks all", official=True),
        Comment(idea_id=idea.id, author_id=author.id, body="Nasty words", hidden=True,
                hidden_reason="Hidden pending review after reports"),
    ])
    db.session.commit()
    page = html(client.get(f"/ideas/{idea.id}"))
    for text in ("Delivered", "We love this.", "Council", "Fixers United",
                 "First session went well.", "Twelve sessions ran.", "140", "Council reply",
                 "This comment has been hidden: Hidden pending review after reports",
                 "Support is closed because this idea has been delivered.",
                 "Sign in to comment"):
        assert text in page, text
    assert "Nasty words" not in page


def test_resident_text_is_escaped_and_links_are_nofollow(client, make):
    idea = make.idea(description="<script>alert(1)</script> see https://example.org/x please")
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'rel="nofollow ugc noopener"' in page


def test_hidden_idea_is_404_for_the_public_and_shown_to_its_author_with_a_banner(
        client, make, resident):
    idea = make.idea(author=resident, hidden=True, hidden_reason="Under review")
    assert "This idea is hidden from the public." in html(client.get(f"/ideas/{idea.id}"))
    other = make.idea(hidden=True)
    assert client.get(f"/ideas/{other.id}").status_code == 404


# ------------------------------------------------------------------ actions, JS off

def test_support_without_js_redirects_back_with_a_banner(client, make, resident, token):
    idea = make.idea()
    response = client.post(f"/ideas/{idea.id}/support", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}#support")
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "You support this idea." in page and "1 supporter" in page
    client.post(f"/ideas/{idea.id}/support", data={"csrf_token": token, "action": "withdraw"})
    assert db.session.query(Support).count() == 0


def test_supporting_a_closed_idea_is_refused(client, make, resident, token):
    idea = make.idea(status="declined")
    assert client.post(f"/ideas/{idea.id}/support",
                       data={"csrf_token": token}).status_code == 403


def test_comment_pledge_follow_and_report_without_js(client, make, resident, token):
    idea = make.idea()
    for path, data in [("comments", {"body": "Count me in"}),
                       ("pledges", {"kind": "skills", "message": "I can fix bikes",
                                    "hours": "3"}),
                       ("follow", {"action": "unfollow"}),
                       ("flag", {"reason": "Looks like spam"})]:
        response = client.post(f"/ideas/{idea.id}/{path}", data={"csrf_token": token, **data})
        assert response.status_code == 303, path
    assert db.session.query(Comment).one().body == "Count me in"
    assert float(db.session.query(Pledge).one().hours) == 3
    assert db.session.query(Follow).count() == 0
    assert db.session.query(Flag).one().reason == "Looks like spam"
    assert "Thank you for your report" in html(client.get(f"/ideas/{idea.id}"))


def test_errors_without_js_rerender_the_page_keeping_what_was_typed(client, make, resident,
                                                                    token):
    idea = make.idea()
    response = client.post(f"/ideas/{idea.id}/pledges", data={
        "csrf_token": token, "kind": "", "message": "Two <hours> a week", "hours": "lots"})
    page = html(response)
    assert response.status_code == 422 and "<html" in page
    assert "There is a problem" in page and "Select how you can help" in page
    assert "Two &lt;hours&gt; a week" in page and 'value="lots"' in page


def test_reporting_a_comment_hides_it_at_the_threshold(app, client, make, resident, token):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    idea = make.idea()
    comment = Comment(idea_id=idea.id, author_id=make.user().id, body="Rude words")
    db.session.add(comment)
    db.session.commit()
    response = client.post(f"/ideas/{idea.id}/flag", headers=HX, data={
        "csrf_token": token, "comment_id": comment.id, "reason": "Abusive"})
    body = html(response)
    assert body.lstrip().startswith(f'<li id="comment-{comment.id}"')
    assert "This comment has been hidden" in body and "Rude words" not in body


# ------------------------------------------------------------------ actions, HTMX

@pytest.mark.parametrize("path, data, region, text", [
    ("support", {}, '<section id="support"', "You support this idea."),
    ("follow", {"action": "unfollow"}, '<div id="follow"', "Follow this idea"),
    ("comments", {"body": "Count me in"}, '<section id="comments"', "Count me in"),
    ("pledges", {"kind": "time", "message": "Saturdays"}, '<section id="pledge"',
     "Your offer of help has been sent"),
    ("flag", {"reason": "Spam"}, '<div id="report"', "Thank you for your report"),
])
def test_htmx_actions_swap_only_their_region_and_announce(client, make, resident, token, path,
                                                          data, region, text):
    idea = make.idea()
    response = client.post(f"/ideas/{idea.id}/{path}", headers=HX,
                           data={"csrf_token": token, **data})
    body = html(response)
    assert response.status_code == 200
    assert body.lstrip().startswith(region) and "<html" not in body
    assert text in body
    assert 'id="ci-announce" data-hx-swap-oob="innerHTML"' in body


def test_htmx_validation_error_returns_the_region_with_an_error_summary(client, make,
                                                                        resident, token):
    idea = make.idea()
    response = client.post(f"/ideas/{idea.id}/comments", headers=HX,
                           data={"csrf_token": token, "body": "   "})
    body = html(response)
    assert response.status_code == 422
    assert body.lstrip().startswith('<section id="comments"')
    assert "govuk-error-summary" in body and "Enter a comment" in body


def test_htmx_refusal_is_shown_in_the_region(client, make, resident, token):
    idea = make.idea(status="declined")
    response = client.post(f"/ideas/{idea.id}/support", headers=HX, data={"csrf_token": token})
    assert response.status_code == 422
    assert "Supports are closed for this idea." in html(response)


# ------------------------------------------------------------------ rate limits

def test_supporting_is_rate_limited_per_account(app, client, make, resident, token,
                                                rate_limited):
    app.config["RATELIMIT_SUPPORT"] = "2 per hour"
    idea = make.idea()
    codes = [client.post(f"/ideas/{idea.id}/support", data={"csrf_token": token}).status_code
             for _ in range(3)]
    assert codes == [303, 303, 429]


def test_proposing_commenting_and_flagging_are_rate_limited(app, client, make, resident, token,
                                                            rate_limited):
    app.config.update(RATELIMIT_PROPOSE="1 per hour", RATELIMIT_COMMENT="1 per hour",
                      RATELIMIT_FLAG="1 per hour")
    idea = make.idea()
    assert client.post("/ideas/new", data={"csrf_token": token}).status_code == 422
    assert client.post("/ideas/new", data={"csrf_token": token}).status_code == 429
    assert client.get("/ideas/new").status_code == 200  # reading the form is never limited
    for path, data in [("comments", {"body": "Hi"}), ("flag", {"reason": "Spam"})]:
        url = f"/ideas/{idea.id}/{path}"
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 303
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 429


def test_htmx_support_also_refreshes_the_follow_button_out_of_band(client, make, resident,
                                                                   token):
    idea = make.idea()
    body = html(client.post(f"/ideas/{idea.id}/support", headers=HX,
                            data={"csrf_token": token}))
    assert '<div id="follow" data-hx-swap-oob="true">' in body and "Stop following" in body


def test_home_shows_ways_to_take_part_popular_ideas_outcomes_and_figures(client, make):
    from citizenideas.models import OutcomeReport, utcnow

    make.idea(title="Popular open idea", support_count=40)
    make.idea(title="Popular but declined", status="declined", support_count=90)
    make.idea(title="Popular but hidden", hidden=True, support_count=80)
    delivered = make.idea(title="Repair cafe that happened", status="delivered")
    db.session.add(OutcomeReport(idea_id=delivered.id, author_id=delivered.author_id,
                                 state="published", result="delivered",
                                 summary="Twelve sessions ran.", published_at=utcnow()))
    draft = make.idea(title="Draft outcome idea", status="in_delivery")
    db.session.add(OutcomeReport(idea_id=draft.id, author_id=draft.author_id, state="draft",
                                 summary="Not yet"))
    db.session.commit()
    page = html(client.get("/"))
    for text in ("Three ways to take part", "Propose", "Support", "Help",
                 "Popular open idea", "Repair cafe that happened", "Twelve sessions ran."):
        assert text in page, text
    for text in ("Popular but declined", "Popular but hidden", "Not yet"):
        assert text not in page, text
    assert "ideas received" in page and "ideas delivered" in page


def _queries_for(client, path: str) -> int:
    from sqlalchemy import event

    count = 0

    def counter(*_args, **_kw):
        nonlocal count
        count += 1

    db.session.expire_all()  # the test shares its session with requests: reload everything
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_list_and_idea_pages_cost_the_same_queries_whatever_the_data(client, make, resident,
                                                                     token):
    from citizenideas.services import engagement

    idea = make.idea()
    for n in range(3):
        make.idea(title=f"Idea number {n} in the list")
        engagement.post_comment(make.user(), idea, f"Comment {n}")
    db.session.commit()
    idea_id = idea.id
    small_list = _queries_for(client, "/ideas")
    small_page = _queries_for(client, f"/ideas/{idea_id}")
    for n in range(15):
        make.idea(title=f"More ideas {n} in the list", ward=make.ward(), category=make.category())
        engagement.post_comment(make.user(), db.session.get(Idea, idea_id), f"More comment {n}")
    db.session.commit()
    assert _queries_for(client, "/ideas") == small_list
    assert _queries_for(client, f"/ideas/{idea_id}") == small_page


def test_the_page_and_the_api_share_one_count_per_account(app, client, make, resident, token,
                                                          rate_limited):
    """Posting through the API does not buy a second allowance on top of the page's."""
    from citizenideas.services.tokens import create_api_token

    app.config.update(RATELIMIT_COMMENT="3 per hour", RATELIMIT_SUPPORT="1 per hour")
    _api_token, raw = create_api_token(resident, "phone")
    db.session.commit()
    api = {"Authorization": f"Bearer {raw}"}
    idea, other = make.idea(), make.idea()
    url = f"/ideas/{idea.id}/comments"
    assert [client.post(url, data={"csrf_token": token, "body": f"Page {n}"}).status_code
            for n in range(2)] == [303, 303]
    codes = [client.post(f"/api/v1/ideas/{idea.id}/comments", headers=api,
                         json={"body": f"API {n}"}).status_code for n in range(2)]
    assert codes == [201, 429]
    assert client.post(url, data={"csrf_token": token, "body": "Page 3"}).status_code == 429
    # Support: one allowance, whichever door is used first.
    assert client.post(f"/api/v1/ideas/{other.id}/support", headers=api).status_code in (200, 201)
    assert client.post(f"/ideas/{idea.id}/support",
                       data={"csrf_token": token}).status_code == 429
