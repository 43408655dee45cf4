"""Open GeoJSON (RFC 7946): the ideas and the community places that have a point on the map.

Each is a ``FeatureCollection`` of ``Point`` features, coordinates ``[longitude, latitude]``
(WGS 84, as RFC 7946 requires; note the order), with public properties only: the same as
the ideas' CSV and JSON, never anything about a person (no author, no user id). Hidden ideas
are never listed, whoever asks: the files are shared by everyone through the page cache.

Large councils: at most ``PAGE_SIZE`` features per document, newest first, with the
OGC API Features members ``numberMatched``, ``numberReturned`` and ``links`` (``next`` when
there is more) beside the RFC's own, which readers that do not know them ignore. Only the
columns the features need are read, in one query (plus one count).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from ..extensions import db
from ..models import Category, CommunityAsset, Idea, Ward
from . import search
from .assets import KIND_LABELS
from .assets import STATUS_LABELS as COMMUNITY_STATUS_LABELS
from .ideas import listing_conditions
from .lifecycle import STATUS_LABELS
from .opendata import LICENCE, LICENCE_URL, site_url

PAGE_SIZE = 5000
MEDIA_TYPE = "application/geo+json"


def point(lat: float, lon: float) -> dict:
    """A GeoJSON Point: [longitude, latitude], 6 decimal places (about 10 cm)."""
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def _collection(features: list[dict], *, total: int, page: int,
                page_url: Callable[[int], str]) -> dict:
    links = [{"rel": "self", "type": MEDIA_TYPE, "href": page_url(page)}]
    if page * PAGE_SIZE < total:
        links.append({"rel": "next", "type": MEDIA_TYPE, "href": page_url(page + 1)})
    return {"type": "FeatureCollection", "licence": LICENCE, "licence_url": LICENCE_URL,
            "numberMatched": total, "numberReturned": len(features), "links": links,
            "features": features}


def idea_collection(*, q: str | None = None, status: str | None = None,
                    category_id: int | None = None, ward_id: int | None = None,
                    page: int = 1, page_url: Callable[[int], str]) -> dict:
    """The public ideas matching the filters of /ideas that have a point, newest first."""
    conditions = [*listing_conditions(status=status, category_id=category_id, ward_id=ward_id),
                  Idea.lat.is_not(None), Idea.lon.is_not(None)]
    rows = (select(Idea.id, Idea.reference, Idea.title, Idea.status, Idea.lat, Idea.lon,
                   Ward.name, Category.name)
            .join(Ward, Ward.id == Idea.ward_id).join(Category, Category.id == Idea.category_id)
            .where(*conditions))
    counted = select(func.count(Idea.id)).where(*conditions)
    if (q or "").strip():
        parsed = search.parse_query(q)
        if not parsed:
            return _collection([], total=0, page=1, page_url=page_url)
        match = search.match_ideas(parsed)
        rows, counted = match.apply(rows), match.apply(counted)
    total = db.session.scalar(counted) or 0
    page = max(1, page)
    features = [
        {"type": "Feature", "id": idea_id, "geometry": point(lat, lon),
         "properties": {"id": idea_id, "reference": reference, "title": title,
                        "status": status_code,
                        "status_label": str(STATUS_LABELS.get(status_code, status_code)),
                        "ward": ward, "category": category,
                        "url": site_url(f"/ideas/{idea_id}")}}
        for idea_id, reference, title, status_code, lat, lon, ward, category in db.session.execute(
            rows.order_by(Idea.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))]
    return _collection(features, total=total, page=page, page_url=page_url)


def asset_collection(*, kind: str | None = None, ward_id: int | None = None,
                     community_status: str | None = None, page: int = 1,
                     page_url: Callable[[int], str]) -> dict:
    """The community places in the register (not retired) matching the filters of /assets
    that have a point, by name."""
    conditions = [CommunityAsset.retired_at.is_(None), CommunityAsset.lat.is_not(None),
                  CommunityAsset.lon.is_not(None)]
    if kind:
        conditions.append(CommunityAsset.kind == kind)
    if ward_id:
        conditions.append(CommunityAsset.ward_id == ward_id)
    if community_status:
        conditions.append(CommunityAsset.community_status == community_status)
    total = db.session.scalar(select(func.count(CommunityAsset.id)).where(*conditions)) or 0
    page = max(1, page)
    rows = db.session.execute(
        select(CommunityAsset.id, CommunityAsset.name, CommunityAsset.kind,
               CommunityAsset.community_status, CommunityAsset.lat, CommunityAsset.lon,
               Ward.name)
        .outerjoin(Ward, Ward.id == CommunityAsset.ward_id).where(*conditions)
        .order_by(CommunityAsset.name, CommunityAsset.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    features = [
        {"type": "Feature", "id": asset_id, "geometry": point(lat, lon),
         "properties": {"id": asset_id, "title": name, "kind": kind_code,
                        "kind_label": str(KIND_LABELS.get(kind_code, kind_code)),
                        "community_status": status_code,
                        "community_status_label": str(COMMUNITY_STATUS_LABELS.get(
                            status_code, status_code)),
                        "ward": ward, "url": site_url(f"/assets/{asset_id}")}}
        for asset_id, name, kind_code, status_code, lat, lon, ward in rows]
    return _collection(features, total=total, page=page, page_url=page_url)
