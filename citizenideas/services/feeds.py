"""Atom 1.0 feeds: new ideas, status changes and published outcomes.

Entries carry no personal data: the author of every feed is the council (outcomes name the
delivering organisation), never a resident. Hidden ideas and anything on them are left out.
Entry ids are stable ``tag:`` URIs built from the site's host name and the row id, so a reader
never sees the same entry twice.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..bilingual import localised_text, site_text_plain
from ..extensions import db
from ..models import Idea, OutcomeReport, StatusChange, utcnow
from .lifecycle import STATUS_LABELS
from .opendata import RESULT_LABELS, idea_url, published_outcomes_query, site_url
from .site import site_settings
from .verification import tally, tally_text

FEED_SIZE = 50
TAG_DATE = "2026"  # the year the tag: scheme was fixed for this software; never change it
FEED_EVENTS = ("status", "merged")  # timeline events that are status changes


# Characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF, lone surrogates).
# Input is cleaned where people type it, but one row stored another way (an import, an old
# API, a database edit) must not turn every feed into a 500: the feed drops them as it writes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str | None) -> str:
    """``value`` with the characters XML cannot hold removed."""
    return _NOT_XML.sub("", value or "")


def tag_uri(specific: str) -> str:
    """``tag:ideas.example.gov.uk,2026:idea/12``: stable, unique, not a fetchable address."""
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{specific}"


def _council() -> str:
    """The council's name as the site shows it, in the feed's language."""
    return site_text_plain(site_settings(), "COUNCIL_NAME")


def _feed(name: str, title: str, subtitle: str, alternate: str,
          newest: datetime | None) -> FeedGenerator:
    """A feed in the request's language (the page cache keeps one copy per language)."""
    council = _council()
    fg = FeedGenerator()
    fg.id(tag_uri(f"feed/{name}"))
    fg.title(xml_text(f"{title} – {council}"))
    fg.subtitle(subtitle)
    fg.author({"name": xml_text(council)})
    fg.link(href=site_url(f"/feeds/{name}.atom"), rel="self", type="application/atom+xml")
    fg.link(href=site_url(alternate), rel="alternate", type="text/html")
    fg.language(f"{get_locale() or 'en'}-GB")
    fg.rights("Open Government Licence v3.0")
    fg.updated(newest or utcnow())
    return fg


def _entry(fg: FeedGenerator, *, uri: str, title: str, link: str, when: datetime,
           summary: str, author: str | None = None) -> None:
    entry = fg.add_entry(order="append")
    entry.id(uri)
    entry.title(xml_text(title).strip() or _("Untitled"))  # Atom requires a title
    entry.link(href=link, rel="alternate", type="text/html")
    entry.published(when)
    entry.updated(when)
    entry.summary(xml_text(summary or title))
    if author:
        entry.author({"name": xml_text(author)})


def ideas_feed() -> bytes:
    """The newest public ideas."""
    ideas = db.session.scalars(
        select(Idea).options(joinedload(Idea.ward), joinedload(Idea.category))
        .where(Idea.hidden.is_(False)).order_by(Idea.created_at.desc(), Idea.id.desc())
        .limit(FEED_SIZE)).all()
    fg = _feed("ideas", _("New ideas"), _("Ideas residents have proposed, newest first."),
               "/ideas", ideas[0].created_at if ideas else None)
    for idea in ideas:
        _entry(fg, uri=tag_uri(f"idea/{idea.id}"), title=idea.title, link=idea_url(idea.id),
               when=idea.created_at,
               summary=f"{localised_text(idea.ward, 'name')} · "
                       f"{localised_text(idea.category, 'name')}\n\n{idea.description}")
    return fg.atom_str(pretty=True)


def status_changes_feed() -> bytes:
    """The newest status changes of public ideas, with the council's public message."""
    changes = db.session.scalars(
        select(StatusChange).join(Idea, Idea.id == StatusChange.idea_id)
        .options(joinedload(StatusChange.idea))
        .where(Idea.hidden.is_(False), StatusChange.event.in_(FEED_EVENTS))
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
        .limit(FEED_SIZE)).all()
    fg = _feed("status-changes", _("Status changes"),
               _("Every public change of an idea's status, with the council's reason."),
               "/accountability", changes[0].created_at if changes else None)
    for change in changes:
        label = str(STATUS_LABELS.get(change.to_status, change.to_status))
        _entry(fg, uri=tag_uri(f"status-change/{change.id}"),
               title=f"{change.idea.title}: {label.lower()}", link=idea_url(change.idea_id),
               when=change.created_at,
               summary=change.message or _("Now %(status)s.", status=label.lower()))
    return fg.atom_str(pretty=True)


def outcomes_feed() -> bytes:
    """The newest published outcomes ("You said, we did")."""
    reports = db.session.scalars(
        published_outcomes_query()
        .options(joinedload(OutcomeReport.idea), joinedload(OutcomeReport.organisation))
        .limit(FEED_SIZE)).all()
    fg = _feed("outcomes", _("Outcomes"), _("What was done about residents' ideas."),
               "/outcomes", reports[0].published_at if reports else None)
    council = _council()
    for report in reports:
        result = RESULT_LABELS.get(report.result or "", "")
        counts = tally(report)  # residents' "Was it done?" answers, once there are some
        said = f"\n\n{tally_text(counts)}" if any(counts.values()) else ""
        _entry(fg, uri=tag_uri(f"outcome/{report.id}"),
               title=f"{report.idea.title}: {result.lower()}" if result else report.idea.title,
               link=idea_url(report.idea_id), when=report.published_at,
               summary=f"{report.summary}{said}",
               author=report.organisation.name if report.organisation else council)
    return fg.atom_str(pretty=True)
