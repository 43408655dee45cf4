"""Settings an admin can change at run time, falling back to the environment's settings."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy import select

from ..extensions import db
from ..models import SiteSetting

EDITABLE = ("COUNCIL_NAME", "COUNCIL_SHORT_NAME", "COUNCIL_LOGO_URL", "COUNCIL_COLOUR",
            "RESPONSE_TARGET_DAYS", "CONTACT_EMAIL")


def site_settings() -> dict:
    """The effective settings for this request: database overrides over configuration."""
    cached = g.get("_site_settings")
    if cached is not None:
        return cached
    values = _configured()
    for row in db.session.scalars(select(SiteSetting)):
        if row.key in values:
            values[row.key] = row.value
    values["RESPONSE_TARGET_DAYS"] = int(values["RESPONSE_TARGET_DAYS"])
    g._site_settings = values
    return values


def use_configured_settings() -> None:
    """For the rest of this request, the environment's settings only: the database cannot
    be reached (the error page must still show the council's name and colour)."""
    values = _configured()
    values["RESPONSE_TARGET_DAYS"] = int(values["RESPONSE_TARGET_DAYS"])
    g._site_settings = values


def _configured() -> dict:
    return {key: current_app.config.get(key) for key in EDITABLE}


def response_target_days() -> int:
    return site_settings()["RESPONSE_TARGET_DAYS"]
