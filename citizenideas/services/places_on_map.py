"""Where ideas are: the maps' start view, the rules for a point on the map, and staff setting
or correcting an idea's point.

A point is optional and always two numbers, latitude and longitude in decimal degrees (WGS 84,
as GPS and every web map use). One set of rules for the forms, the API and staff: both or
neither, each within its range, and within ``MAP_RADIUS_KM`` of the map's centre (a point in
another country is a slip of the finger, not a place in the council's area).
"""

from __future__ import annotations

import math
import re

from flask import current_app
from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Idea, User, utcnow
from ..permissions import require
from .audit import record_audit

EARTH_RADIUS_KM = 6371.0088
PRECISION = 6  # decimal places kept: about 10 cm, more than any finger on a phone can place
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_centre(text: str | None) -> tuple[float, float] | None:
    """``"52.6210,-1.6930"`` as (lat, lon), or None if it is not a point on Earth."""
    parts = (text or "").replace(" ", "").split(",")
    if len(parts) != 2:
        return None
    lat, lon = (_number(p) for p in parts)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def map_view() -> dict:
    """Where the maps start: {"lat", "lon", "zoom"} from the site settings (an admin's
    choice over the configuration's)."""
    from .site import site_settings

    settings = site_settings()
    centre = (parse_centre(settings.get("MAP_CENTRE"))
              or parse_centre(current_app.config.get("MAP_CENTRE")) or (0.0, 0.0))
    return {"lat": centre[0], "lon": centre[1], "zoom": int(settings.get("MAP_ZOOM") or 14)}


def _number(raw) -> float | None:
    """A finite float from a float or a decimal string ("52.62", "-1.5"), else None.

    Strings are read strictly (no "nan", "inf", "1e3", thousands separators or commas as
    decimal points): what a form sends is either a plain decimal or a mistake.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not _NUMBER.match(text) or len(text) > 30:
            return None
        value = float(text)
    return value if math.isfinite(value) else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def clean_point(lat, lon, errors: dict[str, list[str]]) -> tuple[float | None, float | None]:
    """The point (lat, lon) as floats, or (None, None) for no point; problems go into
    ``errors`` under "lat" and "lon" (the form's and the API's field names).

    Accepts numbers (the API) or the strings a form sends; empty means no point.
    """
    given = {"lat": lat, "lon": lon}
    if all(_blank(v) for v in given.values()):
        return None, None
    ranges = {"lat": (-90, 90, _("Enter a latitude between -90 and 90, like 52.6210")),
              "lon": (-180, 180, _("Enter a longitude between -180 and 180, like -1.6930"))}
    values: dict[str, float | None] = {}
    for name, (low, high, message) in ranges.items():
        if _blank(given[name]):
            errors[name] = [_("Enter both the latitude and the longitude, or neither")]
            continue
        values[name] = _number(given[name])
        if values[name] is None or not low <= values[name] <= high:
            errors[name] = [message]
    if "lat" in errors or "lon" in errors:
        return None, None
    point = (round(values["lat"], PRECISION), round(values["lon"], PRECISION))
    radius = int(current_app.config.get("MAP_RADIUS_KM") or 0)
    centre = map_view()
    if radius and distance_km(point, (centre["lat"], centre["lon"])) > radius:
        errors["lat"] = [_("This point is outside the council's area: put the pin within "
                           "%(km)s km of the middle of the map", km=radius)]
        return None, None
    return point


def set_idea_location(actor: User, idea: Idea, *, lat, lon) -> Idea:
    """Staff set, move or clear an idea's point on the map (audited; the idea's page and the
    map show the new point at once)."""
    require(actor, "moderate")
    errors: dict[str, list[str]] = {}
    lat, lon = clean_point(lat, lon, errors)
    if errors:
        raise ValidationFailed(_("Check the map position."), errors)
    before = {"lat": idea.lat, "lon": idea.lon}
    idea.lat, idea.lon = lat, lon
    idea.updated_at = utcnow()
    record_audit(actor, "idea.location", idea, before, {"lat": lat, "lon": lon})
    db.session.flush()
    return idea
