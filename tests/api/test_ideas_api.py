"""Residents through the API: list, propose, read, edit, similar, support, comment, pledge,
follow, report."""

from __future__ import annotations

from datetime import datetime

import pytest

from citizenideas.extensions import db
from citizenideas.models import Flag, Pledge

from .support import assert_problem

DESCRIPTION = "Plant fruit trees along the path so neighbours can pick apples in autumn."


@pytest.fixture
def place(make):
    return {"ward": make.ward("Riverside"), "category": make.category("Green spaces")}


def proposal(place, **kw):
    return {"title": "Fruit trees on the canal path", "description": DESCRIPTION,
            "category_id": place["category"].id, "ward_id": place["ward"].id} | kw


def test_resident_proposes_an_idea_and_gets_the_idea_object(api, people, place, make):
    library = make.asset(name="Central Library")
    response = api.post("/ideas", people.resident,
                        json=proposal(place, location_text="By the lock", lat=52.62, lon=-1.69,
                                      asset_ids=[library.id]))
    assert response.status_code == 201
    idea = response.get_json()
    assert response.headers["Location"] == f"/api/v1/ideas/{idea['id']}"
    assert idea["status"] == "submitted" and idea["title"] == "Fruit trees on the canal path"
    assert idea["category"] == {"id": place["category"].id, "name": "Green spaces"}
    assert idea["ward"]["name"] == "Riverside" and idea["author"] == "Rita Resident"
    assert idea["assets"] == [{"id": library.id, "name": "Central Library", "kind": "library"}]
    assert idea["supported_by_me"] is False and idea["following"] is True
    assert idea["support_count"] == 0 and idea["comment_count"] == 0
    assert idea["claims"] == [] and idea["updates"] == [] and idea["outcome"] is None
    assert idea["merged_into_id"] is None and idea["url"].endswith(f"/ideas/{idea['id']}")
    for field in ("created_at", "updated_at"):
        assert datetime.fromisoformat(idea[field]).utcoffset() is not None


def test_proposal_errors_come_back_per_field_from_the_service(api, people, place):
    body = assert_problem(api.post("/ideas", people.resident,
                                   json=proposal(place, title="Short", asset_ids=[999])), 422)
    assert {"title", "asset_ids"} <= set(body["errors"])
    assert_problem(api.post("/ideas", people.resident, json=proposal(place, lat=91.0)), 422, "lat")


def test_unverified_resident_cannot_propose(api, people, place):
    body = assert_problem(api.post("/ideas", people.unverified, json=proposal(place)), 403)
    assert "email" in body["detail"]


def test_list_filters_sorts_paginates_with_link_header(api, make, place):
    for n in range(5):
        make.idea(title=f"Bench number {n} in the park", ward=place["ward"],
                  support_count=n)
    make.idea(title="Something elsewhere")
    response = api.get(f"/ideas?ward_id={place['ward'].id}&per_page=2&page=2&sort=supports")
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 2, 5)
    assert [i["support_count"] for i in body["items"]] == [2, 1]
    links = response.headers["Link"]
    for rel, page in (("first", 1), ("prev", 1), ("next", 3), ("last", 3)):
        assert f'page={page}&per_page=2>; rel="{rel}"' in links or (
            f"page={page}" in links and f'rel="{rel}"' in links)
    assert "supported_by_me" in body["items"][0] and body["items"][0]["supported_by_me"] is None
    assert api.get("/ideas?q=bench&status=submitted").get_json()["total"] == 5


@pytest.mark.parametrize("query, field", [("per_page=101", "per_page"), ("page=0", "page"),
                                          ("status=lost", "status"), ("sort=random", "sort"),
                                          ("ward_id=abc", "ward_id"),
                                          ("stauts=accepted", "stauts")])
def test_out_of_range_or_unknown_list_parameters_are_422(api, query, field):
    assert_problem(api.get(f"/ideas?{query}"), 422, field)


def test_hidden_idea_is_404_for_the_public_and_visible_to_staff(api, make, people):
    idea = make.idea(hidden=True, hidden_reason="Abuse")
    assert_problem(api.get(f"/ideas/{idea.id}"), 404)
    assert_problem(api.get(f"/ideas/{idea.id}", people.resident), 404)
    assert api.get(f"/ideas/{idea.id}", people.moderator).get_json()["hidden"] is True
    assert_problem(api.get("/ideas/99999"), 404)
    assert_problem(api.get("/ideas/99999999999"), 404)


