"""The same races through a real threaded HTTP server: moderators signed in through the pages
(or holding API tokens) post at the same moment. One gets the change; the other gets 409 and,
on the page, the form again with the idea or claim as it is now and what happened."""

from __future__ import annotations

import re
import threading

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from citizenideas.extensions import db
from citizenideas.models import Claim, Idea, Notification, Organisation, StatusChange, User
from citizenideas.services import claims, engagement
from citizenideas.services.tokens import create_api_token

from .factories import PASSWORD

TRIALS = 3
PLAN = "We will run weekly sessions in the community hall with our volunteers."


@pytest.fixture
def live_server(app):
    """The app on a free loopback port, one thread per request, for the length of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def form_field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


def signed_in(base: str, email: str) -> requests.Session:
    """A browser-like session signed in through the sign-in page."""
    browser = requests.Session()
    token = form_field(browser.get(f"{base}/sign-in").text, "csrf_token")
    response = browser.post(f"{base}/sign-in", allow_redirects=False,
                            data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return browser


def at_once(calls: list) -> list[requests.Response]:
    """Make each call in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    responses: list = [None] * len(calls)

    def run(n: int) -> None:
        barrier.wait(timeout=30)
        responses[n] = calls[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    return responses


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_moderators_posting_the_status_form_at_once_one_gets_409_and_the_current_state(
        app, make, live_server):
    author, supporter = make.user(), make.user()
    moderators = [make.user(role="moderator") for _ in range(2)]
    browsers = [signed_in(live_server, m.email) for m in moderators]
    answers = [{"status": "accepted", "message": ""},
               {"status": "declined", "message": "The council cannot fund this."}]
    for _trial in range(TRIALS):
        idea = make.idea(author=author)
        engagement.support_idea(supporter, idea)
        db.session.commit()
        page = f"{live_server}/council/ideas/{idea.id}"
        # Both moderators have the triage page open, then both press "Change status".
        posts = []
        for browser, answer in zip(browsers, answers, strict=True):
            html = browser.get(page).text
            data = {**answer, "action": "change", "csrf_token": form_field(html, "csrf_token"),
                    "from_status": form_field(html, "from_status")}
            posts.append(lambda b=browser, d=data, u=f"{page}/status": b.post(
                u, data=d, allow_redirects=False))

        responses = at_once(posts)

        assert sorted(r.status_code for r in responses) == [303, 409]
        loser = next(r for r in responses if r.status_code == 409)
        winner = db.session.get(Idea, idea.id).status
        label = {"accepted": "Accepted", "declined": "Declined"}[winner]
        assert (f"Another moderator changed this idea to {label} a moment ago."
                in loser.text)
        # The loser's page shows the idea as it is now, with its status form, not an error page.
        assert re.search(rf'govuk-tag--\w+">{label}</strong>', loser.text)
        assert 'id="panel-status"' in loser.text
        assert form_field(loser.text, "from_status") == winner
        assert count(StatusChange, StatusChange.idea_id == idea.id,
                     StatusChange.event == "status") == 1
        assert count(Notification, Notification.idea_id == idea.id,
                     Notification.kind == "status_change") == 2


def test_two_moderators_calling_the_api_at_once_one_gets_problem_json_409(
        app, make, live_server):
    author = make.user()
    moderators = [make.user(role="moderator") for _ in range(2)]
    tokens = [create_api_token(m, "race")[1] for m in moderators]
    db.session.commit()
    # Each client says which status it saw, as the API documents.
    answers = [{"status": "accepted", "expected_status": "submitted"},
               {"status": "declined", "message": "Not this year.",
                "expected_status": "submitted"}]
    for _trial in range(TRIALS):
        idea = make.idea(author=author)
        url = f"{live_server}/api/v1/ideas/{idea.id}/status"
        calls = [lambda t=token, a=answer, u=url: requests.post(
                     u, json=a, headers={"Authorization": f"Bearer {t}"})
                 for token, answer in zip(tokens, answers, strict=True)]

        responses = at_once(calls)

        assert sorted(r.status_code for r in responses) == [200, 409]
        winner = next(r for r in responses if r.status_code == 200).json()["status"]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.headers["Content-Type"].startswith("application/problem+json")
        label = {"accepted": "Accepted", "declined": "Declined"}[winner]
        assert loser.json()["detail"] == (f"Another moderator changed this idea to {label} "
                                          "a moment ago.")
        assert count(StatusChange, StatusChange.idea_id == idea.id,
                     StatusChange.event == "status") == 1


def test_five_moderators_approving_one_claim_on_its_page_at_once_approve_it_once(
        app, make, live_server):
    author, partner = make.user(), make.user()
    org = make.organisation(members=[(partner, "manager")])
    moderators = [make.user(role="moderator") for _ in range(5)]
    browsers = [signed_in(live_server, m.email) for m in moderators]
    for _trial in range(TRIALS):
        idea = make.idea(author=author, status="accepted")
        claim = claims.claim_idea(db.session.get(User, partner.id), idea,
                                  db.session.get(Organisation, org.id), plan=PLAN)
        db.session.commit()
        page = f"{live_server}/council/claims/{claim.id}"
        posts = []
        for browser in browsers:
            data = {"decision": "approve", "message": "",
                    "csrf_token": form_field(browser.get(page).text, "csrf_token")}
            posts.append(lambda b=browser, d=data, u=page: b.post(u, data=d,
                                                                  allow_redirects=False))

        responses = at_once(posts)

        assert sorted(r.status_code for r in responses) == [303] + [409] * 4
        for loser in (r for r in responses if r.status_code == 409):
            # Told what happened: while they were deciding, or (a request that loaded the
            # claim after the winner committed) before they started.
            assert ("Another moderator approved this claim a moment ago." in loser.text
                    or "This claim has already been decided or withdrawn." in loser.text)
            assert re.search(r'govuk-tag[^"]*">\s*Approved', loser.text)
            assert 'name="decision"' not in loser.text  # decided: no form to decide again
        assert db.session.get(Claim, claim.id).status == "approved"
        assert count(StatusChange, StatusChange.idea_id == idea.id,
                     StatusChange.to_status == "in_delivery") == 1
        assert count(Notification, Notification.idea_id == idea.id,
                     Notification.kind == "claim_decision") == 1
