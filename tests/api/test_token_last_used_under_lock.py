"""A token's "last used" note never turns an authenticated request into an error, even while
another worker holds SQLite's write lock."""

from __future__ import annotations

from citizenideas.extensions import db
from citizenideas.models import ApiToken
from citizenideas.services.tokens import create_api_token

from ..test_action_runner import (  # noqa: F401 - fixtures shared with the action-runner tests
    locked_errors,
    short_busy_timeout,
    write_lock_held_elsewhere,
)


def _new_token(make) -> tuple[int, dict]:
    token, raw = create_api_token(make.user(display_name="Tina Token"), "tests")
    db.session.commit()
    return token.id, {"Authorization": f"Bearer {raw}"}


def test_a_token_read_while_another_writer_holds_the_database_answers_200_and_notes_the_use(
        app, client, make, short_busy_timeout, locked_errors):  # noqa: F811
    token_id, headers = _new_token(make)
    with write_lock_held_elsewhere(until=locked_errors.met):
        response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["display_name"] == "Tina Token"
    assert locked_errors, "the first attempt to note the use should have met the lock"
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at is not None


def test_a_token_read_answers_200_even_when_the_lock_outlasts_every_retry(
        app, client, make, short_busy_timeout, locked_errors):  # noqa: F811
    token_id, headers = _new_token(make)
    with write_lock_held_elsewhere(seconds=2.0):
        response = client.get("/api/v1/ideas", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert locked_errors
    db.session.expire_all()
    # The note is bookkeeping: left out this time, written on a later use.
    assert db.session.get(ApiToken, token_id).last_used_at is None
    assert client.get("/api/v1/ideas", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at is not None
