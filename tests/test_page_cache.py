"""Public pages are cached for visitors who are not signed in: served without touching the
database, changed by the next write, never holding anyone's session, signed-in pages never
cached; a strict CSP without a per-visitor nonce; ETag, 304 and the right Vary."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from citizenideas.extensions import db
from citizenideas.services import ideas as idea_service

from .conftest import csrf_token


@contextmanager
def queries():
    """Count the SQL statements run meanwhile (on any connection of the app's engine)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def visitor(app):
    """A browser with no cookies (each call: a new visitor)."""
    return app.test_client()


@pytest.mark.parametrize("path", ["/", "/ideas", "/outcomes", "/accountability",
                                  "/feeds/ideas.atom"])
def test_a_second_visitor_is_served_from_the_cache_without_the_database(app, make, path):
    make.idea(title="A bench by the library")
    db.session.commit()
    first = visitor(app).get(path)
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    with queries() as seen:
        second = visitor(app).get(path)
    assert second.headers["X-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert seen == []


def test_a_write_changes_the_cached_page_at_once(app, make):
    idea = make.idea(title="A bench by the library")
    db.session.commit()
    assert "A bench by the library" in visitor(app).get("/ideas").get_data(as_text=True)
    make.idea(title="Lights on the towpath")
    db.session.commit()
    page = visitor(app).get("/ideas")
    assert page.headers["X-Cache"] == "miss"
    assert "Lights on the towpath" in page.get_data(as_text=True)
    # A support (a counter on the idea) is a write too: the count on the page follows.
    before = visitor(app).get(f"/ideas/{idea.id}").get_data(as_text=True)
    supporter = make.user()
    from citizenideas.services import engagement

    engagement.support_idea(supporter, idea)
    db.session.commit()
    after = visitor(app).get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert before != after


def test_a_write_through_the_site_changes_the_cached_page(app, make, client, auth):
    author = make.user(email="author@example.org")
    idea = make.idea(title="A bench by the library", author=author)
    db.session.commit()
    first = visitor(app).get(f"/ideas/{idea.id}").get_data(as_text=True)
    auth.sign_in("author@example.org")
    token = csrf_token(client, f"/ideas/{idea.id}")
    assert client.post(f"/ideas/{idea.id}/comments",
                       data={"csrf_token": token, "body": "Count me in for Saturday."}
                       ).status_code == 303
    page = visitor(app).get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "Count me in for Saturday." in page and page != first


def test_visitors_pages_hold_no_session_and_no_csrf_token(app, make):
    idea = make.idea()
    db.session.commit()
    for path in ("/", "/ideas", f"/ideas/{idea.id}"):
        response = visitor(app).get(path)
        assert "Set-Cookie" not in response.headers, path
        page = response.get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', page)
        assert token is None or token.group(1) == "", path
        headers = re.search(r'<body[^>]*data-hx-headers="([^"]*)"', page)
        assert headers and "X-CSRFToken&#34;: &#34;&#34;" in headers.group(1), path


def test_a_visitor_posting_from_a_cached_page_is_asked_to_sign_in_and_keeps_the_words(app,
                                                                                       make):
    idea = make.idea()
    db.session.commit()
    browser = visitor(app)
    assert browser.get(f"/ideas/{idea.id}").status_code == 200
    response = browser.post(f"/ideas/{idea.id}/comments",
                            data={"csrf_token": "", "body": "I can help on Saturdays."})
    assert response.status_code == 303
    assert "/sign-in" in response.headers["Location"]


def test_signed_in_pages_are_never_cached_nor_served_from_the_cache(app, make, client, auth):
    make.user(email="resident@example.org", display_name="Rowan Resident")
    idea = make.idea(title="A bench by the library")
    db.session.commit()
    visitor(app).get(f"/ideas/{idea.id}")  # a visitor's copy is in the cache
    auth.sign_in("resident@example.org")
    with queries() as seen:
        mine = client.get(f"/ideas/{idea.id}")
    assert seen, "a signed-in page was answered from the cache"
    assert mine.headers["Cache-Control"] == "no-store" and "X-Cache" not in mine.headers
    assert "Sign out" in mine.get_data(as_text=True)
    theirs = visitor(app).get(f"/ideas/{idea.id}")
    assert "Sign out" not in theirs.get_data(as_text=True)


def test_a_visitor_with_a_flash_message_gets_a_fresh_page(app, make):
    make.idea()
    db.session.commit()
    visitor(app).get("/")  # cached
    browser = visitor(app)
    with browser.session_transaction() as session:
        session["_flashes"] = [("success", "You have signed out.")]
    page = browser.get("/")
    assert "X-Cache" not in page.headers
    assert "You have signed out." in page.get_data(as_text=True)


def test_cached_pages_carry_etag_public_caching_vary_and_answer_304(app, make):
    make.idea()
    db.session.commit()
    first = visitor(app).get("/ideas")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    for name in ("Cookie", "HX-Request", "Accept-Language", "Accept-Encoding"):
        assert name in first.headers["Vary"], name
    etag = first.headers["ETag"]
    again = visitor(app).get("/ideas", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert visitor(app).get("/ideas").headers["ETag"] == etag


def test_htmx_fragments_and_whole_pages_are_cached_apart(app, make):
    make.idea(title="A bench by the library")
    db.session.commit()
    page = visitor(app).get("/ideas?q=bench").get_data(as_text=True)
    fragment = visitor(app).get("/ideas?q=bench", headers={
        "HX-Request": "true", "HX-Target": "idea-results"}).get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>") and not fragment.startswith("<!DOCTYPE html>")
    assert visitor(app).get("/ideas?q=bench").get_data(as_text=True) == page


def test_the_shared_page_has_a_strict_policy_without_a_nonce(app, make):
    make.idea()
    db.session.commit()
    response = visitor(app).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "nonce-" not in policy and "'sha256-" in policy and "unsafe-inline" not in \
        policy.split("script-src")[1].split(";")[0]
    assert 'nonce="' not in response.get_data(as_text=True)
    signed_in_policy = app.test_client()
    signed_in_policy.get("/sign-in")  # a page with a session keeps its nonce
    assert "nonce-" in signed_in_policy.get("/sign-in").headers["Content-Security-Policy"]


def test_search_results_stay_the_same_for_visitors(app, make):
    make.idea(title="A bench by the library")
    make.idea(title="Lights on the towpath")
    db.session.commit()
    found = visitor(app).get("/ideas?q=towpath").get_data(as_text=True)
    assert "Lights on the towpath" in found and "A bench by the library" not in found
    items = idea_service.search_ideas(None, q="towpath")
    assert [i.title for i in items.items] == ["Lights on the towpath"]
