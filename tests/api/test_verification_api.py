"""POST /api/v1/ideas/{id}/verification: "Was it done?" over the API (issue 14)."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import OutcomeVerification

from ..verification_world import World
from .support import assert_problem


def _path(world) -> str:
    return f"/ideas/{world.idea.id}/verification"


def test_a_first_answer_is_201_and_a_changed_one_200(api, make):
    world = World(make)
    world.publish()
    first = api.post(_path(world), world.supporter,
                     json={"answer": "yes", "comment": "The trees are lovely."})
    assert first.status_code == 201, first.get_data(as_text=True)
    body = first.get_json()
    assert body["answer"] == "yes" and body["comment"] == "The trees are lovely."
    assert body["verification"] == {"yes": 1, "partly": 0, "no": 0}
    again = api.post(_path(world), world.supporter, json={"answer": "partly"})
    assert again.status_code == 200 and again.get_json()["answer"] == "partly"
    assert again.get_json()["comment"] == ""
    assert again.get_json()["verification"] == {"yes": 0, "partly": 1, "no": 0}
    assert db.session.query(OutcomeVerification).count() == 1


def test_the_ideas_json_carries_the_tally(api, make):
    world = World(make)
    assert api.get(f"/ideas/{world.idea.id}").get_json()["verification"] == {
        "yes": 0, "partly": 0, "no": 0}
    world.publish()
    api.post(_path(world), world.author, json={"answer": "no"})
    api.post(_path(world), world.follower, json={"answer": "yes"})
    idea = api.get(f"/ideas/{world.idea.id}").get_json()
    assert idea["verification"] == {"yes": 1, "partly": 0, "no": 1}
    listed = api.get("/ideas?status=delivered").get_json()["items"]
    assert listed[0]["verification"] == {"yes": 1, "partly": 0, "no": 1}


def test_someone_with_no_stake_gets_403(api, make):
    world = World(make)
    world.publish()
    for who in (world.stranger, world.partner, world.moderator):
        assert_problem(api.post(_path(world), who, json={"answer": "yes"}), 403)


def test_before_the_outcome_is_published_409(api, make):
    world = World(make)
    world.submit()
    assert_problem(api.post(_path(world), world.supporter, json={"answer": "yes"}), 409)


def test_a_bad_answer_or_comment_is_422(api, make):
    world = World(make)
    world.publish()
    assert_problem(api.post(_path(world), world.supporter, json={"answer": "maybe"}), 422,
                   "answer")
    assert_problem(api.post(_path(world), world.supporter, json={}), 422, "answer")
    assert_problem(api.post(_path(world), world.supporter,
                            json={"answer": "no", "comment": "x" * 5001}), 422, "comment")


def test_without_a_token_401(api, make):
    world = World(make)
    world.publish()
    assert_problem(api.post(_path(world), json={"answer": "yes"}), 401)


def test_the_openapi_document_lists_the_operation(api):
    document = api.get("/openapi.json").get_json()
    operation = document["paths"]["/api/v1/ideas/{idea_id}/verification"]["post"]
    assert {"200", "201", "403", "409", "422"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["409"]["content"]
