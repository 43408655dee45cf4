"""A light first load: static files have content-hashed names, are kept for a year by any
cache, and go out precompressed; pages and API answers are compressed when the browser
accepts it, and decompress to exactly what an uncompressed answer holds."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from citizenideas.extensions import db

ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def _assets(page: str) -> list[str]:
    return ASSET.findall(page)


def _decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    assert encoding is None, encoding
    return data


def test_pages_link_static_files_by_content_hashed_names(client):
    assets = _assets(client.get("/").get_data(as_text=True))
    own = [a for a in assets if "/vendor/" not in a]
    assert own, assets
    assert all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", a) for a in own), own


def test_a_hashed_static_file_is_immutable_for_a_year(client):
    for asset in _assets(client.get("/").get_data(as_text=True)):
        response = client.get(asset)
        assert response.status_code == 200, asset
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_files_go_out_precompressed_and_decompress_to_the_file(app, client, encoding):
    from pathlib import Path

    page = client.get("/").get_data(as_text=True)
    css = next(a for a in _assets(page) if a.endswith(".css") and "/vendor/" not in a)
    plain = client.get(css)
    packed = client.get(css, headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers.get("Vary", "")
    assert _decoded(packed) == plain.get_data()
    original = Path(app.static_folder, "css", "citizenideas.css").read_bytes()
    assert plain.get_data() == original


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_api_answers_are_compressed_and_decompress_to_the_same_json(client, make, encoding):
    for n in range(30):
        make.category(name=f"Category number {n} with a longer name")
    db.session.commit()
    plain = client.get("/api/v1/categories")
    packed = client.get("/api/v1/categories", headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.get_data()) < len(plain.get_data())
    assert _decoded(packed) == plain.get_data()


def test_pages_are_compressed_when_the_browser_accepts_it(client, make):
    make.idea(title="A bench by the library")
    db.session.commit()
    packed = client.get("/ideas", headers={"Accept-Encoding": "br, gzip"})
    assert packed.headers["Content-Encoding"] == "br"
    page = _decoded(packed).decode()
    assert page.startswith("<!DOCTYPE html>") and "A bench by the library" in page
    assert page.rstrip().endswith("</html>")


def test_the_first_load_of_the_ideas_list_is_at_most_100_kb_on_the_wire(client, make):
    for n in range(20):
        make.idea(title=f"Idea number {n} about the park and the library")
    db.session.commit()
    accept = {"Accept-Encoding": "br, gzip"}
    page = client.get("/ideas", headers=accept)
    sizes = {"/ideas": len(page.get_data())}
    for asset in _assets(_decoded(page).decode()):
        sizes[asset] = len(client.get(asset, headers=accept).get_data())
    assert sum(sizes.values()) <= 100 * 1024, sizes
