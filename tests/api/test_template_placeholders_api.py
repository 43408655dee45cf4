"""The API refuses a status message that still holds a response template's placeholder."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import Idea

from .support import assert_problem


def test_a_status_message_with_a_template_placeholder_is_a_422_problem(api, make, people):
    idea = make.idea()
    body = assert_problem(api.post(f"/ideas/{idea.id}/status", people.moderator, json={
        "status": "declined",
        "message": "We can't fund it. [Say what it would cost and what else the budget is "
                   "committed to.]"}), 422, "message")
    assert body["errors"]["message"][0].startswith("Replace the text in square brackets")
    assert db.session.get(Idea, idea.id).status == "submitted"
