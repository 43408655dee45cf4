"""Two app hosts on one database and one Redis, as docs/scaling.md describes: a write on one
host changes the cached page the other serves at once, and a rate limit is counted once
across both. Each host is a real gunicorn process on its own loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from citizenideas.extensions import db
from citizenideas.services.tokens import create_api_token

from .smtp_support import ROOT, free_port

REDIS = "redis://127.0.0.1:6379/14"


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - no Redis: the test says so and skips
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="Redis is not answering on 6379")


def _start_host(app, port: int, prefix: str) -> subprocess.Popen:
    env = {**os.environ, "APP_ENV": "test", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "scale-out-secret",
           "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS,
           "CACHE_KEY_PREFIX": f"{prefix}:cache:", "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": f"{prefix}:limits",
           "RATELIMIT_SIGN_IN": "3 per hour", "RATELIMIT_SIGN_IN_IP": "100 per hour",
           "NOTIFY_SEND_AFTER_REQUEST": "false"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-2000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accessibility", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"the host on port {port} did not start")


def _get(port: int, path: str) -> tuple[int, dict, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as answer:
        return answer.status, dict(answer.headers), answer.read().decode()


def _post_json(port: int, path: str, body: dict, token: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST",
                                     data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.fixture
def two_hosts(app):
    prefix = f"scale-{uuid.uuid4().hex[:8]}"
    ports = [free_port(), free_port()]
    hosts = [_start_host(app, port, prefix) for port in ports]
    try:
        for port, host in zip(ports, hosts, strict=True):
            _wait_until_up(port, host)
        yield ports
    finally:
        for host in hosts:
            host.terminate()
        for host in hosts:
            host.wait(timeout=30)


def test_a_write_on_one_host_changes_the_cached_page_on_the_other(app, make, two_hosts):
    host_a, host_b = two_hosts
    resident = make.user(email="rita@example.org")
    category, ward = make.category(name="Green spaces"), make.ward(name="Riverside")
    make.idea(title="A bench by the library")
    _token, raw = create_api_token(resident, "phone")
    db.session.commit()

    _status, first, page = _get(host_b, "/ideas")
    assert first["X-Cache"] == "miss" and "A bench by the library" in page
    _status, again, _page = _get(host_b, "/ideas")
    assert again["X-Cache"] == "hit"
    _status, on_a, _page = _get(host_a, "/ideas")
    assert on_a["X-Cache"] == "hit"  # one cache for both hosts

    assert _post_json(host_a, "/api/v1/ideas", {
        "title": "Fruit trees on the canal path", "category_id": category.id,
        "ward_id": ward.id, "description": "Plant apple and pear trees along the towpath "
                                           "so everyone can pick fruit in the autumn."},
        token=raw) == 201
    _status, after, page = _get(host_b, "/ideas")
    assert after["X-Cache"] == "miss"
    assert "Fruit trees on the canal path" in page


def test_a_rate_limit_is_counted_once_across_hosts(app, make, two_hosts):
    host_a, host_b = two_hosts
    make.user(email="rita@example.org")
    db.session.commit()
    guess = {"email": "rita@example.org", "password": "not-the-password", "name": "laptop"}
    codes = [_post_json(host, "/api/v1/tokens", guess)
             for host in (host_a, host_b, host_a, host_b)]
    assert codes == [401, 401, 401, 429]
