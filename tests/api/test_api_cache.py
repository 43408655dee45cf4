"""The public API's reads for callers without a token are shared answers, like the public
pages (page_cache.py): the ideas list, one idea and its comments are kept under the URL and the
data version, served without the database, with their Link header, and never once something
they show has changed. Callers with a token are never given or stored a shared answer."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.services import engagement

from ..test_page_cache import queries


def anonymous(app, path):
    """A caller with no cookies and no token (a new one each call)."""
    return app.test_client().get("/api/v1" + path)


@pytest.fixture
def bench_idea(make):
    idea = make.idea(title="A bench by the library")
    make.idea(title="Lights on the towpath")
    db.session.commit()
    return idea


def test_the_ideas_list_one_idea_and_its_comments_are_shared_answers(app, bench_idea):
    for path in ("/ideas?per_page=1", f"/ideas/{bench_idea.id}",
                 f"/ideas/{bench_idea.id}/comments"):
        first = anonymous(app, path)
        assert first.status_code == 200 and first.headers["X-Cache"] == "miss", path
        with queries() as seen:
            second = anonymous(app, path)
        assert second.headers["X-Cache"] == "hit" and seen == [], path
        assert second.get_json() == first.get_json()
        assert second.headers["Cache-Control"].startswith("public, max-age=")
        assert "Authorization" in second.headers["Vary"]
        assert second.headers.get("Link") == first.headers.get("Link")
    listed = anonymous(app, "/ideas?per_page=1")
    assert 'rel="next"' in listed.headers["Link"]


def test_a_write_changes_the_shared_answer_at_once(app, make, bench_idea):
    before = anonymous(app, f"/ideas/{bench_idea.id}").get_json()
    engagement.support_idea(make.user(), bench_idea)
    db.session.commit()
    after = anonymous(app, f"/ideas/{bench_idea.id}")
    assert after.headers["X-Cache"] == "miss"
    assert after.get_json() != before
    make.idea(title="Planters on the High Street")
    db.session.commit()
    titles = [i["title"] for i in anonymous(app, "/ideas").get_json()["items"]]
    assert "Planters on the High Street" in titles


def test_a_caller_with_a_token_is_never_given_nor_stores_a_shared_answer(app, api, make,
                                                                         bench_idea):
    resident = make.user()
    engagement.support_idea(resident, bench_idea)
    db.session.commit()
    anonymous(app, f"/ideas/{bench_idea.id}")  # a shared answer exists
    mine = api.get(f"/ideas/{bench_idea.id}", resident)
    assert mine.status_code == 200 and "X-Cache" not in mine.headers
    assert mine.headers["Cache-Control"] == "no-store"
    assert mine.get_json()["supported_by_me"] is True
    shared = anonymous(app, f"/ideas/{bench_idea.id}")
    assert shared.headers["X-Cache"] == "hit"
    assert shared.get_json().get("supported_by_me") in (None, False)


def test_a_bad_query_is_answered_and_not_kept(app, bench_idea):
    for _ in range(2):
        bad = anonymous(app, "/ideas?per_page=1000")
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
        assert "X-Cache" not in bad.headers
