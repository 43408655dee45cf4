"""Pages for the accountability area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accountability", __name__)
