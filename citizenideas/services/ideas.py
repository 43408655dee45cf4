"""Ideas from residents: propose, edit, withdraw, find, and read one with everything around it.

Supports, comments, pledges, follows and flags live in ``services.engagement``.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    OPEN_FOR_SUPPORT,
    Category,
    CommunityAsset,
    Follow,
    Idea,
    OutcomeReport,
    StatusChange,
    User,
    Ward,
    utcnow,
)
from ..pagination import Page, paginate
from ..permissions import can, require
from . import assisted, search
from .figures_cache import cache_key, figures_cache
from .lifecycle import add_timeline_event, change_status
from .places_on_map import clean_point
from .text_rules import clean_text

TITLE_MIN, TITLE_MAX = 8, 120
DESCRIPTION_MIN, DESCRIPTION_MAX = 30, 5000
LOCATION_MAX = 200
SORTS = ("supports", "newest", "updated", "relevance")  # relevance: best search match first
# Listed only when the status filter asks for them.
ONLY_ON_REQUEST = ("duplicate", "withdrawn")

STOP_WORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further get had
has have having he her here hers him his how i if in into is it its itself just let me more most
my new no nor not now of off on once only or other our ours out over own please same she should
so some such than that the their theirs them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your yours idea ideas make more need needs want wants like lets our area local community
""".split())


def _significant_words(text: str) -> list[str]:
    """Lower-cased words (any alphabet) of three or more letters that are not stop words."""
    return [w for w in search.significant_words(text) if len(w) >= 3 and w not in STOP_WORDS]


def _validate(*, title, description, category_id, ward_id,
              location_text) -> tuple[tuple[str, str, str | None], dict[str, list[str]]]:
    """The cleaned (title, description, location text) and the field errors."""
    errors: dict[str, list[str]] = {}
    title = clean_text(
        title, "title", errors, required=_("Enter a title for your idea"),
        minimum=TITLE_MIN, too_short=_("Title must be %(n)s characters or more", n=TITLE_MIN),
        maximum=TITLE_MAX, too_long=_("Title must be %(n)s characters or fewer", n=TITLE_MAX))
    description = clean_text(
        description, "description", errors, required=_("Describe your idea"),
        minimum=DESCRIPTION_MIN,
        too_short=_("Description must be %(n)s characters or more", n=DESCRIPTION_MIN),
        maximum=DESCRIPTION_MAX, too_long=_("Description must be 5,000 characters or fewer"))
    category = db.session.get(Category, category_id) if category_id else None
    if category is None or category.retired_at is not None:
        errors["category_id"] = [_("Select a category")]
    ward = db.session.get(Ward, ward_id) if ward_id else None
    if ward is None or ward.retired_at is not None:
        errors["ward_id"] = [_("Select the ward your idea is for")]
    location_text = clean_text(location_text, "location_text", errors, maximum=LOCATION_MAX,
                               too_long=_("Place must be 200 characters or fewer")) or None
    return (title, description, location_text), errors


def _clean(value: str | None) -> str:
    return (value or "").strip()


def propose_idea(actor: User, *, title: str, description: str, category_id: int | None,
                 ward_id: int | None, location_text: str | None = None,
                 lat: float | None = None, lon: float | None = None,
                 asset_ids=(), on_behalf_of: dict | None = None) -> Idea:
    """A resident proposes an idea. They follow it automatically.

    With ``on_behalf_of`` ({"name", "channel", "email"?, "phone"?}) a staff member records
    the idea for a resident who phoned, wrote, came in or emailed (services/assisted.py):
    the resident is kept apart from the idea and the staff member does not follow it.
    """
    resident = None
    if on_behalf_of is not None:
        require(actor, "record_for_resident",
                detail=_("Only council staff can record an idea for a resident."))
    else:
        require(actor, "propose_idea")
    (title, description, location_text), errors = _validate(
        title=title, description=description, category_id=category_id, ward_id=ward_id,
        location_text=location_text)
    if on_behalf_of is not None:
        resident, resident_errors = assisted.clean_representation(on_behalf_of)
        errors.update(resident_errors)
    assets = []
    asset_ids = [a for a in (asset_ids or ()) if a]
    if asset_ids:
        assets = list(db.session.scalars(select(CommunityAsset).where(
            CommunityAsset.id.in_(asset_ids), CommunityAsset.retired_at.is_(None))))
        if len(assets) != len(set(asset_ids)):
            errors["asset_id"] = [_("Select a place from the list")]
    lat, lon = clean_point(lat, lon, errors)
    if lat is None and assets and assets[0].lat is not None and assets[0].lon is not None:
        # An idea about a community place, with no point of its own, is where the place is.
        lat, lon = assets[0].lat, assets[0].lon
    if errors:
        raise ValidationFailed(_("Check the details of your idea."), errors)
    now = utcnow()
    idea = Idea(title=title, description=description, category_id=category_id, ward_id=ward_id,
                location_text=location_text, lat=lat, lon=lon, author_id=actor.id,
                status="submitted", on_behalf=resident is not None, created_at=now,
                updated_at=now)
    idea.assets = assets
    db.session.add(idea)
    db.session.flush()
    idea.reference = idea_reference(idea.id, now)
    if resident is not None:
        assisted.add_representation(actor, idea, resident)
    else:
        db.session.add(Follow(user_id=actor.id, idea_id=idea.id, created_at=now))
    db.session.flush()
    return idea


