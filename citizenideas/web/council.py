"""Pages for the council area."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("council", __name__)
