"""A response template's placeholder ("[Say what it would cost ...]") is never published:
the service refuses it wherever a public status message is accepted, and the council form
shows the refusal next to the message with what was typed kept."""

from __future__ import annotations

import pytest

from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Idea, StatusChange
from citizenideas.services import merging, triage
from citizenideas.services.lifecycle import change_status
from citizenideas.services.text_rules import template_placeholder

from .conftest import csrf_token

HX = {"HX-Request": "true"}
UNEDITED = ("Thank you for this idea. We can't fund it this year. [Say what it would cost and "
            "what else the budget is committed to.] If a community group finds funding, we'll "
            "gladly look at it again.")


@pytest.fixture
def moderator(make):
    return make.user(role="moderator", email="moderator@example.org")


@pytest.mark.parametrize("text", [
    UNEDITED,
    "[Say who can, and how to contact them.]",
    "Declined. [Name the team ]",
])
def test_a_capitalised_bracketed_phrase_is_a_placeholder(text):
    assert template_placeholder(text)


@pytest.mark.parametrize("text", [
    "Outside what the council can do (see [1]).",
    "The report [sic] was late.",
    "Agreed [Update]: now funded.",
    "Costs about £400 [ ].",
    "No brackets at all.",
])
def test_ordinary_brackets_are_not_placeholders(text):
    assert template_placeholder(text) is None


def test_an_unedited_template_message_is_refused_and_nothing_changes(make, moderator):
    idea = make.idea()
    with pytest.raises(ValidationFailed) as caught:
        change_status(moderator, idea, "declined", UNEDITED)
    error = caught.value.errors["message"][0]
    assert error.startswith("Replace the text in square brackets, [Say what it would cost")
    assert error.endswith("with your own words before publishing.")
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "submitted"
    assert db.session.query(StatusChange).count() == 0


def test_bulk_change_and_merge_refuse_a_placeholder_too(make, moderator):
    a, b = make.idea(), make.idea()
    with pytest.raises(ValidationFailed) as caught:
        triage.bulk_change_status(moderator, [a, b], "declined", UNEDITED)
    assert "message" in caught.value.errors
    db.session.rollback()
    with pytest.raises(ValidationFailed) as caught:
        merging.merge_idea(moderator, a, b, "Merged. [Say which idea it joins.]")
    assert "message" in caught.value.errors
    db.session.rollback()
    assert {db.session.get(Idea, i.id).status for i in (a, b)} == {"submitted"}


def test_the_edited_message_is_published(make, moderator):
    idea = make.idea()
    change = change_status(moderator, idea, "declined",
                           "It would cost about £40,000 (see [1]); the budget is spent.")
    assert change.to_status == "declined"


def test_the_status_form_refuses_a_placeholder_with_js_off_and_on(client, make, auth, moderator):
    auth.sign_in(moderator.email)
    idea = make.idea()
    page = f"/council/ideas/{idea.id}"
    for headers in ({}, HX):
        response = client.post(f"{page}/status", headers=headers, data={
            "status": "declined", "message": UNEDITED, "csrf_token": csrf_token(client, page)})
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'id="message-error"' in html
        assert "Replace the text in square brackets, [Say what it would cost" in html
        assert "committed to.] If a community group finds funding, we&#39;ll gladly look at it " \
               "again.</textarea>" in html
        if headers:
            assert html.lstrip().startswith('<section id="panel-status"')
    assert db.session.get(Idea, idea.id).status == "submitted"


def test_the_status_form_says_placeholders_must_be_replaced(client, make, auth, moderator):
    auth.sign_in(moderator.email)
    html = client.get(f"/council/ideas/{make.idea().id}").get_data(as_text=True)
    assert "Replace any text in square brackets" in html


def test_the_bulk_form_shows_the_placeholder_error_by_its_message(client, make, auth, moderator):
    auth.sign_in(moderator.email)
    a, b = make.idea(), make.idea()
    response = client.post("/council/bulk-status", data={
        "idea_ids": [a.id, b.id], "bulk_status": "declined", "bulk_message": UNEDITED,
        "csrf_token": csrf_token(client, "/council")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="bulk_message-error"' in html and "[Say what it would cost" in html
    assert {db.session.get(Idea, i.id).status for i in (a, b)} == {"submitted"}
