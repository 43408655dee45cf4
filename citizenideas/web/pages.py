"""Static pages: home, accessibility statement, privacy notice."""

from __future__ import annotations

import importlib

from flask import Blueprint, render_template

from ..page_cache import public_page
from ..services import ideas

bp = Blueprint("pages", __name__)


def _headline_figures() -> dict | None:
    """The public response figures, when the accountability service is installed."""
    try:
        stats = importlib.import_module("citizenideas.services.stats")
    except ImportError:
        return None
    return stats.headline_figures()


@bp.get("/")
@public_page
def home():
    """What the platform is for, how to take part, popular ideas, outcomes and figures."""
    return render_template("pages/home.html", top_ideas=ideas.most_supported_open(5),
                           outcomes=ideas.latest_outcomes(3), figures=_headline_figures())


@bp.get("/accessibility")
@public_page
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
@public_page
def privacy():
    return render_template("pages/privacy.html")
