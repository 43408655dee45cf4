"""Content-Security-Policy: scripts only from this site, plus the one inline script of the
GOV.UK page template (allowed by a per-response nonce, passed to it as ``cspNonce``, and by
its hash, because hx-boost re-runs that script from each page it swaps in, carrying that
page's nonce rather than the one of the document's policy).

Styles allow 'unsafe-inline': GOV.UK Frontend, the council colour and htmx's indicator styles
use inline styles. Inline styles cannot run code; inline scripts can, and are never allowed.

Images: this site and data: URLs, plus the council logo's site when the logo is on another
one; a page with a map (``allow_map_tiles()``) adds the tile server's site. No other page may
load an image from elsewhere, and no page may connect to another site.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path

from flask import Flask, Response, g, request

_GOVUK_TEMPLATE = "govuk_frontend_jinja/templates/template.html"


def _govuk_inline_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts in the installed GOV.UK page template."""
    import govuk_frontend_jinja

    text = (Path(govuk_frontend_jinja.__file__).parent / "templates" / "template.html").read_text()
    hashes = []
    for body in re.findall(r"<script[^>]*>(.*?)</script>", text, re.DOTALL):
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        hashes.append("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    return hashes


def nonce() -> str:
    """This response's nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def origin_of(url: str | None) -> str | None:
    """``https://tile.openstreetmap.org`` for a tile URL template or an image address; None
    for a relative address or anything that is not http(s) (a template's ``{s}`` subdomain
    placeholder becomes a wildcard: ``https://*.tile.example.org``)."""
    match = re.match(r"^(https?)://([^/?#]+)", (url or "").strip(), re.IGNORECASE)
    if not match:
        return None
    host = re.sub(r"^\{s\}\.", "*.", match.group(2).lower())
    if not re.fullmatch(r"(\*\.)?[a-z0-9.-]+(:\d+)?", host):
        return None
    return f"{match.group(1).lower()}://{host}"


def allow_map_tiles() -> None:
    """This response shows a map: let it load images from the tile server."""
    from flask import current_app

    g.csp_map_tiles = origin_of(current_app.config.get("MAP_TILE_URL"))


def _image_sources() -> list[str]:
    from flask import current_app

    settings = g.get("_site_settings") or current_app.config
    sources = [origin_of(settings.get("COUNCIL_LOGO_URL")), g.get("csp_map_tiles")]
    return sorted({s for s in sources if s})


def policy(script_nonce: str | None, script_hashes: list[str],
           image_sources: list[str] = ()) -> str:
    """The policy; without a nonce for a page shared by every visitor (page_cache.py), whose
    one inline script is allowed by its hash alone."""
    sources = ["'self'"] + ([f"'nonce-{script_nonce}'"] if script_nonce else []) + script_hashes
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(sources),
        "style-src 'self' 'unsafe-inline'",
        "img-src " + " ".join(["'self'", "data:", *image_sources]),
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]).strip()


def init_csp(app: Flask) -> None:
    hashes = _govuk_inline_script_hashes()

    from .page_cache import serving_visitor

    @app.context_processor
    def _csp_nonce():
        return {"cspNonce": None if serving_visitor() else nonce()}

    @app.after_request
    def _content_security_policy(response):
        if (g.get("csp_map_tiles") and request.method == "GET"
                and request.headers.get("HX-Boosted")):
            # A page htmx swaps into the document keeps that document's policy, which does
            # not let it load the map's tiles: ask htmx to load this page itself instead.
            # (Never stored by the page cache: it keeps 200 answers only.)
            query = request.query_string.decode("latin-1")
            reload = Response(status=204)
            reload.headers["HX-Redirect"] = request.path + (f"?{query}" if query else "")
            return reload
        response.headers.setdefault("Content-Security-Policy",
                                    policy(None if serving_visitor() else nonce(), hashes,
                                           _image_sources()))
        return response
