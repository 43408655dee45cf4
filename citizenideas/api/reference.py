"""Reference data and public figures: wards, categories, organisations, stats."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Category, Ward
from ..services.organisations import list_organisations
from ..services.stats import accountability_figures
from .base import AUTH_OPTIONAL, bp, paginated, responses, spec
from .schemas import Id, Out, PageOut, PageQuery, Query


class WardOut(Out):
    id: int
    name: str
    ons_code: str | None
    name_cy: str | None = None  # the Welsh name, where the council has given one


class WardListOut(Out):
    items: list[WardOut]


class CategoryOut(Out):
    id: int
    name: str
    slug: str
    description: str
    name_cy: str | None = None  # in Welsh, where the council has given them
    description_cy: str | None = None


class CategoryListOut(Out):
    items: list[CategoryOut]


class OrganisationOut(Out):
    id: int
    name: str
    description: str
    website: str | None
    verified: bool


class OrganisationPageOut(PageOut):
    items: list[OrganisationOut]


class StatsQuery(Query):
    ward_id: Id | None = None
    category_id: Id | None = None


class StatsOut(Out):
    """The figures on the public accountability page (see its definitions)."""

    generated_at: str
    filters: dict[str, int | None]
    response_target_days: int
    decision_target_days: int
    totals: dict[str, Any]
    decisions_by_status: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_ward: list[dict[str, Any]]
    by_category: list[dict[str, Any]]


@bp.get("/wards")
@spec.validate(resp=responses(200, WardListOut), tags=["Reference"], security=AUTH_OPTIONAL)
def wards():
    """Wards in use, by name.

    A token is optional and changes nothing here.
    """
    rows = db.session.scalars(select(Ward).where(Ward.retired_at.is_(None)).order_by(Ward.name))
    return WardListOut(items=[WardOut.model_validate(w) for w in rows])


@bp.get("/categories")
@spec.validate(resp=responses(200, CategoryListOut), tags=["Reference"],
               security=AUTH_OPTIONAL)
def categories():
    """Categories in use, by name.

    A token is optional and changes nothing here.
    """
    rows = db.session.scalars(select(Category).where(Category.retired_at.is_(None))
                              .order_by(Category.name))
    return CategoryListOut(items=[CategoryOut.model_validate(c) for c in rows])


@bp.get("/organisations")
@spec.validate(resp=responses(200, OrganisationPageOut, 422), tags=["Reference"],
               security=AUTH_OPTIONAL)
def organisations(query: PageQuery):
    """Verified partner organisations, by name.

    A token is optional and changes nothing here.
    """
    found = list_organisations(verified=True, page=query.page, per_page=query.per_page)
    return paginated(OrganisationPageOut, found,
                     [OrganisationOut(id=o.id, name=o.name, description=o.description or "",
                                      website=o.website, verified=o.is_verified)
                      for o in found.items])


@bp.get("/stats")
@spec.validate(resp=responses(200, StatsOut, 422), tags=["Reference"], security=AUTH_OPTIONAL)
def stats(query: StatsQuery):
    """The accountability figures: responses, response times, delivery, outcomes.

    A token is optional and changes nothing here.
    """
    return StatsOut.model_validate(accountability_figures(ward_id=query.ward_id,
                                                          category_id=query.category_id))
