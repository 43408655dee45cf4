"""Assisted digital pages for council staff: record an idea for a resident who is not online,
the "to contact" list with its printable letters, and supports gathered on paper.

Staff only (moderators and admins), like every /council page.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import CHANNELS, CommunityAsset, Idea
from ..permissions import require
from ..services import assisted, ideas, paper_supports
from ..services.lifecycle import STATUS_LABELS
from ..services.site import site_settings
from .actions import form_status, run_action
from .forms import int_field, text_field

bp = Blueprint("assisted", __name__)

RECORD_FIELDS = ("title", "description", "category_id", "ward_id", "location_text",
                 "asset_id", *assisted.FIELDS)


@bp.before_request
def _staff_gate():
    """Every page here is for staff, like the rest of /council."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    require(current_user, "moderate")
    return None


def channel_options() -> list[tuple[str, str]]:
    return [(c, _(assisted.CHANNEL_LABELS[c])) for c in CHANNELS]


def _record_page(values: dict, errors: dict, status: int = 200):
    from .ideas import _options

    categories, wards = _options()
    assets = list(db.session.scalars(select(CommunityAsset)
                                     .where(CommunityAsset.retired_at.is_(None))
                                     .order_by(CommunityAsset.name)))
    return render_template("council/record_idea.html", values=values, errors=errors,
                           categories=categories, wards=wards, assets=assets,
                           channels=channel_options(), order=RECORD_FIELDS), status


@bp.route("/council/ideas/record", methods=["GET", "POST"])
def record_idea():
    """Record an idea for a resident who phoned, wrote, came in or emailed."""
    if request.method == "GET":
        return _record_page({}, {})
    values = {"title": text_field("title"), "description": text_field("description"),
              "category_id": int_field("category_id"), "ward_id": int_field("ward_id"),
              "location_text": text_field("location_text"), "asset_id": int_field("asset_id")}
    for name in assisted.FIELDS:
        values[name] = text_field(name)
    resident = {key: values[f"on_behalf_of_{key}"] for key in ("name", "channel", "email",
                                                                 "phone")}

    def recorded(idea: Idea):
        flash(_("The idea has been recorded for the resident. Its reference is %(ref)s.",
                ref=idea.reference), "success")
        return redirect(url_for("council.idea", idea_id=idea.id), code=303)

    return run_action(
        lambda: ideas.propose_idea(
            current_user, title=values["title"], description=values["description"],
            category_id=values["category_id"], ward_id=values["ward_id"],
            location_text=values["location_text"],
            asset_ids=[values["asset_id"]] if values["asset_id"] else (),
            on_behalf_of=resident),
        done=recorded,
        failed=lambda exc: _record_page(values, exc.errors, form_status(exc)))


# --- To contact ---------------------------------------------------------------------------


@bp.get("/council/to-contact")
def to_contact():
    """Every status change still to be told to a resident without email, oldest first."""
    due, total = assisted.contacts_due(current_user, limit=500)
    return render_template("council/to_contact.html", due=due, total=total)


@bp.get("/council/to-contact/<int:change_id>/letter")
def letter(change_id: int):
    """A plain, print-friendly letter to the resident about one change."""
    due, done = assisted.contact_for(current_user, change_id)
    return render_template("council/letter.html", due=due, done=done,
                           council_name=site_settings().get("COUNCIL_NAME", ""),
                           status_label=STATUS_LABELS.get(due.change.to_status,
                                                          due.change.to_status))


@bp.post("/council/to-contact/<int:change_id>/contacted")
def mark_contacted(change_id: int):
    """The resident has been phoned or written to about this change (audited)."""

    def done(changed: bool):
        flash(_("Marked as contacted.") if changed
              else _("Someone had marked this as contacted already."), "success")
        return redirect(url_for("assisted.to_contact"), code=303)

    return run_action(lambda: assisted.mark_contacted(current_user, change_id), done=done)


# --- Paper supports -------------------------------------------------------------------------


def _back_to_idea(idea_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("council.idea", idea_id=idea_id, _anchor="panel-paper"), code=303)


@bp.post("/council/ideas/<int:idea_id>/paper-supports")
def record_paper(idea_id: int):
    """Record supports gathered on paper, with the evidence."""
    from . import council  # the council's idea page shows the form again

    idea = council._load_idea(idea_id)
    values = {"count": text_field("count"), "evidence": text_field("evidence")}
    return run_action(
        lambda: paper_supports.record_paper_supports(current_user, idea, count=values["count"],
                                                     evidence=values["evidence"]),
        done=lambda record: _back_to_idea(idea_id, _(
            "%(num)s supports gathered on paper recorded.", num=record.count)),
        failed=lambda exc: council._page(council._load_idea(idea_id), "paper",
                                         {"errors": exc.errors, "values": values},
                                         form_status(exc)))


@bp.post("/council/paper-supports/<int:record_id>/remove")
def remove_paper(record_id: int):
    """A moderator removes a record of paper supports, with a reason."""
    from . import council

    record = paper_supports.get_paper_supports(record_id)
    idea_id = record.idea_id
    values = {"reason": text_field(f"reason-{record_id}"), "record_id": record_id}
    return run_action(
        lambda: paper_supports.remove_paper_supports(current_user, record, values["reason"]),
        done=lambda _record: _back_to_idea(idea_id, _("The paper supports were removed.")),
        failed=lambda exc: council._page(council._load_idea(idea_id), "paper",
                                         {"errors": exc.errors, "values": values,
                                          "detail": exc.detail}, form_status(exc)))


def council_view_extras(idea: Idea) -> dict:
    """What the council's idea page shows about assisted digital: the resident it was
    recorded for and the paper supports (used by web/council.py's context)."""
    return {"representation": assisted.representation_of(current_user, idea),
            "paper_records": paper_supports.paper_support_records(idea),
            "channel_labels": {c: _(label) for c, label in assisted.CHANNEL_LABELS.items()}}



