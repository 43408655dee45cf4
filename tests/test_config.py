"""Settings come from environment variables of the same name, with safe production rules."""

from __future__ import annotations

import pytest

from citizenideas import create_app
from citizenideas.config import BaseConfig, load_config

SETTINGS = sorted(k for k in dir(BaseConfig) if k.isupper() and k != "APP_ENV")


@pytest.fixture
def env(monkeypatch):
    """A clean environment: no setting comes from the machine running the tests."""
    for key in [*SETTINGS, "APP_ENV"]:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(env):
    env.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config()


def test_an_unknown_app_env_is_refused(env):
    env.setenv("APP_ENV", "prod")
    with pytest.raises(RuntimeError, match="APP_ENV"):
        load_config()


def test_production_cookies_are_secure_httponly_and_lax(env):
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", "x" * 40)
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
    assert cfg["SESSION_COOKIE_HTTPONLY"] and cfg["REMEMBER_COOKIE_HTTPONLY"]
    assert cfg["SESSION_COOKIE_SAMESITE"] == cfg["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not cfg["NOTIFY_SEND_AFTER_REQUEST"]


def test_development_cookies_work_over_plain_http(env):
    cfg = load_config({"SECRET_KEY": "dev"})
    assert not cfg["SESSION_COOKIE_SECURE"]
    assert cfg["SESSION_COOKIE_HTTPONLY"]


def test_environment_variables_are_read_with_their_types(env):
    env.setenv("RESPONSE_TARGET_DAYS", "15")
    env.setenv("REQUIRE_VERIFIED_EMAIL", "false")
    env.setenv("SMTP_STARTTLS", "yes")
    env.setenv("SMTP_PORT", "2525")
    env.setenv("COUNCIL_NAME", "Testshire Council")
    env.setenv("LANGUAGES", "en,cy")
    cfg = load_config({"SECRET_KEY": "k"})
    assert cfg["RESPONSE_TARGET_DAYS"] == 15
    assert cfg["REQUIRE_VERIFIED_EMAIL"] is False
    assert cfg["SMTP_STARTTLS"] is True
    assert cfg["SMTP_PORT"] == 2525
    assert cfg["COUNCIL_NAME"] == "Testshire Council"
    assert cfg["LANGUAGES"] == "en,cy"


@pytest.mark.parametrize("key", SETTINGS)
def test_every_setting_can_be_set_from_the_environment(env, key):
    default = getattr(BaseConfig, key)
    if key in {"SECRET_KEY"}:
        raw, expected = "from-env", "from-env"
    elif isinstance(default, bool):
        raw, expected = ("false", False) if default else ("true", True)
    elif isinstance(default, int):
        raw, expected = "7", 7
    elif key == "DATABASE_URL":
        raw, expected = "sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"
    else:
        raw, expected = "from-env", "from-env"
    env.setenv(key, raw)
    assert load_config({"SECRET_KEY": "k"} if key != "SECRET_KEY" else None)[key] == expected


def test_a_bad_number_names_the_setting(env):
    env.setenv("RESPONSE_TARGET_DAYS", "twenty")
    with pytest.raises(RuntimeError, match="RESPONSE_TARGET_DAYS"):
        load_config({"SECRET_KEY": "k"})


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@db/ideas", "postgresql+psycopg://u:p@db/ideas"),
    ("postgresql://u:p@db/ideas", "postgresql+psycopg://u:p@db/ideas"),
    ("postgresql+psycopg://u@db/ideas", "postgresql+psycopg://u@db/ideas"),
    ("sqlite:////srv/ideas.sqlite", "sqlite:////srv/ideas.sqlite"),
])
def test_database_url_is_rewritten_for_psycopg_3(env, url, expected):
    env.setenv("DATABASE_URL", url)
    assert load_config({"SECRET_KEY": "k"})["SQLALCHEMY_DATABASE_URI"] == expected


def test_overrides_win_over_the_environment(env):
    env.setenv("COUNCIL_NAME", "From env")
    assert load_config({"SECRET_KEY": "k", "COUNCIL_NAME": "Given"})["COUNCIL_NAME"] == "Given"


def test_every_setting_is_documented(env):
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    internal = {"SQLALCHEMY_TRACK_MODIFICATIONS", "WTF_CSRF_TIME_LIMIT",
                "RATELIMIT_HEADERS_ENABLED"}
    missing = [k for k in SETTINGS if k not in internal and f"`{k}`" not in doc]
    assert missing == []


