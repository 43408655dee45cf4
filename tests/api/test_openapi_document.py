"""The OpenAPI document is valid, and it and the URL map describe the same API."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1_with_bearer_security(client):
    document = _document(client)
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API token from POST /api/v1/tokens or the account page."}


def _rule_to_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented_and_every_documented_route_exists(app, client):
    document = _document(client)
    in_map = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                in_map.add((method.lower(), _rule_to_path(rule.rule)))
    in_document = {(method, path) for path, operations in document["paths"].items()
                   for method in operations}
    assert in_map == in_document
    assert len(in_map) >= 40


def test_operations_say_who_may_call_them_and_problems_are_problem_json(client):
    document = _document(client)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            # A token is required ([{"bearerAuth": []}]) or optional ([], as client generators
            # read it), and the operation says which in x-auth and, if optional, in words.
            if operation["security"]:
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert operation["x-auth"] == "required", (method, path)
            else:
                assert operation["security"] == [], (method, path)
                assert operation["x-auth"] == "optional", (method, path)
                assert "A token is optional" in operation["description"], (method, path)
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"]
    post_ideas = document["paths"]["/api/v1/ideas"]["post"]
    assert post_ideas["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "422", "429"} <= set(post_ideas["responses"])
    assert document["paths"]["/api/v1/ideas"]["get"]["responses"]["200"]["headers"]["Link"]


def test_request_schemas_come_from_the_validating_models(client):
    schemas = _document(client)["components"]["schemas"]
    idea_in = schemas["IdeaIn"]
    assert set(idea_in["required"]) == {"title", "description", "category_id", "ward_id"}
    assert idea_in["additionalProperties"] is False
    assert schemas["IdeaListQuery"]["properties"]["per_page"]["maximum"] == 100
    assert set(schemas["IdeaOut"]["required"]) >= {
        "id", "title", "description", "status", "category", "ward", "author", "support_count",
        "comment_count", "created_at", "updated_at", "timeline", "assets", "claims", "updates",
        "outcome", "merged_into_id", "url"}


def test_docs_page_works_without_fetching_anything_from_elsewhere(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    bundle = re.search(
        r'src="(/static/vendor/swagger-ui-5\.35\.0/swagger-ui-bundle\.[0-9a-f]+\.js)"', html)
    assert bundle, "the vendored Swagger UI bundle is not linked"
    assert "POST /api/v1/ideas" in html  # the plain list for people without JavaScript
    assert not re.search(r'src="https?://|<link[^>]+href="https?://', html)
    assert client.get(bundle.group(1)).status_code == 200


def _requires_a_token(operation: dict) -> bool:
    """openapi-python-client's rule (``requires_security = bool(operation.security)``): an
    operation with non-empty security is generated for an authenticated client only."""
    return bool(operation.get("security"))


def test_client_generators_demand_a_token_exactly_where_the_api_answers_401_without_one(
        client, make):
    from tests.factories import PASSWORD

    person = make.user(email="generator@example.org")
    idea = make.idea(status="accepted", title="Community fridge at the library")
    asset = make.asset()
    nomination = make.acv_nomination(asset)
    from citizenideas.extensions import db
    from citizenideas.services.asset_transfer import submit_transfer_request
    from tests.test_asset_transfer import FIELDS

    member = make.user()
    transfer = submit_transfer_request(member, asset, make.organisation(
        members=[(member, "manager")]), **FIELDS)
    db.session.commit()
    ids = {"idea_id": idea.id, "asset_id": asset.id, "claim_id": 1, "report_id": 1,
           "token_id": 1, "pledge_id": 1, "update_id": 1, "photo_id": 1,
           "nomination_id": nomination.id, "request_id": transfer.id, "question_id": 1}
    # The bodies a client sends to the operations that need no token (the others are refused
    # before their body is read).
    bodies = {
        ("post", "/api/v1/tokens"): {"email": person.email, "password": PASSWORD,
                                     "name": "Generated client"},
        ("post", "/api/v1/users"): {"email": "new.resident@example.org",
                                    "display_name": "New Resident",
                                    "password": "a long enough password 42"},
    }
    document = _document(client)
    answered = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            query = {p["name"]: "Community fridge" for p in operation.get("parameters", [])
                     if p["in"] == "query" and p.get("required")}
            response = client.open(path.format(**ids), method=method.upper(), query_string=query,
                                   json=bodies.get((method, path)))
            answered[(method, path)] = response.status_code
            if _requires_a_token(operation):
                assert response.status_code == 401, (method, path, response.status_code)
            else:
                assert response.status_code < 400, (method, path, response.get_json())
    assert answered[("get", "/api/v1/ideas")] == 200
    assert answered[("get", "/api/v1/categories")] == 200
    assert answered[("post", "/api/v1/tokens")] == 201
    assert answered[("post", "/api/v1/users")] == 202
    assert answered[("post", "/api/v1/ideas")] == 401
