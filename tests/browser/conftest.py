"""Browser test harness: the app served on a free loopback port, real Chromium driven by
Playwright at a phone-sized viewport, JavaScript on and off, and an axe-core check.

Use ``page`` (parametrised js/nojs) or ``js_page`` / ``nojs_page``; ``live_server.url``;
``assert_accessible(page)`` fails on any WCAG 2.2 A/AA violation; ``sign_in(page, email)``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not installed"))


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The test app (same database as the test) served on a free port for one test."""
    app.config["SITE_URL"] = "http://127.0.0.1"
    app.config["PROPAGATE_TEST_ERRORS"] = False
    server = LiveServer(app)
    app.config["SITE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/")


def stay_on_this_machine(context) -> list[str]:
    """Abort every request of ``context`` that would leave 127.0.0.1 (map tiles, anything a
    page might fetch from elsewhere): pages must work without other sites, and tests must not
    wait on the network. Returns the list the aborted addresses are collected in."""
    aborted: list[str] = []

    def abort(route):
        aborted.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(LOOPBACK) and url.startswith("http"), abort)
    return aborted


def _new_page(browser, js: bool):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  java_script_enabled=js, locale="en-GB")
    context.aborted_requests = stay_on_this_machine(context)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_enabled = js
    # Anything the Content-Security-Policy blocks shows as a console error: collect them so
    # that a page broken by the policy fails its test.
    page.csp_violations = []
    page.on("console", lambda message: page.csp_violations.append(message.text)
            if message.type == "error" and _is_csp_message(message.text) else None)
    return context, page


def _is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


def _close(context, page) -> None:
    violations = list(page.csp_violations)
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def page(request, browser, live_server):
    """A phone-sized page, once with JavaScript on and once off."""
    context, pg = _new_page(browser, request.param)
    yield pg
    _close(context, pg)


@pytest.fixture
def js_page(browser, live_server):
    context, pg = _new_page(browser, True)
    yield pg
    _close(context, pg)


@pytest.fixture
def nojs_page(browser, live_server):
    context, pg = _new_page(browser, False)
    yield pg
    _close(context, pg)


def _run_axe(page, context):
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, context=context,
                     options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                              "resultTypes": ["violations"]})


def assert_accessible(page, context=None) -> None:
    """Run axe-core on the page; fail listing every WCAG 2.2 A/AA violation.

    axe needs timers, which do not run with JavaScript off; for a no-JS page the rendered
    HTML is copied, scripts removed, into a JS-enabled page of the same size and checked there.
    """
    if getattr(page, "js_enabled", True):
        results = _run_axe(page, context)
    else:
        import re

        html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
        origin = re.match(r"https?://[^/]+", page.url).group(0)
        html = html.replace("<head>", f'<head><base href="{origin}/">', 1)
        clone_ctx = page.context.browser.new_context(viewport=PHONE, is_mobile=True)
        try:
            clone = clone_ctx.new_page()
            clone.set_content(html, wait_until="load")
            results = _run_axe(clone, context)
        finally:
            clone_ctx.close()
    violations = results.response.get("violations", [])
    if violations:
        lines = [f"{page.url}: {len(violations)} accessibility violation(s)"]
        for v in violations:
            targets = [", ".join(n.get("target", [])) for n in v.get("nodes", [])][:5]
            lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} -> {targets}")
        pytest.fail("\n".join(lines))


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # With JavaScript on the form is boosted: wait until we have left the sign-in page.
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.wait_for_load_state()
