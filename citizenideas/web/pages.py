"""Static pages: home, accessibility statement, privacy notice."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    """What the platform is for and how to take part. (The residents' area fills in the lists.)"""
    return render_template("pages/home.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")
