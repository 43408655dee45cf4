"""Everything the council dashboard (/council) shows, read in one place.

The dashboard is the page moderators open most, and it is never cached (it is signed in), so
it reads as little as it can, each in as few statements as it can:

- the queues' counts and the figures' data version, in one statement (services/triage.py);
- the page of ideas, counted from the cached idea counts at that data version;
- the categories and wards of the filters, kept in this process per data version (a category
  or ward changed anywhere gives a new version: models/versions.py), so they cost nothing
  until one changes;
- the staff who can be assigned ideas (id and name only);
- the residents to contact by phone or post, counted in the same statement as the first ten;
- the nominations and transfer reports waiting (their own services).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Category, User, Ward
from ..pagination import Page
from ..permissions import require
from . import asset_reports, assisted, community_value_lists, triage

DUE_SHOWN = 10
# Choices kept per data version; a handful is enough (old versions are never asked again).
_CHOICES_KEPT = 8
_choices: dict[str, tuple[tuple, tuple]] = {}
_choices_lock = threading.Lock()


@dataclass
class Dashboard:
    ideas: Page
    counts: dict[str, int]
    categories: tuple[dict, ...]  # {"id", "name", "name_cy"}, by name, retired ones too
    wards: tuple[dict, ...]
    staff: list[tuple[int, str]]  # (id, name) of those who can be assigned ideas
    due: list[assisted.ContactDue]
    due_total: int
    nominations_waiting: int
    nominations_overdue: int
    reports_overdue: int


def council_dashboard(actor: User, filters: triage.TriageFilters, page: int,
                      per_page: int) -> Dashboard:
    """The dashboard's queues, the filtered page of ideas and the filters' choices."""
    require(actor, "moderate")
    counts, token = triage.queue_counts_and_version(actor)
    ideas = triage.triage_list(actor, filters, page, per_page, version=token)
    categories, wards = place_choices(token)
    due, due_total = assisted.contacts_due(actor, limit=DUE_SHOWN)
    waiting, late = community_value_lists.queue_counts()
    return Dashboard(ideas=ideas, counts=counts, categories=categories, wards=wards,
                     staff=staff_choices(), due=due, due_total=due_total,
                     nominations_waiting=waiting, nominations_overdue=late,
                     reports_overdue=asset_reports.overdue_count())


def staff_choices() -> list[tuple[int, str]]:
    """(id, name) of the staff who can be assigned ideas (triage.ASSIGNABLE), by name."""
    return [(row.id, row.display_name) for row in db.session.execute(
        select(User.id, User.display_name).where(*triage.ASSIGNABLE)
        .order_by(User.display_name))]


def place_choices(token: str | None) -> tuple[tuple[dict, ...], tuple[dict, ...]]:
    """Every category and ward (retired ones too: the council filters by them), by name, at
    figures data version ``token`` (read by the caller before this is called, so what is
    kept under a version is never older than it). Before the first write there is no
    version, and they are read every time."""
    if token is not None:
        found = _choices.get(token)
        if found is not None:
            return found
    found = (_rows(Category), _rows(Ward))
    if token is not None:
        with _choices_lock:
            if len(_choices) >= _CHOICES_KEPT:
                _choices.clear()
            _choices[token] = found
    return found


def _rows(model) -> tuple[dict, ...]:
    return tuple({"id": row.id, "name": row.name, "name_cy": row.name_cy}
                 for row in db.session.execute(
                     select(model.id, model.name, model.name_cy).order_by(model.name)))
