"""An asset's public timeline on its page, the Follow / Stop following button, and the places a
resident follows (on /me). The services are services.asset_timeline; every part of the assets
work (community value, transfers, yearly reports) writes the entries.

``EVENT_SENTENCES`` is the one place that says, for every kind of entry, what it means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..error_handlers import answers_expired_forms
from ..extensions import db
from ..login import ask_to_sign_in
from ..models import AssetEvent, AssetFollow, CommunityAsset
from ..pagination import Page, requested_page
from ..services import asset_timeline as timeline
from ..services import assets as register
from ..services.asset_transfer import stage_label
from ..services.community_value import moratorium_dates
from .actions import run_action
from .text import date_text

bp = Blueprint("asset_timeline", __name__)

# Places listed on /me.
FOLLOWED_LIMIT = 100

# What each kind of entry says: (with the organisation's name, without one). The entry's
# message (a reason, a stage's message, terms) is shown under it as typed.
EVENT_SENTENCES = {
    "nominated": (_l("%(name)s nominated this place as an asset of community value."),
                  _l("This place was nominated as an asset of community value.")),
    "listed": (_l("The council listed this place as an asset of community value for five "
                  "years."),) * 2,
    "not_listed": (_l("The council decided not to list this place as an asset of community "
                      "value."),) * 2,
    "owner_told": (_l("The council told the owner of its decision on the nomination."),) * 2,
    "notice_of_sale": (_l("The owner gave notice of intent to sell."),) * 2,
    "intent_to_bid": (_l("%(name)s registered its intent to bid, which starts the full "
                         "moratorium."),
                      _l("A community group registered its intent to bid, which starts the "
                         "full moratorium.")),
    "listing_ended": (_l("The listing as an asset of community value ended after five "
                         "years."),) * 2,
    "transfer_requested": (_l("%(name)s asked to take this place on (community asset "
                              "transfer)."),
                           _l("A community group asked to take this place on (community "
                              "asset transfer).")),
    "transfer_stage": (_l("%(name)s's transfer request moved on."),
                       _l("The transfer request moved on.")),
    "transferred": (_l("This place was transferred to %(name)s."),
                    _l("This place was transferred to a community organisation.")),
    "report_published": (_l("%(name)s published its yearly report on this place."),
                         _l("The yearly report on this place was published.")),
    "access_comment": (_l("A resident said how access to this place has changed."),) * 2,
    "details_changed": (_l("The council changed this place's details."),) * 2,
}
# Kinds whose message is data the sentence is built from, not words to show as typed.
MESSAGE_IS_DATA = {"nominated", "notice_of_sale", "listing_ended"}


@dataclass(frozen=True)
class TimelineEntry:
    """One entry as the page shows it."""

    event: str
    when: datetime
    sentence: str
    detail: str      # a further sentence built from the entry's data (dates), or ""
    message: str     # the public message as typed, or ""


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def describe(entry: AssetEvent) -> TimelineEntry:
    """The sentence (in the reader's language) for one timeline entry."""
    with_name, without = EVENT_SENTENCES[entry.event]
    name = entry.organisation.name if entry.organisation is not None else ""
    if entry.event == "nominated" and not name:
        name = entry.message  # a group of local people, by the name staff recorded
    sentence = str(with_name % {"name": name}) if name else str(without)
    if entry.event == "transfer_stage" and entry.stage:
        stage = stage_label(entry.stage)
        sentence = (_("%(name)s's transfer request moved to the stage: %(stage)s.", name=name,
                      stage=stage) if name else
                    _("The transfer request moved to the stage: %(stage)s.", stage=stage))
    detail = ""
    day = _iso_date(entry.message) if entry.event in ("notice_of_sale", "listing_ended") else None
    if entry.event == "notice_of_sale" and day is not None:
        dates = moratorium_dates(day)
        detail = _("Notice received on %(received)s. Intents to bid are taken before "
                   "%(interim)s; the protected period ends on %(protected)s.",
                   received=_long(day), interim=_long(dates.interim_ends),
                   protected=_long(dates.protected_ends))
    elif entry.event == "listing_ended" and day is not None:
        detail = _("The listing ran until %(date)s.", date=_long(day))
    message = "" if entry.event in MESSAGE_IS_DATA else entry.message
    return TimelineEntry(entry.event, entry.created_at, sentence, detail, message)


def _long(day: date) -> str:
    return date_text(day)


@dataclass
class TimelinePage:
    """The entries of one page of a place's timeline, oldest first, and links to the pages of
    earlier and later entries (None when there are none)."""

    entries: list[TimelineEntry]
    earlier: str | None
    later: str | None
    page: int
    pages: int


def asset_page_links(asset: CommunityAsset, found: Page, name: str,
                     anchor: str) -> tuple[str | None, str | None]:
    """Links to the next and the previous page of one of the asset page's paged lists
    (``?<name>=N``, page 1 without it; the page's other query arguments kept), or None where
    there is no such page."""

    def link(number: int) -> str:
        args = {k: v for k, v in request.args.items() if k != name}
        if number > 1:
            args[name] = number
        return url_for("assets.show", asset_id=asset.id, **args, _anchor=anchor)

    return (link(found.page + 1) if found.has_next else None,
            link(found.page - 1) if found.page > 1 else None)


def asset_entries(asset: CommunityAsset) -> TimelinePage:
    """The page of the asset's timeline asked for by ``?timeline=N`` (1, the newest entries,
    by default); past the last page, the visitor is sent to the last."""
    found = timeline.asset_timeline(asset, requested_page(request.args, "timeline"))
    earlier, later = asset_page_links(asset, found, "timeline", "timeline")
    return TimelinePage([describe(e) for e in found.items], earlier, later, found.page,
                        found.pages)


def places_followed() -> list[CommunityAsset]:
    """The places the signed-in person follows, by name (for /me)."""
    if not current_user.is_authenticated:
        return []
    return list(db.session.scalars(
        select(CommunityAsset).join(AssetFollow, AssetFollow.asset_id == CommunityAsset.id)
        .where(AssetFollow.user_id == current_user.id, CommunityAsset.retired_at.is_(None))
        .order_by(CommunityAsset.name, CommunityAsset.id).limit(FOLLOWED_LIMIT)))


@bp.app_context_processor
def _helpers():
    return {"asset_timeline_entries": asset_entries,
            "asset_following": lambda asset: timeline.is_following_asset(current_user, asset),
            "places_followed": places_followed}


def _is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


@bp.post("/assets/<int:asset_id>/follow")
def follow(asset_id: int):
    """Follow a place, or stop (``action=unfollow``). HTMX gets the button's region back;
    a plain browser a 303 to the place's timeline."""
    back = url_for("assets.show", asset_id=asset_id, _anchor="timeline")
    if not current_user.is_authenticated:
        return ask_to_sign_in(back)
    asset = register.get_asset(current_user, asset_id)
    if request.form.get("action") == "unfollow":
        work = lambda: timeline.unfollow_asset(current_user, asset)  # noqa: E731
        message = _("You are no longer following %(name)s.", name=asset.name)
    else:
        work = lambda: timeline.follow_asset(current_user, asset)  # noqa: E731
        message = _("You are following %(name)s. We will tell you when something happens "
                    "to it.", name=asset.name)

    def done(_changed):
        if _is_htmx():
            return render_template("assets/_follow.html", asset=asset, announce=message,
                                   following=timeline.is_following_asset(current_user, asset))
        flash(message, "success")
        return redirect(back, code=303)

    return run_action(work, done=done)


@answers_expired_forms("asset_timeline.follow")
def _follow_form_expired():
    """The follow button pressed with a token that no longer holds (the session ended, or a
    cached page): nothing is done; sign in (and come back), or press it again."""
    asset_id = (request.view_args or {}).get("asset_id")
    back = url_for("assets.show", asset_id=asset_id, _anchor="timeline")
    if not current_user.is_authenticated:
        return ask_to_sign_in(back, _("Sign in to follow this place."))
    flash(_("Nothing was changed: the page had expired. Press the button again."), "info")
    if _is_htmx():
        response = redirect(back, code=303)
        response.headers["HX-Redirect"] = back
        return response
    return redirect(back, code=303)
