"""Every page the app serves passes axe (WCAG 2.2 A/AA) at phone size, filled with the demo
council's data and seen by the role it is for, and loads no broken same-origin file.

The page list (tests/every_page.py) is built from ``app.url_map``: every GET rule is either
visited or listed in SKIPPED with a reason, so a new page fails the coverage test until someone
adds it there.
Run just this sweep with:

    .venv/bin/python -m pytest tests/browser/test_every_page_a11y.py -q -p no:cacheprovider
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from citizenideas.extensions import db
from citizenideas.models import Idea

from ..every_page import (
    ADMIN,
    DEMO_PASSWORD,
    MODERATOR,
    PARTNER,
    RESIDENT,
    SKIPPED,
    Visit,
    get_rules,
    is_skipped,
    rule_of,
    seed_demo,
    visits,
)
from .conftest import PHONE, assert_accessible, sign_in, stay_on_this_machine

# With JavaScript off: a representative page of each kind (the no-JS axe path in conftest
# copies the rendered HTML into a JS page).
NOJS_PATHS = {"/", "/ideas", "/accountability", "/assets", "/sign-in", "/ideas/new",
              "/me/notifications", "/partners", "/council", "/admin/categories",
              "/council/flags", "/api/docs", "/ideas/999999"}


DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


# axe files these under "best-practice", not WCAG tags, so assert_accessible does not run them;
# they back WCAG 1.3.1 and 2.4.6 (headings and landmarks that give a page its structure).
STRUCTURE_RULES = ["heading-order", "page-has-heading-one", "region", "landmark-one-main",
                   "landmark-unique", "landmark-no-duplicate-banner",
                   "landmark-no-duplicate-contentinfo", "landmark-no-duplicate-main",
                   "landmark-banner-is-top-level", "landmark-main-is-top-level",
                   "landmark-contentinfo-is-top-level", "empty-table-header",
                   "empty-heading", "duplicate-id-aria"]


def structure_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": STRUCTURE_RULES},
                                       "resultTypes": ["violations"]})
    return [f"- {v['id']}: {v['help']} -> "
            f"{[', '.join(n.get('target', [])) for n in v.get('nodes', [])][:5]}"
            for v in results.response.get("violations", [])]


class Roles:
    """One browser context per role, signed in once, reused for every page."""

    def __init__(self, browser, base_url: str, js: bool):
        self.browser, self.base_url, self.js = browser, base_url, js
        self.pages: dict = {}
        self.broken: list[str] = []

    def page(self, role: str | None):
        if role not in self.pages:
            context = self.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                               java_script_enabled=self.js, locale="en-GB")
            context.set_default_timeout(30_000)  # Swagger UI parses slowly on a busy machine
            stay_on_this_machine(context)
            page = context.new_page()
            page.js_enabled = self.js
            page.on("response", self._record_broken)
            if role:
                sign_in(page, self.base_url, role, DEMO_PASSWORD)
            self.pages[role] = page
        return self.pages[role]

    def _record_broken(self, response):
        # Any same-origin file a page loads (CSS, JS, images, fonts) must load. Pages and
        # htmx requests are not files (a form with mistakes answers 422 on purpose).
        if (response.url.startswith(self.base_url) and response.status >= 400
                and response.request.resource_type not in ("document", "xhr", "fetch")):
            self.broken.append(f"{response.status} {response.url} "
                               f"(from {response.frame.url})")

    def close(self):
        for page in self.pages.values():
            page.context.close()


def sweep(browser, base_url: str, pages: list[Visit], js: bool) -> list[str]:
    """Visit every page; return every problem found (wrong status, axe violations)."""
    roles = Roles(browser, base_url, js)
    problems: list[str] = []
    try:
        for visit in pages:
            page = roles.page(visit.role)
            response = page.goto(base_url + visit.path)
            page.wait_for_load_state()
            who = visit.role or "anonymous"
            if response is None or response.status != visit.status:
                problems.append(f"{visit.path} as {who}: status "
                                f"{response.status if response else None}, "
                                f"expected {visit.status}")
                continue
            if visit.then:
                visit.then(page)
            try:
                assert_accessible(page)
            except pytest.fail.Exception as exc:
                problems.append(f"as {who} (JS {'on' if js else 'off'}): {exc}")
            if js:
                structure = structure_problems(page)
                if structure:
                    problems.append(f"{visit.path} as {who}: structure\n" + "\n".join(structure))
                # axe no longer checks duplicate ids (WCAG 2.2 dropped 4.1.1), but a repeated
                # id on a form control points its label, hint or error at the wrong field.
                duplicates = page.evaluate(DUPLICATE_IDS)
                if duplicates:
                    problems.append(f"{visit.path} as {who}: duplicate ids {duplicates}")
        problems += [f"broken file: {b}" for b in roles.broken]
    finally:
        roles.close()
    return problems


def test_every_get_rule_is_swept_or_skipped_with_a_reason(app):
    ids = seed_demo()
    visited = {rule_of(app, v.path) for v in visits(ids)}
    missing = sorted(r for r in get_rules(app) if r not in visited and not is_skipped(r))
    assert not missing, ("GET pages neither visited by the accessibility sweep nor skipped "
                         "with a reason (add them to visits() or SKIPPED in "
                         f"tests/every_page.py): {missing}")
    stale = sorted(set(SKIPPED) - get_rules(app))
    assert not stale, f"SKIPPED lists rules the app no longer has: {stale}"


def test_every_page_is_accessible_with_javascript(app, browser, live_server):
    problems = sweep(browser, live_server.url, visits(seed_demo()), js=True)
    assert not problems, "\n\n".join(problems)


def test_representative_pages_are_accessible_without_javascript(app, browser, live_server):
    ids = seed_demo()
    pages = [v for v in visits(ids) if v.path in NOJS_PATHS
             or (v.role == RESIDENT and v.path == f"/ideas/{ids['delivering']}")]
    problems = sweep(browser, live_server.url, pages, js=False)
    assert not problems, "\n\n".join(problems)


def test_forms_with_mistakes_are_accessible(app, browser, live_server):
    """One form per area sent with mistakes: the error summary and the field errors pass too.
    And the similar-ideas hint, swapped into the propose form as the title is typed."""
    ids = seed_demo()
    similar_to = db.session.get(Idea, ids["delivering"]).title
    base = live_server.url
    roles = Roles(browser, base, js=True)
    problems: list[str] = []

    def check(page, what):
        try:
            assert_accessible(page)
        except pytest.fail.Exception as exc:
            problems.append(f"{what}: {exc}")
        duplicates = page.evaluate(DUPLICATE_IDS)
        if duplicates:
            problems.append(f"{what}: duplicate ids {duplicates}")
        structure = structure_problems(page)
        if structure:
            problems.append(f"{what}: structure\n" + "\n".join(structure))

    def send_with_mistakes(role, path, button, clear=None):
        page = roles.page(role)
        page.goto(base + path)
        if clear:
            page.get_by_label(clear, exact=True).fill("")
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        expect(page.locator(".govuk-error-message").first).to_be_visible()
        check(page, f"{path} with mistakes, as {role}")
        return page

    try:
        page = send_with_mistakes(RESIDENT, "/ideas/new", "Send your idea")
        page.get_by_label("Title", exact=True).fill(similar_to)
        page.get_by_label("Title", exact=True).press("End")
        expect(page.locator("#similar-ideas a").first).to_be_visible()
        check(page, "/ideas/new with similar ideas shown")
        send_with_mistakes(PARTNER, f"/partners/ideas/{ids['claimable']}/claim",
                           "Send offer to the council")
        send_with_mistakes(MODERATOR, f"/assets/{ids['asset']}/edit", "Save changes",
                           clear="Name")
        send_with_mistakes(ADMIN, "/admin/categories", "Add")
        problems += [f"broken file: {b}" for b in roles.broken]
    finally:
        roles.close()
    assert not problems, "\n\n".join(problems)
