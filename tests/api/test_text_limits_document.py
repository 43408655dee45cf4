"""The OpenAPI document states the services' text rule exactly: a text the document allows is
accepted by the service, and a text it refuses is refused (whitespace, control characters and
old line endings included)."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citizenideas.api.ideas import CommentIn, IdeaIn
from citizenideas.api.partners import ClaimIn, OutcomeIn
from citizenideas.api.schemas import Body, text_limits
from citizenideas.services.text_rules import clean_text


class ShortText(Body):
    """Limits small enough for generated texts to cross both of them."""

    text: Annotated[str, text_limits(6, minimum=2, required=True)]

# Characters that make the rule interesting: trimmed, removed, and "\r\n" counted once.
TRICKY = st.sampled_from(["a", "é", " ", "\t", "\n", "\r", "\x00", "\x01", "\x0b", "\x1f",
                          "\x7f", "\x85", "\xa0", "\u2028", "\ufffe", "\ufeff"])


def _service_accepts(value: str, minimum: int, maximum: int, required: bool) -> bool:
    errors: dict[str, list[str]] = {}
    clean_text(value, "field", errors, required="Enter it" if required else None,
               minimum=minimum, too_short="Too short", maximum=maximum, too_long="Too long")
    return not errors


def _document_pattern(client, schema: str, field: str) -> re.Pattern:
    document = client.get("/api/v1/openapi.json").get_json()
    return re.compile(document["components"]["schemas"][schema]["properties"][field]["pattern"])


def _model_pattern(model, field: str) -> re.Pattern:
    """The pattern as the model gives it to the document (no app needed, for Hypothesis)."""
    schema = model.model_json_schema()["properties"][field]
    schema = schema["anyOf"][0] if "anyOf" in schema else schema  # text or null
    return re.compile(schema["pattern"])


@pytest.mark.parametrize("model, field, minimum, maximum, required", [
    (IdeaIn, "title", 8, 120, True),
    (ClaimIn, "plan", 20, 5000, True),
    (CommentIn, "body", 1, 5000, True),
    (OutcomeIn, "summary", 10, 2000, False),
    (OutcomeIn, "funding_source", 0, 200, False),
    (ShortText, "text", 2, 6, True),
])
@given(text=st.lists(TRICKY, max_size=30).map("".join) | st.text(max_size=30))
def test_the_documented_text_rule_is_the_services_rule(model, field, minimum, maximum, required,
                                                        text):
    pattern = _model_pattern(model, field)
    assert bool(pattern.search(text)) is _service_accepts(text, minimum, maximum, required)


@pytest.mark.parametrize("text, accepted", [
    ("Fruit trees", True), ("  Fruit  trees \x01\r\n", True), ("Fruit\r\n\x01", False),
    ("Fruit\r\ntr", True), ("Fruit\r\nt", False), ("Fruit\rtr", True),
    ("Fruit\r\x01\nt", False), ("\x01\x02\x03\x04 Fruit", False),
    ("x" * 120, True), ("x" * 121, False), (" " + "x" * 120 + "\x00 ", True),
])
def test_a_title_is_valid_by_the_document_exactly_when_the_service_accepts_it(
        client, text, accepted):
    pattern = _document_pattern(client, "IdeaIn", "title")
    assert bool(pattern.search(text)) is accepted
    assert _service_accepts(text, 8, 120, True) is accepted


def test_the_document_states_required_text_lengths_formats_and_rules(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    title = schemas["IdeaIn"]["properties"]["title"]
    assert title["minLength"] == 1 and "8 to 120 characters" in title["description"]
    assert "minLength 1 after trimming" in schemas["CommentIn"]["properties"]["body"]["description"]
    assert schemas["RegisterIn"]["properties"]["email"]["format"] == "email"
    assert schemas["IdeaIn"]["properties"]["lat"]["anyOf"][0] == {
        "type": "number", "minimum": -90, "maximum": 90}
    assert schemas["DecisionIn"]["if"] == {"properties": {"decision": {"const": "reject"}},
                                           "required": ["decision"]}
    assert schemas["DecisionIn"]["then"]["required"] == ["message"]
    assert "message" in schemas["WithdrawIdeaIn"]["required"]


def test_responses_use_the_same_enums_as_requests(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["IdeaOut"]["properties"]["status"]["enum"] == \
        schemas["StatusIn"]["properties"]["status"]["enum"]
    assert set(schemas["ClaimOut"]["properties"]["status"]["enum"]) == {
        "pending", "approved", "rejected", "withdrawn"}
    result = schemas["OutcomeOut"]["properties"]["result"]["anyOf"][0]["enum"]
    assert result == schemas["OutcomeIn"]["properties"]["result"]["anyOf"][0]["enum"]
