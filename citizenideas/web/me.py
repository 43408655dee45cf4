"""The signed-in person's own pages: their ideas and activity, profile, notifications, data."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import throttling
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Follow, Idea, Pledge, Support, Ward
from ..pagination import requested_page
from ..services import accounts, engagement, inbox, privacy
from .actions import run_action
from .auth import safe_next
from .forms import int_field, text_field

bp = Blueprint("me", __name__)


def _my_activity() -> dict:
    """My ideas, supports, pledges and follows (a fixed number of queries)."""
    me = current_user.id

    def ideas_via(model, column):
        return list(db.session.scalars(
            select(Idea).join(model, model.idea_id == Idea.id).where(column == me)
            .order_by(model.created_at.desc()).limit(50)))

    return {
        "my_ideas": list(db.session.scalars(select(Idea).where(Idea.author_id == me)
                                            .order_by(Idea.created_at.desc()).limit(50))),
        "supported": ideas_via(Support, Support.user_id),
        "followed": ideas_via(Follow, Follow.user_id),
        "pledges": list(db.session.scalars(
            select(Pledge).where(Pledge.user_id == me).options(selectinload(Pledge.idea))
            .order_by(Pledge.created_at.desc()).limit(50))),
    }


@bp.route("/me", methods=["GET", "POST"])
@login_required
def profile():
    """My ideas, supports, pledges and follows; display name, home ward and email preference."""
    wards = list(db.session.scalars(select(Ward).where(Ward.retired_at.is_(None))
                                    .order_by(Ward.name)))

    def page(values: dict, errors: dict):
        return render_template("me/profile.html", values=values, errors=errors, wards=wards,
                               **_my_activity()), (422 if errors else 200)

    if request.method == "GET":
        return page({"display_name": current_user.display_name,
                     "ward_id": current_user.ward_id, "notify_pref": current_user.notify_pref},
                    {})
    values = {"display_name": text_field("display_name"), "ward_id": int_field("ward_id"),
              "notify_pref": text_field("notify_pref")}

    def saved(_result):
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("me.profile"), code=303)

    return run_action(lambda: accounts.update_profile(current_user, values["display_name"],
                                                      values["ward_id"],
                                                      values["notify_pref"]),
                      done=saved, catch=ValidationFailed,
                      failed=lambda exc: page(values, exc.errors))


@bp.post("/me/pledges/<int:pledge_id>/withdraw")
@login_required
def withdraw_pledge(pledge_id: int):
    """Take back one of my offers of help, from my account page."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        abort(404)

    def back(message: str, category: str):
        flash(message, category)
        return redirect(url_for("me.profile", _anchor="my-pledges"), code=303)

    return run_action(lambda: engagement.withdraw_pledge(current_user, pledge),
                      done=lambda _p: back(_("You have withdrawn your offer of help."),
                                           "success"),
                      catch=Conflict, failed=lambda exc: back(exc.detail, "important"))


@bp.get("/me/notifications")
@login_required
def notifications():
    """My notifications, newest first."""
    found = inbox.list_notifications(current_user, page=requested_page(request.args),
                                     per_page=20)
    unread = inbox.count_unread(current_user)
    return render_template("me/notifications.html", items=found.items, total=found.total,
                           page=found.page, unread=unread, pages=found.pages)


@bp.get("/me/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Show one notification. Reading it changes nothing (a GET may come from a link preview
    or a prefetch): its "Mark as read" button posts to ``mark_read``."""
    note = inbox.get_notification(current_user, notification_id)
    return render_template("me/notification.html", note=note)


@bp.post("/me/notifications/read")
@login_required
def mark_read():
    """Mark all (or the listed ``id`` values) as read."""
    ids = request.form.getlist("id") or None
    if ids is not None:
        ids = [i for i in ids if i.isdigit()]

    def marked(count: int):
        flash(_("Marked %(n)s notifications as read.", n=count) if count != 1
              else _("Marked 1 notification as read."), "success")
        return redirect(safe_next(request.form.get("next"), url_for("me.notifications")),
                        code=303)

    return run_action(lambda: inbox.mark_notifications_read(current_user, ids), done=marked)


@bp.get("/me/data.json")
@login_required
def data_download():
    """Everything we hold about me, as a JSON file."""
    data = privacy.export_my_data(current_user)
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=my-citizenideas-data.json",
        "Cache-Control": "no-store"})


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete my account, after a confirm step and my current password. Contributions stay
    as "Former resident"."""
    errors: dict = {}

    def form(errors: dict):
        return render_template("me/delete.html", errors=errors,
                               values={"confirm": request.form.get("confirm")}), (
            422 if errors else 200)

    if request.method == "POST":
        if request.form.get("confirm") == "no":
            return redirect(url_for("me.profile"), code=303)
        if request.form.get("confirm") != "yes":
            errors = {"confirm": [_("Select yes to confirm you want to delete your account")]}
        else:
            # A wrong password counts as a failed sign-in: a session left open on a shared
            # computer must not become a way to guess the password.
            throttling.refuse_if_too_many_failed_sign_ins(current_user.email)

            def refused(exc: ValidationFailed):
                if request.form.get("password"):
                    throttling.record_failed_sign_in(current_user.email)
                return form(exc.errors)

            return run_action(lambda: privacy.erase_account(
                current_user, password=request.form.get("password", "")),
                done=_erased, catch=ValidationFailed, failed=refused)
    return form(errors)


def _erased(_result):
    logout_user()
    flash(_("Your account has been deleted. Your ideas and comments stay on the site "
            "as \u201cFormer resident\u201d."), "success")
    return redirect(url_for("pages.home"), code=303)
