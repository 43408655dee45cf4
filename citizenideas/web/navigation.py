"""The header's service navigation, drawn once per language, kind of user, unread count and
current section, then reused.

Built in the base template, the navigation cost a signed-in page about a millisecond on every
request: a dozen translations, two permission checks, three ``url_for`` calls, a loop marking
the current section, then the GOV.UK macro. What it shows depends on little: the language;
signed in or not, moderator, admin; the number of unread notifications; which of its links is
the current section; the script root its links start with. That is the key; on a miss the
same items go through the same macro (``macro_cache.cached_macro``), so the HTML is the one
the template drew (``tests/test_navigation.py``).
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..locale import page_locale
from ..permissions import can
from .macro_cache import cached_macro
from .template_gettext import markup_gettext as _

MACRO = "govuk_frontend_jinja/components/service-navigation/macro.html"
MAX_ENTRIES = 1024

# The fixed links, for everyone and for people signed in (the current section is marked by
# the same rule as the template's: the same path, or a path under it).
PUBLIC = ["/ideas", "/outcomes", "/assets", "/accountability"]
SIGNED_IN = ["/partners", "/council", "/admin", "/me/notifications", "/me"]


def service_navigation() -> Markup:
    """The GOV.UK service navigation for this request's reader and page."""
    user = current_user._get_current_object()
    signed_in = bool(user.is_authenticated)
    moderator = signed_in and can(user, "moderate")
    admin = signed_in and can(user, "administer")
    unread = _unread() if signed_in else 0
    path = request.path
    own = _own_links(signed_in)
    hrefs = PUBLIC + (SIGNED_IN if signed_in else []) + own
    active = tuple(h for h in hrefs if path == h or (h != "/" and path.startswith(h + "/")))
    key = (str(page_locale()), signed_in, moderator, admin, unread, request.script_root,
           tuple(own), active)
    table = current_app.jinja_env.__dict__.setdefault("ci_navigation_cache", {})
    found = table.get(key)
    if found is None:
        found = _draw(signed_in, moderator, admin, unread, path)
        if len(table) >= MAX_ENTRIES:
            table.clear()
        table[key] = found
    return found


def _unread() -> int:
    from . import _unread_count

    return _unread_count()


def _own_links(signed_in: bool) -> list[str]:
    """The links made with url_for (sign out; sign in and register)."""
    if signed_in:
        return [url_for("auth.sign_out_confirm")]
    return [url_for("auth.sign_in"), url_for("auth.register")]


def _draw(signed_in: bool, moderator: bool, admin: bool, unread: int, path: str) -> Markup:
    """The navigation as base.html used to build it, through the GOV.UK macro."""
    nav = [{"href": "/ideas", "text": _("Ideas")},
           {"href": "/outcomes", "text": _("Outcomes")},
           {"href": "/assets", "text": _("Places")},
           {"href": "/accountability", "text": _("How we are doing")}]
    if signed_in:
        nav.append({"href": "/partners", "text": _("Partners")})
        if moderator:
            nav.append({"href": "/council", "text": _("Council dashboard")})
        if admin:
            nav.append({"href": "/admin", "text": _("Admin")})
        notifications = _("Notifications")
        if unread:
            notifications += (Markup(' <span class="ci-count">') + str(unread)
                              + Markup('<span class="govuk-visually-hidden"> ') + _("unread")
                              + Markup("</span></span>"))
        nav += [{"href": "/me/notifications", "html": notifications,
                 "attributes": {"id": "nav-notifications"}},
                {"href": "/me", "text": _("Your account")},
                {"href": url_for("auth.sign_out_confirm"), "text": _("Sign out")}]
    else:
        nav += [{"href": url_for("auth.sign_in"), "text": _("Sign in")},
                {"href": url_for("auth.register"), "text": _("Create an account")}]
    for item in nav:
        if path == item["href"] or (item["href"] != "/" and path.startswith(item["href"] + "/")):
            item["active"] = True
    return cached_macro(MACRO, "govukServiceNavigation", {
        "serviceName": _("Community ideas"),
        "serviceUrl": url_for("pages.home"),
        "navigation": nav,
        "navigationLabel": _("Menu"),
        "menuButtonText": _("Menu"),
        "ariaLabel": _("Service information"),
    })
