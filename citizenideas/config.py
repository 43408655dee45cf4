"""Settings, read from environment variables of the same name.

One class per environment. ``create_app`` picks one from ``APP_ENV`` (development, test,
production; default development) and then lets any environment variable override a setting.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """A key generated once into ``instance/`` so sessions survive restarts in development."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class BaseConfig:
    """Settings shared by every environment. Every name can be overridden from the environment."""

    APP_ENV = "development"
    SECRET_KEY: str | None = None
    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'citizenideas.sqlite'}"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # SQLite only: how long a write waits for another connection's write lock before SQLite
    # answers "database is locked" (the route's action is then run again; see database.py).
    SQLITE_BUSY_TIMEOUT_MS = 10000
    # The largest request body accepted, in bytes (16 MB); a larger one is refused with 413
    # before it is read.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For and
    # X-Forwarded-Proto headers are trusted. 0: none (the app faces the internet directly).
    TRUSTED_PROXIES = 0
    # Where the content-hashed, precompressed copies of the static files are built at start-up
    # (empty: instance/static-build). Must be writable; see static_files.py.
    STATIC_BUILD_DIR = ""
    # Public pages for visitors who are not signed in are cached (page_cache.py). In-process
    # by default; with several workers or hosts set CACHE_TYPE=RedisCache and CACHE_REDIS_URL
    # (redis://host:6379/1) so that every worker sees a write at once.
    PAGE_CACHE = True
    CACHE_TYPE = "SimpleCache"
    CACHE_REDIS_URL = ""
    CACHE_KEY_PREFIX = "citizenideas:"
    # Compressed answers (Flask-Compress): brotli, else gzip, for pages, feeds and the API.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/csv", "text/plain", "text/xml",
                          "application/json", "application/problem+json",
                          "application/geo+json", "application/atom+xml",
                          "application/rss+xml", "application/xml", "application/javascript"]

    # The council
    COUNCIL_NAME = "Demo Borough Council"
    COUNCIL_SHORT_NAME = "Demo Borough"
    # The same in Welsh (empty: the English is shown on Welsh pages). Admins can change
    # all four in /admin/settings.
    COUNCIL_NAME_CY = ""
    COUNCIL_SHORT_NAME_CY = ""
    COUNCIL_LOGO_URL = ""
    COUNCIL_COLOUR = "#1d5e7a"
    SITE_URL = "http://127.0.0.1:5000"
    SERVICE_NAME = "citizenideas"
    CONTACT_EMAIL = "ideas@example.org"
    IDEA_REFERENCE_PREFIX = "DB"
    RESPONSE_TARGET_DAYS = 20
    # Days from an idea's arrival to the council's decision (accepted, declined or duplicate).
    DECISION_TARGET_DAYS = 56
    FLAG_HIDE_THRESHOLD = 3
    PARTNER_UPDATE_OVERDUE_DAYS = 30

    # Maps (map pages, the pin picker on the idea forms). Tiles come from MAP_TILE_URL (its
    # host is the only other site the Content-Security-Policy lets map pages load images
    # from); the start view is MAP_CENTRE ("lat,lon") at MAP_ZOOM, both editable in /admin.
    # A point further than MAP_RADIUS_KM from the centre is refused (0: any point on Earth).
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_ATTRIBUTION = ('&copy; <a href="https://www.openstreetmap.org/copyright">'
                       'OpenStreetMap</a> contributors')
    MAP_CENTRE = "52.6210,-1.6930"
    MAP_ZOOM = 14
    MAP_RADIUS_KM = 50

    # Accounts
    REQUIRE_VERIFIED_EMAIL = True
    VERIFY_TOKEN_HOURS = 48
    RESET_TOKEN_HOURS = 2
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    # Moderators, admins and organisations' managers must use a second factor (an
    # authenticator app's code) after their password. Off in development and tests.
    STAFF_2FA_REQUIRED = True

    # Single sign-on for council staff with the council's identity provider (OpenID
    # Connect): on when the issuer, client id and client secret are all set. See
    # docs/single-sign-on.md.
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_SCOPES = "openid email profile"
    # The provider's own multi-factor sign-in counts as the second factor.
    OIDC_TRUSTED_MFA = False
    # The ID token claim that must be JSON true for the provider to vouch for the email
    # address: email_verified (the standard), or xms_edov for Microsoft Entra ID.
    OIDC_EMAIL_VERIFIED_CLAIM = "email_verified"
    # The button's text; empty: "Sign in with your council account" (translated).
    OIDC_BUTTON_LABEL = ""

    # Rate limits (Flask-Limiter); storage "memory://" or "redis://127.0.0.1:6379/0"
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Prefix of the rate-limit keys, so two sites (or a test) can share one Redis.
    RATELIMIT_KEY_PREFIX = ""
    # Failed sign-ins (page and API token together) per account, and per IP address.
    RATELIMIT_SIGN_IN = "10 per 5 minutes"
    RATELIMIT_SIGN_IN_IP = "20 per 5 minutes"
    # Wrong second-factor codes (sign-in page and API together) per account, and per IP address.
    RATELIMIT_SECOND_FACTOR = "5 per 5 minutes;20 per day"
    RATELIMIT_SECOND_FACTOR_IP = "30 per 5 minutes"
    # Registrations (page and API together) per IP address, and per email address.
    RATELIMIT_REGISTER_IP = "10 per hour"
    RATELIMIT_REGISTER_ADDRESS = "3 per hour"
    RATELIMIT_RESET_ADDRESS = "3 per hour"
    RATELIMIT_PROPOSE = "10 per hour"
    RATELIMIT_COMMENT = "30 per hour"
    RATELIMIT_SUPPORT = "120 per hour"
    RATELIMIT_FLAG = "20 per hour"
    # Photo uploads (page and API together), per account and per IP address.
    RATELIMIT_PHOTO = "30 per hour"
    RATELIMIT_HEADERS_ENABLED = True

    # Email
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    SMTP_SSL = False
    SMTP_TIMEOUT = 10
    MAIL_FROM = "citizenideas <no-reply@example.org>"
    NOTIFY_SEND_AFTER_REQUEST = False
    # The outbox never gives up on a transient failure: it waits RETRY_BASE, then twice as
    # long each time, at most RETRY_MAX. A sender holds the emails it is sending for
    # LEASE seconds; if it dies, another sender takes them over after that.
    NOTIFY_RETRY_BASE_SECONDS = 60
    NOTIFY_RETRY_MAX_SECONDS = 3600
    NOTIFY_LEASE_SECONDS = 300

    # Photos: the largest file accepted (MB; larger is refused with 413), and where files
    # are kept: a local directory (UPLOAD_DIR, empty: instance/uploads) or, when STORAGE_URL
    # is s3://bucket/prefix, an S3-compatible bucket reached with the S3_* settings (empty:
    # boto3's defaults, e.g. AWS_* environment variables or an instance role).
    UPLOAD_MAX_MB = 10
    UPLOAD_DIR = ""
    STORAGE_URL = ""
    S3_ENDPOINT_URL = ""
    S3_REGION = ""
    S3_ACCESS_KEY_ID = ""
    S3_SECRET_ACCESS_KEY = ""

    # Translations
    BABEL_DEFAULT_LOCALE = "en"
    # English and Welsh (Cymraeg): each needs its compiled catalogue (docs/translations.md).
    LANGUAGES = "en,cy"

    WTF_CSRF_TIME_LIMIT = None


