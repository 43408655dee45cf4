"""JSON API v1 under /api/v1, over the same services as the pages.

One module per area registers its endpoints on ``base.bp``; ``document`` serves the OpenAPI
document generated from the same pydantic models that validate requests, and /api/docs.
"""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the API blueprint (CSRF-exempt: it checks CSRF itself for cookie writes)."""
    from ..extensions import csrf
    from . import (  # noqa: F401 - importing a module registers its endpoints
        accounts,
        asset_reports,  # noqa: F401 - after a transfer (reports, access comments)
        asset_transfer,
        assets,
        community_value,
        community_value_steps,
        council,
        document,
        ideas,
        notifications,
        partners,
        photos,
        reference,
        tokens,
    )
    from .base import bp

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(document.docs_bp)