def test_author_edits_with_patch_and_others_cannot(api, make, people):
    idea = make.idea(author=people.resident)
    response = api.patch(f"/ideas/{idea.id}", people.resident,
                         json={"title": "A better title for the idea"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "A better title for the idea"
    assert body["description"] == idea.description
    assert body["timeline"][-1]["event"] == "edited"
    assert_problem(api.patch(f"/ideas/{idea.id}", people.moderator, json={"title": "x" * 20}),
                   403)
    assert_problem(api.patch(f"/ideas/{idea.id}", people.resident, json={"title": ""}), 422,
                   "title")
    assert_problem(api.patch(f"/ideas/{idea.id}", json={"title": "Anything at all"}), 401)


def test_similar_suggests_ideas_sharing_title_words(api, make):
    idea = make.idea(title="Bench in Victoria Park")
    other = make.idea(title="More benches for Victoria Park please")
    make.idea(title="Library opening hours")
    body = api.get(f"/ideas/{idea.id}/similar?title=Victoria Park benches").get_json()
    assert [i["id"] for i in body["items"]] == [other.id]
    assert_problem(api.get(f"/ideas/{idea.id}/similar"), 422, "title")


def test_support_is_idempotent_and_can_be_withdrawn(api, make, people):
    idea = make.idea()
    first = api.post(f"/ideas/{idea.id}/support", people.resident)
    second = api.post(f"/ideas/{idea.id}/support", people.resident)
    assert first.get_json() == second.get_json() == {"support_count": 1, "supported": True}
    assert api.get(f"/ideas/{idea.id}", people.resident).get_json()["supported_by_me"] is True
    assert api.delete(f"/ideas/{idea.id}/support", people.resident).get_json() == {
        "support_count": 0, "supported": False}


def test_support_is_refused_for_closed_ideas_and_unverified_people(api, make, people):
    assert_problem(api.post(f"/ideas/{make.idea(status='declined').id}/support",
                            people.resident), 403)
    assert_problem(api.post(f"/ideas/{make.idea().id}/support", people.unverified), 403)


def test_comments_are_posted_and_listed_without_hidden_ones(api, make, people):
    idea = make.idea()
    response = api.post(f"/ideas/{idea.id}/comments", people.resident,
                        json={"body": "Great idea, count me in."})
    assert response.status_code == 201
    assert response.get_json()["author"] == "Rita Resident"
    api.post(f"/ideas/{idea.id}/comments", people.moderator, json={"body": "Second comment"})
    from citizenideas.models import Comment

    db.session.query(Comment).filter_by(body="Second comment").update({"hidden": True})
    db.session.commit()
    listed = api.get(f"/ideas/{idea.id}/comments")
    assert [c["body"] for c in listed.get_json()["items"]] == ["Great idea, count me in."]
    assert "Link" in listed.headers
    assert api.get(f"/ideas/{idea.id}/comments", people.moderator).get_json()["total"] == 2
    assert_problem(api.post(f"/ideas/{idea.id}/comments", people.resident, json={"body": " "}),
                   422, "body")
    assert_problem(api.post(f"/ideas/{idea.id}/comments", people.unverified,
                            json={"body": "Hello"}), 403)


def test_pledges_are_offered_with_kind_and_hours(api, make, people):
    idea = make.idea(status="accepted")
    response = api.post(f"/ideas/{idea.id}/pledges", people.resident,
                        json={"kind": "time", "message": "Two hours on Saturdays", "hours": 2})
    assert response.status_code == 201
    assert response.get_json()["hours"] == 2.0
    assert db.session.query(Pledge).count() == 1
    assert_problem(api.post(f"/ideas/{idea.id}/pledges", people.resident,
                            json={"kind": "money", "message": "x"}), 422, "kind")
    assert_problem(api.post(f"/ideas/{idea.id}/pledges", people.resident,
                            json={"kind": "time", "message": "x", "hours": -1}), 422, "hours")
    closed = make.idea(status="delivered")
    assert_problem(api.post(f"/ideas/{closed.id}/pledges", people.resident,
                            json={"kind": "time", "message": "Hello"}), 403)


def test_follow_and_unfollow(api, make, people):
    idea = make.idea()
    assert api.post(f"/ideas/{idea.id}/follow", people.unverified).get_json() == {
        "following": True}
    assert api.get(f"/ideas/{idea.id}", people.unverified).get_json()["following"] is True
    assert api.delete(f"/ideas/{idea.id}/follow", people.unverified).get_json() == {
        "following": False}


def test_flags_report_an_idea_or_one_of_its_comments(api, make, people):
    idea = make.idea()
    response = api.post(f"/ideas/{idea.id}/flags", people.resident, json={"reason": "Spam"})
    assert response.status_code == 201 and response.get_json()["target_type"] == "idea"
    comment_id = api.post(f"/ideas/{idea.id}/comments", people.moderator,
                          json={"body": "A comment"}).get_json()["id"]
    response = api.post(f"/ideas/{idea.id}/flags", people.resident,
                        json={"reason": "Rude", "comment_id": comment_id})
    assert response.get_json()["target_type"] == "comment"
    assert db.session.query(Flag).count() == 2
    assert_problem(api.post(f"/ideas/{idea.id}/flags", people.resident,
                            json={"reason": "x", "comment_id": 424242}), 422, "comment_id")
    assert_problem(api.post(f"/ideas/{idea.id}/flags", people.resident, json={"reason": ""}),
                   422, "reason")
    assert_problem(api.post(f"/ideas/{idea.id}/flags", people.unverified,
                            json={"reason": "Spam"}), 403)


def test_author_withdraws_with_a_reason_before_a_decision(api, make, people):
    idea = make.idea(author=people.resident)
    assert_problem(api.post(f"/ideas/{idea.id}/withdraw", people.moderator,
                            json={"message": "Not mine"}), 403)
    assert_problem(api.post(f"/ideas/{idea.id}/withdraw", people.resident, json={}), 422,
                   "message")
    response = api.post(f"/ideas/{idea.id}/withdraw", people.resident,
                        json={"message": "Someone else is doing it."})
    assert response.get_json()["status"] == "withdrawn"
    decided = make.idea(author=people.resident, status="accepted")
    assert_problem(api.post(f"/ideas/{decided.id}/withdraw", people.resident,
                            json={"message": "Changed my mind"}), 403)


def test_a_page_of_ideas_costs_the_same_queries_whatever_its_size(api, make, people):
    from sqlalchemy import event

    def queries_for_listing() -> int:
        seen = []

        def count(*_args, **_kw):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert api.get("/ideas?per_page=100", people.resident).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    def more_ideas(n):
        for _ in range(n):
            asset = make.asset()
            idea = make.idea(status="accepted")
            idea.assets.append(asset)
            db.session.commit()
            api.post(f"/ideas/{idea.id}/support", people.resident)

    more_ideas(2)
    few = queries_for_listing()
    more_ideas(15)
    assert queries_for_listing() == few


def test_a_page_of_ideas_for_anyone_takes_eleven_queries_with_every_kind_of_detail(api, make):
    # 17 before the list stopped reading the page's ideas a second time and the claims' and
    # updates' organisations and authors came with them (docs/performance.md, session 5).
    from sqlalchemy import event

    from citizenideas.models import Claim, OutcomeReport, ProgressUpdate, utcnow

    moderator = make.user(role="moderator")
    org = make.organisation()
    for n in range(6):
        hall = make.asset(name=f"Hall {n}")
        idea = make.idea(status="delivered" if n % 2 else "in_delivery")
        idea.assets.append(hall)
        db.session.add_all([
            Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=moderator.id,
                  plan="Do it", status="approved"),
            ProgressUpdate(idea_id=idea.id, organisation_id=org.id, author_id=moderator.id,
                           body="Half way there."),
            OutcomeReport(idea_id=idea.id, author_id=moderator.id, state="published",
                          result="delivered", summary="Done.", published_at=utcnow())])
    db.session.commit()
    api.get("/ideas")
    seen = []

    def count(*_args, **_kw):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = api.get("/ideas").get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(body["items"]) == 6
    assert all(i["assets"] and i["claims"] and i["updates"] and i["outcome"]
               for i in body["items"])
    assert len(seen) <= 11, len(seen)
