"""Shared pieces of the API's request and response schemas (pydantic v2).

These models both validate requests (through spectree) and generate the OpenAPI document, so
the document cannot drift from what the code accepts. They describe *shapes* only: types,
enums, required fields, page sizes. The domain's own rules (lengths, who may do what, which
status changes are allowed) live in the services, and their errors come back as 422/403/409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..pagination import MAX_PAGE, MAX_PER_PAGE

# Database ids are 32-bit integers: anything larger can never match, so it is refused up front
# rather than sent to PostgreSQL (which would fail with "integer out of range").
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Text may not contain NUL: PostgreSQL cannot store it in a text column.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class Body(BaseModel):
    """A JSON request body: unknown fields and wrong types are refused, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Query(BaseModel):
    """Query-string parameters (strings on the wire, so parsed in lax mode). An unknown
    parameter is refused, so a misspelt filter is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(from_attributes=True)


# page and per_page for every API list, within the limits the pages and paginate() share.
class PageQuery(Query):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE,
                          description=f"Items per page, at most {MAX_PER_PAGE}.")


class PageOut(Out):
    page: int
    per_page: int
    total: int


class Problem(Out):
    """An RFC 9457 problem. ``errors`` maps request field names to messages (422 only)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


class Named(Out):
    """A reference to a ward, category or organisation."""

    id: int
    name: str


class Empty(Out):
    """No content."""


__all__ = ["MAX_ID", "Body", "Empty", "Id", "Named", "Out", "PageOut", "PageQuery", "Problem",
           "Query", "Text", "datetime"]
