"""Redirects and absolute links stay on this site: next= and Referer never send people
elsewhere, and absolute links come from SITE_URL, never the Host header."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD, csrf_token

HOSTILE_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
                "/\t/evil.example", "javascript:alert(1)", "http:/evil.example",
                "/%0d%0aSet-Cookie:x=1", " //evil.example"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_redirects_off_the_site(client, make, target):
    make.user(email="sam@example.org")
    response = client.post("/sign-in", query_string={"next": target},
                           data={"email": "sam@example.org", "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]
    assert "\r" not in location and "\n" not in location


def test_sign_in_follows_a_path_on_this_site(client, make):
    make.user(email="sam@example.org")
    response = client.post("/sign-in", query_string={"next": "/me/notifications?page=2"},
                           data={"email": "sam@example.org", "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/me/notifications?page=2"


def test_the_go_back_link_on_error_pages_ignores_another_sites_referer(client):
    html = client.get("/no-such-page", headers={"Referer": "https://evil.example/x"}
                      ).get_data(as_text=True)
    assert "evil.example" not in html
    html = client.get("/no-such-page", headers={"Referer": "http://localhost/ideas"}
                      ).get_data(as_text=True)
    assert 'href="http://localhost/ideas"' in html


def test_the_go_back_link_ignores_a_referer_on_a_lookalike_host(client):
    html = client.get("/no-such-page",
                      headers={"Referer": "http://localhost.evil.example/ideas"}
                      ).get_data(as_text=True)
    assert "evil.example" not in html


def test_api_pagination_links_use_site_url_not_the_host_header(app, client, make):
    app.config["SITE_URL"] = "https://ideas.example.gov.uk"
    for _ in range(3):
        make.idea()
    response = client.get("/api/v1/ideas?per_page=1", headers={"Host": "evil.example"})
    assert response.status_code == 200
    link = response.headers["Link"]
    assert "evil.example" not in link
    assert "<https://ideas.example.gov.uk/api/v1/ideas?" in link


def test_emailed_links_use_site_url_not_the_host_header(app, client, make):
    from sqlalchemy import select

    from citizenideas.extensions import db
    from citizenideas.models import Notification

    app.config.update(SITE_URL="https://ideas.example.gov.uk", WTF_CSRF_ENABLED=False)
    make.user(email="sam@example.org")
    response = client.post("/forgot-password", headers={"Host": "evil.example"},
                           data={"email": "sam@example.org"})
    assert response.status_code == 200
    note = db.session.scalar(select(Notification))
    assert note.link.startswith("https://ideas.example.gov.uk/reset-password/")