KEEP = object()  # edit_idea's lat/lon when the point is left as it is


def edit_idea(actor: User, idea: Idea, *, title: str, description: str, category_id: int | None,
              ward_id: int | None, location_text: str | None = None, lat=KEEP,
              lon=KEEP) -> Idea:
    """The author edits their idea while it is still submitted. Goes on the timeline.

    ``lat``/``lon`` move or (both None or empty) remove its point on the map; left out, the
    point stays."""
    require(actor, "edit_idea", idea,
            detail=_("You can only change an idea you proposed, before the council reviews it."))
    (title, description, location_text), errors = _validate(
        title=title, description=description, category_id=category_id, ward_id=ward_id,
        location_text=location_text)
    point = (idea.lat, idea.lon)
    if lat is not KEEP or lon is not KEEP:
        point = clean_point(None if lat is KEEP else lat, None if lon is KEEP else lon, errors)
    if errors:
        raise ValidationFailed(_("Check the details of your idea."), errors)
    idea.title, idea.description = title, description
    idea.category_id, idea.ward_id, idea.location_text = category_id, ward_id, location_text
    idea.lat, idea.lon = point
    idea.updated_at = utcnow()
    add_timeline_event(actor, idea, "edited", _("The proposer edited this idea."))
    db.session.flush()
    return idea


def withdraw_idea(actor: User, idea: Idea, reason: str) -> StatusChange:
    """The author withdraws their idea, with a reason, while submitted or under review."""
    errors: dict[str, list[str]] = {}
    # Only a missing reason is refused here; change_status refuses one that is too long.
    reason = clean_text(reason, "message", errors,
                        required=_("Enter a reason for withdrawing your idea"), maximum=5000,
                        too_long=_("The message must be 5,000 characters or fewer."))
    if can(actor, "withdraw_idea", idea) and not reason:
        raise ValidationFailed(_("Say why you are withdrawing your idea."), errors)
    return change_status(actor, idea, "withdrawn", reason)


def similar_ideas(title: str, limit: int = 5, exclude_id: int | None = None) -> list[Idea]:
    """Visible ideas whose titles share significant words with ``title``, best match first.

    Explainable on purpose: the full-text index finds the ideas whose title contains any
    significant word (stemmed: "benches" finds "bench"); they are ranked by how many of the
    words they share, then by support count, then the shorter title (the closer match).
    """
    words = _significant_words(title)[:8]
    if not words:
        return []
    shared = search.shared_title_words(words)
    query = (select(Idea).where(search.title_matches(words), Idea.hidden.is_(False),
                                Idea.status != "withdrawn")
             .options(selectinload(Idea.ward))
             .order_by(shared.desc(), Idea.total_support_count.desc(), func.length(Idea.title),
                       Idea.id.desc()).limit(limit))
    if exclude_id:
        query = query.where(Idea.id != exclude_id)
    return list(db.session.scalars(query))


def idea_reference(idea_id: int, created_at) -> str:
    """The public reference of an idea, e.g. ``DB-2026-0061``: the council's prefix, the year
    it was proposed, and its id (so references are unique without a shared counter)."""
    prefix = current_app.config.get("IDEA_REFERENCE_PREFIX", "DB")
    return f"{prefix}-{created_at.year}-{idea_id:04d}"


def listing_conditions(*, status: str | None, category_id: int | None, ward_id: int | None,
                       with_hidden: bool = False) -> list:
    """The WHERE conditions of the ideas list's filters (shared with the map's GeoJSON)."""
    conditions = [Idea.status == status if status else Idea.status.not_in(ONLY_ON_REQUEST)]
    if category_id:
        conditions.append(Idea.category_id == category_id)
    if ward_id:
        conditions.append(Idea.ward_id == ward_id)
    if not with_hidden:
        conditions.append(Idea.hidden.is_(False))
    return conditions


