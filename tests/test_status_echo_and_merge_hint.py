"""A status echoed back to a person reads as the site shows it (its label, "Under review"),
never as a lower-cased code; and the merge form's hint shows the site's own reference format."""

from __future__ import annotations

import re

import pytest

from citizenideas.extensions import db
from citizenideas.models import Idea, Notification
from citizenideas.services.ideas import propose_idea

from .conftest import csrf_token

HX = {"HX-Request": "true"}


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="moderator", email="moderator@example.org", display_name="Mo Derator")
    auth.sign_in(user.email)
    return user


def post(client, path, data, page, headers=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)},
                       headers=headers or {})


def test_the_flash_after_a_status_change_names_the_status_by_its_label(client, make,
                                                                        moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    post(client, f"{page}/status", {"status": "under_review", "message": ""}, page)
    html = client.get(page).get_data(as_text=True)
    assert "Status changed to Under review." in html
    assert "Status changed to under review." not in html


def test_the_htmx_announcement_after_a_status_change_names_the_label(client, make, moderator):
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    html = post(client, f"{page}/status", {"status": "accepted", "message": ""}, page,
                HX).get_data(as_text=True)
    assert "Status changed to Accepted." in html


def test_a_refused_transition_names_both_statuses_by_their_labels(client, make, moderator):
    idea = make.idea(status="declined")
    page = f"/council/ideas/{idea.id}"
    html = post(client, f"{page}/status", {"status": "accepted", "message": "x"},
                page).get_data(as_text=True)
    assert "An idea that is Declined cannot become Accepted." in html


def test_a_refused_bulk_change_names_the_status_by_its_label(client, make, moderator):
    make.idea()  # the dashboard lists it, so it shows the bulk form
    idea = make.idea(status="withdrawn")
    html = post(client, "/council/bulk-status",
                {"idea_ids": [idea.id], "bulk_status": "under_review", "bulk_message": ""},
                "/council").get_data(as_text=True)
    assert "cannot become Under review" in html


def test_an_unmergeable_idea_names_its_status_by_its_label(client, make, moderator):
    idea = make.idea(status="accepted")
    html = client.get(f"/council/ideas/{idea.id}").get_data(as_text=True)
    assert "An idea that is Accepted cannot be merged." in html


def test_the_status_change_email_names_the_status_by_its_label(client, make, moderator):
    author = make.user()
    idea = make.idea(author=author)
    page = f"/council/ideas/{idea.id}"
    post(client, f"{page}/status", {"status": "under_review", "message": ""}, page)
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == author.id))
    assert note.subject.endswith(": now Under review")
    assert "is now Under review." in note.body


def test_the_merge_hint_shows_the_reference_format_the_site_uses(app, client, make, moderator):
    proposer = make.user()
    real = propose_idea(proposer, title="A bench by the river path",
                        description="Somewhere to sit along the river path for older people.",
                        category_id=make.category().id, ward_id=make.ward().id)
    db.session.commit()
    html = client.get(f"/council/ideas/{real.id}").get_data(as_text=True)
    hint = re.search(r'id="into-hint"[^>]*>(.*?)</', html, re.S).group(1)
    assert "CI-00012" not in hint
    example = re.search(r"for example ([A-Z]+-\d{4}-\d{4})", hint).group(1)
    prefix, year, _number = real.reference.split("-")
    assert example.startswith(f"{prefix}-{year}-")
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d{4}", real.reference)
    assert db.session.get(Idea, real.id).reference != example  # not the idea itself
