"""Text sent to the API is cleaned the way the pages clean it: control characters removed,
line endings made plain, so stored text can never break a feed or a CSV download."""

from __future__ import annotations

import pytest

from .support import assert_problem

DESCRIPTION = "Plant fruit trees along the path\r\nso neighbours can pick\x01 apples in autumn."


@pytest.fixture
def place(make):
    return {"ward": make.ward("Riverside"), "category": make.category("Green spaces")}


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_TEST_ERRORS"] = False


def test_control_characters_in_an_api_idea_are_removed_and_the_feeds_still_work(
        api, people, place, client, no_propagation):
    response = api.post("/ideas", people.resident, json={
        "title": "Fruit\u0001 trees on the\u001b canal path", "description": DESCRIPTION,
        "category_id": place["category"].id, "ward_id": place["ward"].id,
        "location_text": "By the\u0007 lock"})
    assert response.status_code == 201, response.get_data(as_text=True)
    idea = response.get_json()
    assert idea["title"] == "Fruit trees on the canal path"
    assert idea["description"] == ("Plant fruit trees along the path\nso neighbours can pick "
                                   "apples in autumn.")
    assert idea["location_text"] == "By the lock"
    for path in ("/feeds/ideas.atom", "/ideas.csv", "/ideas.json", f"/ideas/{idea['id']}"):
        assert client.get(path).status_code == 200, path


def test_a_comment_of_only_control_characters_is_refused_as_empty(api, people, make):
    idea = make.idea(status="accepted")
    response = api.post(f"/ideas/{idea.id}/comments", people.resident,
                        json={"body": "\u0001\u0002 \u001f"})
    assert_problem(response, 422, "body")


def test_old_mac_line_endings_in_an_api_comment_become_newlines(api, people, make):
    idea = make.idea(status="accepted")
    response = api.post(f"/ideas/{idea.id}/comments", people.resident,
                        json={"body": "First line\rsecond line\r\nthird line"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["body"] == "First line\nsecond line\nthird line"
