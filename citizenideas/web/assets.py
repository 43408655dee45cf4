"""Pages for the assets area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assets", __name__)
