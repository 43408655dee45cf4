"""JSON API v1 under /api/v1, over the same services as the pages."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the API blueprint(s). Filled in by the API work."""
    return None
