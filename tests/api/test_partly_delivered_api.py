"""The API knows the status partly_delivered: it returns it, filters by it, counts it apart
from delivered and lists it in the OpenAPI document (issue 12 item 9)."""

from __future__ import annotations

from .support import assert_problem

PLAN = "We will run the fridge with volunteers every weekday."


def _partly_delivered(api, make, people):
    """An idea taken through the API to a published partly-delivered outcome."""
    idea = make.idea(status="accepted", title="Community fridge at the library")
    path = f"/ideas/{idea.id}"
    claim = api.post(f"{path}/claims", people.partner,
                     json={"organisation_id": people.org.id, "plan": PLAN}).get_json()
    api.post(f"/claims/{claim['id']}/decision", people.moderator,
             json={"decision": "approve", "message": ""})
    report = api.post(f"{path}/outcome", people.partner, json={
        "result": "partly_delivered", "summary": "The fridge opens three days, not five.",
        "submit": True})
    assert report.status_code == 200, report.get_json()
    published = api.post(f"/outcomes/{report.get_json()['id']}/publish", people.moderator)
    assert published.status_code == 200, published.get_json()
    return idea


def test_a_published_partly_delivered_outcome_shows_as_partly_delivered(api, make, people):
    idea = _partly_delivered(api, make, people)
    body = api.get(f"/ideas/{idea.id}").get_json()
    assert body["status"] == "partly_delivered"
    assert body["outcome"]["result"] == "partly_delivered"
    assert [e["to_status"] for e in body["timeline"] if e["event"] == "status"][-1] == (
        "partly_delivered")


def test_ideas_filter_by_partly_delivered(api, make, people):
    idea = _partly_delivered(api, make, people)
    make.idea(status="delivered")
    body = api.get("/ideas?status=partly_delivered").get_json()
    assert [i["id"] for i in body["items"]] == [idea.id]
    assert body["items"][0]["status"] == "partly_delivered"
    assert idea.id not in [i["id"] for i in api.get("/ideas?status=delivered").get_json()["items"]]


def test_moderators_cannot_set_partly_delivered_by_hand(api, make, people):
    idea = make.idea(status="in_delivery")
    assert_problem(api.post(f"/ideas/{idea.id}/status", people.moderator,
                            json={"status": "partly_delivered", "message": "Mostly."}), 409)


def test_stats_count_partly_delivered_apart(api, make, people):
    _partly_delivered(api, make, people)
    make.idea(status="delivered")
    body = api.get("/stats").get_json()
    assert body["totals"]["ideas_delivered"] == 1
    assert body["totals"]["ideas_partly_delivered"] == 1
    by_status = {row["status"]: row["ideas"] for row in body["decisions_by_status"]}
    assert (by_status["delivered"], by_status["partly_delivered"]) == (1, 1)


def _enums_with(document, value: str) -> list[list[str]]:
    """Every enum in the document's schemas that contains ``value``."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list) and value in node["enum"]:
                found.append(node["enum"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(document)
    return found


def test_the_openapi_status_enum_lists_partly_delivered(client):
    document = client.get("/api/v1/openapi.json").get_json()
    statuses = [e for e in _enums_with(document, "in_delivery")]
    assert statuses, "no idea status enum in the document"
    assert all("partly_delivered" in e for e in statuses)
    query = next(p for p in document["paths"]["/api/v1/ideas"]["get"]["parameters"]
                 if p["name"] == "status")
    assert "partly_delivered" in _enums_with(query, "partly_delivered")[0]
