"""A database that refuses connections: pages answer 503 with Retry-After and an error page
that needs no database (signed in or not), the API answers 503 problem+json."""

from __future__ import annotations

import pytest

from citizenideas import create_app

UNREACHABLE = {
    # A file in a folder that does not exist: SQLite cannot open it.
    "sqlite": "sqlite:////nonexistent-citizenideas-folder/sub/db.sqlite",
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    "postgresql": "postgresql://postgres@127.0.0.1:1/postgres",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down(request, base_config):
    """An app whose database refuses every connection, and a client for it."""
    app = create_app({**base_config, "DATABASE_URL": UNREACHABLE[request.param],
                      "PROPAGATE_TEST_ERRORS": False})
    client = app.test_client()
    yield client
    with app.app_context():
        from citizenideas.extensions import db

        db.engine.dispose()


@pytest.mark.parametrize("path", ["/", "/ideas", "/ideas/1"])
def test_pages_answer_503_with_retry_after_and_a_page_when_the_database_is_down(down, path):
    response = down.get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in page and "Try again in a few minutes" in page


def test_a_signed_in_visitor_gets_the_503_page_too(down):
    with down.session_transaction() as session:  # the cookie of someone signed in earlier
        session["_user_id"] = "1:0123456789abcdef"
        session["_fresh"] = True
    response = down.get("/me")
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)


def test_the_api_answers_503_problem_json_with_retry_after_when_the_database_is_down(down):
    response = down.get("/api/v1/ideas")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/no-such-page", "/ideas/not-a-number/comments"])
def test_an_error_page_for_a_signed_in_visitor_needs_no_database(down, path):
    """The 404 or 405 page shows who is signed in, which needs the database: with the database
    down the visitor gets the 503 page, not a bare 500."""
    with down.session_transaction() as session:
        session["_user_id"] = "1:0123456789abcdef"
        session["_fresh"] = True
    response = down.get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)
