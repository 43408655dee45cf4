"""HTML and HTMX views, one module per area. Routes are thin: load, call a service, commit."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from .. import bilingual
from ..permissions import can
from ..services import inbox
from ..services.lifecycle import STATUS_COLOURS, STATUS_LABELS
from ..services.site import site_settings
from ..services.verification import answer_label, tally, tally_text
from . import fields, macro_cache, navigation, template_gettext, text
from .forms import errors_shown


def register_web(app: Flask) -> None:
    """Templates, template helpers and every HTML blueprint."""
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(app.template_folder),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["plaintext"] = text.plaintext
    app.jinja_env.filters["date_text"] = text.date_text
    app.jinja_env.filters["datetime_text"] = text.datetime_text
    app.jinja_env.filters["number_text"] = text.number_text
    app.jinja_env.globals["can"] = lambda action, obj=None: can(current_user, action, obj)
    app.jinja_env.globals["status_label"] = lambda s: STATUS_LABELS.get(s, s)
    app.jinja_env.globals["status_colour"] = lambda s: STATUS_COLOURS.get(s, "grey")
    app.jinja_env.globals["errors_shown"] = errors_shown
    app.jinja_env.globals["select_field"] = fields.select_field
    app.jinja_env.globals["cached_macro"] = macro_cache.cached_macro
    app.jinja_env.globals["service_navigation"] = navigation.service_navigation
    # Flask-Babel looks the catalogue up again for every _() in a template (a page has a
    # hundred or more), and Jinja copies the template context for each one called in a loop:
    # see template_gettext.
    template_gettext.install(app)
    app.jinja_env.globals["verification_tally"] = lambda r: tally_text(tally(r))
    app.jinja_env.globals["answer_label"] = answer_label
    # The council's content in this language, English marked lang="en" where not translated.
    app.jinja_env.filters["localised"] = bilingual.localised
    app.jinja_env.filters["localised_text"] = bilingual.localised_text
    app.jinja_env.globals["site_text"] = lambda key: bilingual.site_text(site_settings(), key)

    @app.context_processor
    def _site():
        return {"site": bilingual.site_for_this_language(site_settings()),
                "unread_count": _unread_count}

    from . import (
        accountability,
        admin,
        asset_timeline,
        asset_transfer,
        assets,
        assisted,
        auth,
        community_value,
        council,
        ideas,
        maps,
        me,
        pages,
        partners,
        photos,
        second_factor,
        sso,
        tokens,
    )

    for module in (pages, auth, sso, second_factor, ideas, maps, me, tokens, council, admin,
                   assets, partners, accountability, assisted, photos, community_value,
                   asset_timeline, asset_transfer):
        app.register_blueprint(module.bp)
    from . import asset_reports as after_transfer_pages
    app.register_blueprint(after_transfer_pages.bp)


def _unread_count() -> int:
    """Unread in-app notifications for the signed-in user (once per request)."""
    if not current_user.is_authenticated:
        return 0
    if "_unread" not in g:
        g._unread = inbox.count_unread(current_user)
    return g._unread


def is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))
