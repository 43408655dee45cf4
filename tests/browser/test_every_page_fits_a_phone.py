"""No page is wider than a 390 px phone, for any role, with JavaScript on or off: the page
never scrolls sideways (a table, a long path or a code block scrolls inside its own box or
stacks instead).

The pages are the shared list of every page type (tests/every_page.py), each as the role it
is for, plus the public pages seen by each signed-in role (their header differs).
"""

from __future__ import annotations

from ..every_page import (
    ADMIN,
    DEMO_PASSWORD,
    MODERATOR,
    PARTNER,
    RESIDENT,
    Visit,
    seed_demo,
    visits,
)
from .conftest import PHONE, sign_in, stay_on_this_machine

WIDTH = PHONE["width"]

# How wide the page is, and what sticks out past the right edge (to name it in the failure).
MEASURE = """(width) => {
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible' && p.getBoundingClientRect().right <= width) {
        return true;
      }
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 && box.width > 0 && !clipped(el)) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.classList.length ? '.' + [...el.classList].slice(0, 2).join('.') : '');
      out.push(name + ' (' + Math.round(box.right) + ' px)');
      if (out.length === 4) break;
    }
  }
  return {width: document.documentElement.scrollWidth, wider: out};
}"""


def public_pages_as_each_role(ids: dict) -> list[Visit]:
    """The public pages again, signed in: the header and the actions offered differ by role."""
    paths = ["/", "/ideas", f"/ideas/{ids['delivering']}", f"/ideas/{ids['delivered']}",
             "/accountability", "/outcomes", "/assets", f"/assets/{ids['asset']}",
             "/partners/open", "/api/docs"]
    # The API explorer is the same for everyone: it is opened up once, by visits().
    return [Visit(role, path) for role in (RESIDENT, PARTNER, MODERATOR, ADMIN) for path in paths]


def too_wide(browser, base_url: str, pages: list[Visit], js: bool) -> list[str]:
    """Visit every page at phone width; return each page wider than the phone."""
    problems: list[str] = []
    contexts: dict = {}
    try:
        for visit in pages:
            if visit.role not in contexts:
                context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                              java_script_enabled=js, locale="en-GB")
                context.set_default_timeout(30_000)  # Swagger UI on a busy machine
                stay_on_this_machine(context)
                page = context.new_page()
                page.js_enabled = js
                if visit.role:
                    sign_in(page, base_url, visit.role, DEMO_PASSWORD)
                contexts[visit.role] = (context, page)
            page = contexts[visit.role][1]
            response = page.goto(base_url + visit.path)
            page.wait_for_load_state()
            if response is None or response.status != visit.status:
                problems.append(f"{visit.path} as {visit.role or 'anonymous'}: status "
                                f"{response.status if response else None}, "
                                f"expected {visit.status}")
                continue
            if visit.then:
                visit.then(page)
            measured = page.evaluate(MEASURE, WIDTH)
            if measured["width"] > WIDTH:  # the page scrolls sideways
                problems.append(f"{visit.path} as {visit.role or 'anonymous'} "
                                f"(JS {'on' if js else 'off'}): {measured['width']} px wide, "
                                f"more than {WIDTH} px; sticking out: {measured['wider']}")
    finally:
        for context, _page in contexts.values():
            context.close()
    return problems


def test_no_page_is_wider_than_a_phone_with_javascript(app, browser, live_server):
    ids = seed_demo()
    pages = visits(ids) + public_pages_as_each_role(ids)
    problems = too_wide(browser, live_server.url, pages, js=True)
    assert not problems, "Pages wider than a phone:\n" + "\n".join(problems)


def test_no_page_is_wider_than_a_phone_without_javascript(app, browser, live_server):
    ids = seed_demo()
    pages = visits(ids) + public_pages_as_each_role(ids)
    problems = too_wide(browser, live_server.url, pages, js=False)
    assert not problems, "Pages wider than a phone:\n" + "\n".join(problems)
