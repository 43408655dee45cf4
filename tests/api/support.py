"""Assertions shared by the API tests."""

from __future__ import annotations


def assert_problem(response, status: int, field: str | None = None) -> dict:
    """The response is an RFC 9457 problem with ``status`` (and an error for ``field``)."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and "detail" in body
    if field is not None:
        assert field in body.get("errors", {}), body
    return body