def test_the_locale_comes_from_languages(base_config, env):
    app = create_app({**base_config, "LANGUAGES": "en,cy"})
    from citizenideas import _select_locale

    with app.test_request_context(headers={"Accept-Language": "cy,en;q=0.5"}):
        assert _select_locale() == "cy"
    app.config["LANGUAGES"] = "en"
    with app.test_request_context(headers={"Accept-Language": "cy,en;q=0.5"}):
        assert _select_locale() == "en"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert _select_locale() == "en"
    with app.app_context():
        assert _select_locale() == "en"  # commands and workers


def test_a_welsh_catalogue_built_from_the_template_is_served(app, base_config, env, tmp_path):
    """The extracted catalogue is complete enough to translate the sign-in page."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    pot = Path(__file__).parent.parent / "citizenideas" / "translations" / "messages.pot"
    with pot.open("rb") as f:
        catalog = read_po(f, locale="cy")
    assert catalog.get("Sign in") is not None
    assert catalog.get("Your password must be at least %(n)d characters.") is not None
    catalog.get("Sign in").string = "Mewngofnodi"
    target = tmp_path / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog)

    from citizenideas.extensions import babel

    app = create_app({**base_config, "LANGUAGES": "en,cy",
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    client = app.test_client()
    # Flask-Babel keeps loaded catalogues on the extension object all apps share: a Welsh
    # page served earlier by another test's app must not stand in for this catalogue.
    babel.domain_instance.cache.clear()
    try:
        welsh = client.get("/sign-in", headers={"Accept-Language": "cy"}).get_data(as_text=True)
        english = client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    finally:
        babel.domain_instance.cache.clear()
    assert "Mewngofnodi" in welsh and '<html lang="cy"' in welsh
    assert "Mewngofnodi" not in english and '<html lang="en"' in english


def test_a_production_app_sends_secure_httponly_lax_session_cookies(app, base_config, env):
    production = create_app({**base_config, "APP_ENV": "production", "SECRET_KEY": "s" * 40,
                             "RATELIMIT_ENABLED": False})
    response = production.test_client().get("/sign-in")  # the CSRF token starts a session
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- rate limits kept in one process must not be split across several workers --------------

@pytest.fixture
def production(env):
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", "x" * 40)
    for name in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"):
        env.delenv(name, raising=False)
    return env


@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "4"),
                                         ("GUNICORN_CMD_ARGS", "--workers 3 --threads 4"),
                                         ("GUNICORN_CMD_ARGS", "-w2")])
def test_production_refuses_memory_rate_limits_with_several_workers(production, name, value):
    production.setenv(name, value)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        load_config()


def test_production_starts_with_shared_limits_or_a_single_worker(production):
    production.setenv("WEB_CONCURRENCY", "4")
    production.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert load_config()["RATELIMIT_STORAGE_URI"].startswith("redis://")
    production.setenv("RATELIMIT_STORAGE_URI", "memory://")
    production.setenv("WEB_CONCURRENCY", "1")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "memory://"
    production.setenv("RATELIMIT_ENABLED", "false")
    production.setenv("WEB_CONCURRENCY", "4")
    assert load_config()["RATELIMIT_ENABLED"] is False


def test_gunicorn_with_two_workers_and_memory_rate_limits_refuses_to_start(tmp_path):
    """The real thing: gunicorn's workers see their own command line and stop."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    environ = {k: v for k, v in os.environ.items()
               if k not in SETTINGS and k not in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")}
    environ.update(APP_ENV="production", SECRET_KEY="x" * 40,
                   DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", "127.0.0.1:0",
                                "wsgi:app"], cwd=root, env=environ, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it started: stop it and its workers, then fail
        os.killpg(process.pid, signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode != 0, err[-2000:]
    assert "RATELIMIT_STORAGE_URI" in err and "2 workers" in err


def test_production_with_memory_rate_limits_warns_that_each_worker_counts_alone(
        production, tmp_path, caplog):
    """One worker as far as the app can tell (a gunicorn config file could still say more):
    it starts, and says so in the log."""
    from citizenideas.extensions import limiter

    try:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    finally:
        limiter.enabled = False  # the next tests expect the test default
    assert any("each worker and each machine counts alone" in r.getMessage()
               for r in caplog.records if r.levelname == "WARNING")
