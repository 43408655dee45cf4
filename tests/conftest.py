"""Shared fixtures: one database per test worker (SQLite file, or a PostgreSQL database when
TEST_DATABASE_URL is set), emptied after every test; an app, a client, factories, sign-in."""

from __future__ import annotations

import contextvars
import os
import uuid

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import make_url

from citizenideas import create_app
from citizenideas.extensions import db, limiter

from .factories import Factory

PASSWORD = "correct-horse-battery"

# Property tests check behaviour, never speed: this machine is shared and noisy, so a
# per-example deadline only produces flaky failures (speed is measured in bench/). No example
# database either: nothing is written into the work tree.
settings.register_profile("citizenideas", deadline=None, database=None)
settings.load_profile("citizenideas")


def _pg_admin_url(url: str) -> str:
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """A fresh empty database for this worker."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path = tmp_path_factory.mktemp(f"db-{worker_id}") / "test.sqlite"
        yield f"sqlite:///{path}"
        return
    import psycopg

    name = f"ci_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_pg_admin_url(base), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def base_config(database_url):
    return {
        "APP_ENV": "test",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        "REQUIRE_VERIFIED_EMAIL": True,
        "SITE_URL": "http://localhost",
        "SMTP_HOST": "",
        "NOTIFY_SEND_AFTER_REQUEST": False,
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def _app(base_config):
    app = create_app(dict(base_config))
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
                conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(text(
                    "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() else None


@pytest.fixture
def app(_app):
    """The app with an empty database, inside an app context. Config changes are undone."""
    saved = dict(_app.config)
    ctx = _app.app_context()
    ctx.push()
    try:
        yield _app
    finally:
        db.session.rollback()
        ctx.pop()
        _app.config.clear()
        _app.config.update(saved)
        limiter.enabled = False
        _empty_all_tables(_app)
        from citizenideas.page_cache import cache

        with _app.app_context():
            cache.clear()  # the tables were emptied behind the data version's back


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context pushed for the test body; without this, requests
    would share that context's ``g`` (the signed-in user, per-request caches) and its database
    session with the test and with each other. After each request the test's own session is
    expired, so objects the test holds are re-read and show what the request committed.
    """

    def open(self, *args, **kwargs):
        # Buffered, so a streamed response is read and closed inside its own context.
        kwargs.setdefault("buffered", True)

        def run():
            _cv_app.set(None)
            return super(FreshContextClient, self).open(*args, **kwargs)

        response = contextvars.copy_context().run(run)
        if _cv_app.get(None) is not None:
            db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    """Factories: make.user(), make.idea(), make.ward() ... (committed, ready to use)."""
    return Factory()


@pytest.fixture
def rate_limited(app):
    """Switch rate limiting on for one test (in-memory storage, reset afterwards)."""
    app.config["RATELIMIT_ENABLED"] = True
    limiter.enabled = True
    limiter.reset()
    yield limiter
    limiter.reset()
    limiter.enabled = False


class Auth:
    """Sign in and out through the real pages."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str, password: str = PASSWORD):
        response = self.client.post("/sign-in", data={"email": email, "password": password,
                                                      "csrf_token": csrf_token(self.client)})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    def sign_out(self):
        return self.client.post("/sign-out",
                                data={"csrf_token": csrf_token(self.client, "/sign-out")})


def csrf_token(client, path: str = "/sign-in") -> str:
    """Read a CSRF token the way a browser gets one: from a rendered form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no csrf token on {path}"
    return match.group(1)


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)