class DevelopmentConfig(BaseConfig):
    APP_ENV = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    NOTIFY_SEND_AFTER_REQUEST = True
    STAFF_2FA_REQUIRED = False


class TestConfig(BaseConfig):
    APP_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    DATABASE_URL = "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    STAFF_2FA_REQUIRED = False
    # Each test gets its own directory (tests/conftest.py); this is the fallback.
    UPLOAD_DIR = str(Path(tempfile.gettempdir()) / "citizenideas-test-uploads")


class ProductionConfig(BaseConfig):
    APP_ENV = "production"


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}

# Settings whose type is not str: environment strings are converted to these.
_INT = {"TRUSTED_PROXIES", "SMTP_PORT", "SMTP_TIMEOUT", "RESPONSE_TARGET_DAYS",
        "DECISION_TARGET_DAYS",
        "FLAG_HIDE_THRESHOLD", "VERIFY_TOKEN_HOURS", "RESET_TOKEN_HOURS",
        "NOTIFY_RETRY_BASE_SECONDS", "NOTIFY_RETRY_MAX_SECONDS", "NOTIFY_LEASE_SECONDS",
        "PARTNER_UPDATE_OVERDUE_DAYS", "MAP_ZOOM", "MAP_RADIUS_KM", "MAX_CONTENT_LENGTH",
        "SQLITE_BUSY_TIMEOUT_MS", "COMPRESS_BR_LEVEL", "COMPRESS_LEVEL", "COMPRESS_MIN_SIZE",
        "UPLOAD_MAX_MB"}


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings dict: class defaults, then environment variables, then ``overrides``."""
    overrides = dict(overrides or {})
    env_name = overrides.get("APP_ENV") or os.environ.get("APP_ENV", "development")
    if env_name not in CONFIGS:
        # A typo must not silently give development settings (insecure cookies) in production.
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}.")
    cls = CONFIGS[env_name]
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    for key, default in list(settings.items()):
        raw = os.environ.get(key)
        if raw is None or key == "APP_ENV":
            continue
        if isinstance(default, bool):
            settings[key] = _bool(raw)
        elif key in _INT:
            try:
                settings[key] = int(raw)
            except ValueError:
                raise RuntimeError(f"{key} must be a whole number, not {raw!r}.") from None
        else:
            settings[key] = raw
    settings.update(overrides)
    url = settings["DATABASE_URL"]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    settings["SQLALCHEMY_DATABASE_URI"] = url
    if not settings.get("SECRET_KEY"):
        if settings["APP_ENV"] == "production":
            raise RuntimeError("SECRET_KEY must be set outside development and tests.")
        settings["SECRET_KEY"] = _development_secret_key()
    _refuse_per_process_limits_with_several_workers(settings)
    if (settings["APP_ENV"] == "production" and settings.get("OIDC_ISSUER")
            and not str(settings["OIDC_ISSUER"]).startswith("https://")):
        # Discovery, the keys and the code exchange must not travel in clear.
        raise RuntimeError("OIDC_ISSUER must be an https:// address in production.")
    return settings


def _refuse_per_process_limits_with_several_workers(settings: dict) -> None:
    """In production, ``memory://`` rate limits with several workers would let each worker
    allow the full limit (four workers: four times the sign-in guesses). Refuse to start."""
    if settings["APP_ENV"] != "production" or not settings.get("RATELIMIT_ENABLED"):
        return
    if not str(settings.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        return
    workers = configured_workers()
    if workers > 1:
        raise RuntimeError(
            f"RATELIMIT_STORAGE_URI is memory://, which counts in each process alone, but "
            f"{workers} workers are configured: every worker would allow the full limit. Set "
            "RATELIMIT_STORAGE_URI to a shared store (redis://host:6379/0) or run one worker.")


def configured_workers(environ: Mapping[str, str] | None = None,
                       argv: Sequence[str] | None = None) -> int:
    """How many worker processes serve the app, as far as the process can tell.

    Read as gunicorn reads it: its command line, then GUNICORN_CMD_ARGS, then WEB_CONCURRENCY.
    A gunicorn config file is not read: 1 when nothing here says otherwise.
    """
    environ = os.environ if environ is None else environ
    argv = sys.argv if argv is None else argv
    if argv and "gunicorn" in str(argv[0]):  # bin/gunicorn, or python -m gunicorn
        from_command_line = _workers_option(list(argv[1:]))
        if from_command_line is not None:
            return from_command_line
    try:
        from_env_args = _workers_option(shlex.split(environ.get("GUNICORN_CMD_ARGS", "")))
    except ValueError:
        from_env_args = None
    if from_env_args is not None:
        return from_env_args
    raw = environ.get("WEB_CONCURRENCY", "").strip()
    return int(raw) if raw.isdigit() else 1


def _workers_option(args: list[str]) -> int | None:
    """The value of gunicorn's -w / --workers option in ``args`` (the last one wins)."""
    found: int | None = None
    for index, arg in enumerate(args):
        value = None
        if arg in ("-w", "--workers") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--workers="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-w") and not arg.startswith("--") and len(arg) > 2:
            value = arg[2:]
        if value is not None and value.strip().isdigit():
            found = int(value)
    return found
