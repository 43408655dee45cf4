"""The OpenAPI 3.1 document (GET /api/v1/openapi.json) and the docs page (GET /api/docs).

The document is spectree's, generated from the same pydantic models that validate requests.
It is adjusted in four ways spectree cannot express: problem responses are served as
application/problem+json, paginated responses carry a Link header, a request body whose
fields are all optional is itself optional (no body means {}), and every operation says in
``x-auth`` whether a token is ``required`` (security: bearerAuth) or ``optional`` (security:
[], so client generators let an unauthenticated client call it).
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from .base import AUTH_OPTIONAL, MULTIPART_BODIES, bp, responses, spec
from .schemas import Out

docs_bp = Blueprint("api_docs", __name__)
_document: dict[str, Any] | None = None

LINK_HEADER = {"description": "RFC 8288 links to the first, previous, next and last pages.",
               "schema": {"type": "string"}}
RETRY_AFTER = {"description": "Seconds to wait before trying again.",
               "schema": {"type": "string"}}
WWW_AUTHENTICATE = {"description": "Bearer challenge.", "schema": {"type": "string"}}


class OpenApiDocument(Out):
    """An OpenAPI 3.1 document."""

    model_config = {"extra": "allow"}
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


def openapi_document() -> dict[str, Any]:
    """The document for this app (built once per process: the URL map does not change)."""
    global _document
    if _document is None:
        _document = _adjust(copy.deepcopy(spec.spec))
    return _document


def _adjust(document: dict[str, Any]) -> dict[str, Any]:
    problem_ref = "#/components/schemas/Problem"
    schemas = document["components"]["schemas"]
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["tags"] = operation.get("tags") or ["Meta"]
            operation["x-auth"] = "required" if operation.get("security") else "optional"
            body = operation.get("requestBody")
            if body:
                # A body whose fields are all optional may be left out: it means {}.
                ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                body["required"] = bool(schemas[ref].get("required"))
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                body = content.get("application/json")
                if body and body.get("schema", {}).get("$ref") == problem_ref:
                    response["content"] = {"application/problem+json": body}
                    if code == "429":
                        response["headers"] = {"Retry-After": RETRY_AFTER}
                    if code == "401":
                        response["headers"] = {"WWW-Authenticate": WWW_AUTHENTICATE}
                elif body and body.get("schema", {}).get("$ref", "").endswith("PageOut"):
                    response["headers"] = {"Link": LINK_HEADER}
    _add_multipart_bodies(document)
    document["tags"] = sorted(document.get("tags", []), key=lambda t: t["name"])
    return document


def _add_multipart_bodies(document: dict[str, Any]) -> None:
    """The request bodies of photo uploads (multipart/form-data), which spectree cannot
    describe: ``base.MULTIPART_BODIES`` by endpoint, placed on the endpoint's operation."""
    import re

    for rule in current_app.url_map.iter_rules():
        body = MULTIPART_BODIES.get(rule.endpoint)
        if body is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"].get(path, {}).get(method.lower())
            if operation is not None:
                operation["requestBody"] = copy.deepcopy(body)


@bp.get("/openapi.json")
@spec.validate(resp=responses(200, OpenApiDocument), tags=["Meta"], security=AUTH_OPTIONAL)
def openapi_json():
    """This document.

    A token is optional and changes nothing here.
    """
    return current_app.json.response(openapi_document())


@docs_bp.get("/api/docs")
def docs_page():
    """Human-readable API documentation: Swagger UI (vendored), and a plain list without JS."""
    document = openapi_document()
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations.append({"method": method.upper(), "path": "/api/v1" + path
                               if not path.startswith("/api/") else path,
                               "summary": operation.get("summary", ""),
                               "tag": (operation.get("tags") or ["Meta"])[0],
                               "auth": operation["x-auth"] == "required"})
    operations.sort(key=lambda o: (o["tag"], o["path"], o["method"]))
    return render_template("api/docs.html", operations=operations,
                           spec_url=url_for("api.openapi_json"))
