"""Pages do not jump once drawn on a phone (Lighthouse's cumulative layout shift), and the
service navigation folded from the first paint still opens when GOV.UK Frontend's script
cannot load."""

from __future__ import annotations

from ..every_page import seed_demo

# Every layout shift the browser reports from the start of the page, summed (as CLS does for
# a page this short). Installed before any of the page's own scripts run.
RECORD_SHIFTS = """
window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__layoutShift += entry.value;
  }
}).observe({type: 'layout-shift', buffered: true});
"""


def test_public_pages_do_not_jump_as_their_scripts_start(js_page, live_server):
    ids = seed_demo()
    js_page.add_init_script(RECORD_SHIFTS)
    for path in ("/", "/ideas", f"/ideas/{ids['delivering']}", "/accountability"):
        js_page.goto(live_server.url + path)
        # GOV.UK Frontend has started every component (the menu marks itself) ...
        js_page.wait_for_selector(".govuk-service-navigation[data-govuk-service-navigation-init]",
                                  state="attached")
        js_page.wait_for_load_state("load")
        shift = js_page.evaluate("window.__layoutShift")
        # ... and nothing moved: "good" CLS is under 0.1; the folding menu alone gave 0.18.
        assert shift < 0.02, f"{path}: layout shift {shift:.3f}"
        # The menu works once started: folded, and the button opens it.
        menu = js_page.get_by_role("button", name="Menu")
        assert js_page.locator(".govuk-service-navigation__list").is_hidden()
        menu.click()
        assert js_page.get_by_role("link", name="Ideas", exact=True).first.is_visible()


def test_navigation_unfolds_when_the_frontend_script_cannot_load(js_page, live_server):
    seed_demo()
    js_page.route("**/govuk-frontend-*.js", lambda route: route.abort())
    js_page.goto(live_server.url + "/ideas")
    height = ("document.querySelector('.govuk-service-navigation__list')"
              ".getBoundingClientRect().height")
    # Folded at first, out of the flow (the browser could have run the script) ...
    assert js_page.evaluate(height) <= 1
    # ... and shown in full once it is clear the script is not coming (after 4 seconds).
    js_page.wait_for_function(f"() => {height} > 20", timeout=10_000)
    assert js_page.get_by_role("link", name="Ideas", exact=True).first.is_visible()
    assert js_page.get_by_role("button", name="Menu").is_hidden()


def test_without_javascript_the_navigation_is_shown_in_full(nojs_page, live_server):
    seed_demo()
    nojs_page.goto(live_server.url + "/ideas")
    assert nojs_page.locator(".govuk-service-navigation__list").is_visible()