def search_ideas(viewer: User | None, *, q: str | None = None, status: str | None = None,
                 category_id: int | None = None, ward_id: int | None = None,
                 sort: str = "supports", page: int = 1,
                 per_page: int = 20) -> Page:
    """Ideas matching the filters, one page of them, and how many match in all.

    Hidden ideas are listed only for staff; duplicates and withdrawn ideas only when the
    status filter asks for them.
    """
    match = None
    if _clean(q):
        parsed = search.parse_query(q)
        if not parsed:  # nothing searchable (only stop words, punctuation or exclusions)
            return Page(items=[], total=0, page=1, per_page=per_page)
        match = search.match_ideas(parsed)
    conditions = listing_conditions(status=status, category_id=category_id, ward_id=ward_id,
                                    with_hidden=can(viewer, "moderate"))
    supports = (Idea.total_support_count.desc(), Idea.created_at.desc(), Idea.id.desc())
    order = {
        "newest": (Idea.created_at.desc(), Idea.id.desc()),
        "updated": (Idea.updated_at.desc(), Idea.id.desc()),
        "relevance": (match.score, *supports) if match is not None else supports,
    }.get(sort, supports)
    listed = select(Idea).where(*conditions)
    counted = select(func.count(Idea.id)).where(*conditions)
    if match is not None:
        listed, counted = match.apply(listed), match.apply(counted)
    else:
        # The filters alone: the count changes only when an idea is added or its status,
        # visibility, ward or category changes, which is what changes the figures' data
        # version, so it is kept with the figures (services/figures_cache.py) instead of counting
        # every idea on every page.
        key = ("ideas-count", status, category_id, ward_id, can(viewer, "moderate"))
        query = counted
        counted = figures_cache.get(cache_key(*key, localised=False),
                                    lambda: db.session.scalar(query) or 0)
    return paginate(listed.order_by(*order)
                    .options(selectinload(Idea.ward), selectinload(Idea.category)),
                    page, per_page, count=counted)


def get_visible_idea(viewer: User | None, idea_id: int) -> Idea:
    """The idea, or NotFound if there is none or the viewer may not see it (hidden)."""
    idea = db.session.get(Idea, idea_id)
    if idea is None or not can(viewer, "view_idea", idea):
        raise NotFound(_("There is no idea at this address."))
    return idea


def support_closed_reason(idea: Idea) -> str | None:
    """Why supports are closed for this idea, or None while they are open."""
    if idea.hidden:
        return _("This idea is hidden while the council reviews it.")
    if idea.status in OPEN_FOR_SUPPORT:
        return None
    return {
        "declined": _("Support is closed because the council declined this idea."),
        "duplicate": _("Support is closed because this idea duplicates another one."),
        "withdrawn": _("Support is closed because the proposer withdrew this idea."),
        "delivered": _("Support is closed because this idea has been delivered."),
        "partly_delivered": _("Support is closed because this idea has been partly delivered."),
        "not_delivered": _("Support is closed because this idea was not delivered."),
    }.get(idea.status, _("Support is closed for this idea."))


def most_supported_open(limit: int = 5) -> list[Idea]:
    """The most supported visible ideas still open for support (for the home page)."""
    return list(db.session.scalars(
        select(Idea).where(status_in_support_order(OPEN_FOR_SUPPORT), Idea.hidden.is_(False))
        .options(selectinload(Idea.ward))
        .order_by(Idea.total_support_count.desc(), Idea.created_at.desc()).limit(limit)))


def status_in_support_order(statuses):
    """``status IN statuses`` for a list sorted by support with no other filter, written so
    the database reads the support index in order and stops after the page: ``status || ''``
    is not indexed, so SQLite does not pick the status index and then sort every idea with
    those statuses (it did, 0.6 s at 100,000 ideas)."""
    return (Idea.status + "").in_(statuses)


def latest_outcomes(limit: int = 3) -> list[OutcomeReport]:
    """The latest published outcomes of visible ideas (for the home page)."""
    return list(db.session.scalars(
        select(OutcomeReport).join(Idea, Idea.id == OutcomeReport.idea_id)
        .where(OutcomeReport.state == "published", Idea.hidden.is_(False))
        .options(selectinload(OutcomeReport.idea), selectinload(OutcomeReport.organisation))
        .order_by(OutcomeReport.published_at.desc()).limit(limit)))
