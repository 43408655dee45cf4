"""Maps: the ideas on a map (/ideas/map, the list of the same ideas below it), and the open
GeoJSON both maps draw from (/ideas.geojson, /assets.geojson).

The map is an enhancement: every map page is a list first, and the map draws only with
JavaScript, from the GeoJSON with the page's own query string.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request, url_for

from ..csp import allow_map_tiles
from ..models import ASSET_KINDS, COMMUNITY_STATUSES
from ..page_cache import public_page
from ..pagination import requested_page
from ..services import geojson, places_on_map
from .forms import int_field
from .ideas import _is_htmx, _options, list_context, list_filters

bp = Blueprint("maps", __name__)
CACHE = "public, max-age=300"


def map_page() -> dict:
    """For a template drawing a map: where it starts ({"lat", "lon", "zoom"}); and this
    page's Content-Security-Policy lets it load the map's tiles."""
    allow_map_tiles()
    return places_on_map.map_view()


@bp.app_context_processor
def _map_page():
    return {"map_page": map_page}


def _geojson(document: dict, name: str) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                        mimetype=geojson.MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{name}.geojson"'
    response.headers["Cache-Control"] = CACHE
    next_link = [link for link in document["links"] if link["rel"] == "next"]
    if next_link:
        response.headers["Link"] = f'<{next_link[0]["href"]}>; rel="next"'
    return response


def _page_url(endpoint: str):
    """The absolute address of page n of this document, with the same filters."""
    args = {k: v for k, v in request.args.items() if k != "page"}

    def page_url(number: int) -> str:
        return url_for(endpoint, _external=True, **args, **({"page": number}
                                                            if number > 1 else {}))
    return page_url


@bp.get("/ideas.geojson")
@public_page
def ideas_geojson():
    """The public ideas with a point, filtered as /ideas is (its query string; the open data
    downloads' ward_id and category_id are understood too)."""
    filters = list_filters(request.args)
    document = geojson.idea_collection(
        q=filters["q"], status=filters["status"],
        category_id=filters["category_id"] or int_field("category_id", request.args),
        ward_id=filters["ward_id"] or int_field("ward_id", request.args),
        page=requested_page(request.args), page_url=_page_url("maps.ideas_geojson"))
    return _geojson(document, "ideas")


def asset_filters(args) -> dict:
    """The filters of /assets: kind, ward_id, community_status (anything unknown: none)."""
    kind = args.get("kind")
    status = args.get("community_status")
    return {"kind": kind if kind in ASSET_KINDS else None,
            "ward_id": int_field("ward_id", args),
            "community_status": status if status in COMMUNITY_STATUSES else None}


@bp.get("/assets.geojson")
@public_page
def assets_geojson():
    """The community places with a point, filtered as /assets is."""
    document = geojson.asset_collection(**asset_filters(request.args),
                                        page=requested_page(request.args),
                                        page_url=_page_url("maps.assets_geojson"))
    return _geojson(document, "community-places")


def map_layers(primary: str, primary_url: str, other_url: str) -> list[dict]:
    """The map's layers for the page's script: the page's own things first (shown), the
    other kind second (switched off until chosen in the layer control)."""
    from flask_babel import gettext as _

    layers = {"ideas": {"kind": "ideas", "name": _("Ideas")},
              "places": {"kind": "places", "name": _("Community places")}}
    first = layers[primary] | {"url": primary_url, "shown": True}
    second = layers["places" if primary == "ideas" else "ideas"] | {"url": other_url,
                                                                     "shown": False}
    return [first, second]


@bp.get("/ideas/map")
@public_page
def ideas_map():
    """The ideas of the current filters on a map, and the same ideas listed below it
    (without JavaScript, only the list)."""
    filters = list_filters(request.args)
    context = list_context(filters)
    if _is_htmx() and request.headers.get("HX-Target") == "idea-results":
        return render_template("ideas/_results.html", oob_status=True,
                               list_endpoint="maps.ideas_map", **context)
    query = {k: v for k, v in request.args.items() if k != "page"}
    categories, wards = _options()
    return render_template(
        "ideas/map.html", categories=categories, wards=wards, list_endpoint="maps.ideas_map",
        layers=map_layers("ideas", url_for("maps.ideas_geojson", **query),
                          url_for("maps.assets_geojson")),
        **context)
