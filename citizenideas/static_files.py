"""Static files: content-hashed names, precompressed, served by WhiteNoise before Flask.

At start-up every file under ``citizenideas/static`` is copied into a build folder
(``STATIC_BUILD_DIR``, by default ``instance/static-build``) twice: under its own name and
under a name carrying a hash of its content (``css/citizenideas.3f2a9c01b7de.css``), each
with a gzip and a brotli copy beside it. ``url_for('static', ...)`` gives the hashed name, so
a changed file gets a new address and every cache may keep each address for a year
(``immutable``). WhiteNoise answers ``/static/`` before Flask sees the request (no session,
no database, no Jinja), choosing the precompressed copy the browser accepts.

Work already done is not repeated: a file whose hashed copy exists is skipped, so a restart
costs a hash of each file (a few milliseconds). Copies are written to a temporary name and
renamed, so several workers starting at once never serve half a file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from pathlib import Path

import brotli
from flask import Flask
from whitenoise import WhiteNoise

YEAR = 365 * 24 * 3600
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
# Vendored files carry their version in their folder or file name (htmx-2.0.11.min.js).
VERSIONED = re.compile(r"/vendor/[^/]*\d+\.\d+\.\d+")
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".map", ".txt", ".html", ".ico", ".xml"}
MIN_SIZE = 512


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _compressed(data: bytes) -> dict[str, bytes]:
    """The gzip and brotli copies of ``data`` (brotli's best takes half a minute on Swagger
    UI's 1.7 MB bundle, for 8% less: large files get quality 9)."""
    quality = 11 if len(data) < 256 * 1024 else 9
    return {".gz": gzip.compress(data, 9, mtime=0), ".br": brotli.compress(data, quality=quality)}


def _publish(target: Path, data: bytes, copies: dict[str, bytes]) -> None:
    """Put ``data`` at ``target`` with its compressed copies (written first: the file's
    presence says its copies are done)."""
    for suffix, packed in copies.items():
        _write(target.with_name(target.name + suffix), packed)
    _write(target, data)


def build_static(source: Path, build: Path) -> dict[str, str]:
    """Copy ``source`` into ``build`` with hashed names; the manifest {name: hashed name}."""
    manifest: dict[str, str] = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        name = path.relative_to(source).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem, dot, suffix = name.rpartition(".")
        hashed = f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{name}.{digest}"
        manifest[name] = hashed
        plain = build / name
        if (build / hashed).exists() and plain.exists() and plain.read_bytes() == data:
            continue  # built before (a hashed name changes with the content)
        compressible = path.suffix in COMPRESSIBLE and len(data) >= MIN_SIZE
        copies = _compressed(data) if compressible else {}
        _publish(build / hashed, data, copies)
        _publish(plain, data, copies)
    return manifest


def init_static(app: Flask) -> None:
    """Build the hashed copies, make ``url_for('static')`` use them, and put WhiteNoise in
    front of the application for ``/static/``."""
    source = Path(app.static_folder)
    build = Path(app.config.get("STATIC_BUILD_DIR") or Path(app.instance_path) / "static-build")
    manifest = build_static(source, build)
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def _hashed_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    def immutable(path: str, url: str) -> bool:
        return bool(HASHED.search(url) or VERSIONED.search(url))

    app.wsgi_app = _StaticFiles(app.wsgi_app, root=str(build), prefix="static/",
                                max_age=3600, immutable_file_test=immutable)


class _StaticFiles(WhiteNoise):
    # A year, as caches and auditing tools expect (WhiteNoise's own is ten).
    FOREVER = YEAR
