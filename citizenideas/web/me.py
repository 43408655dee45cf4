"""The signed-in person's own pages: profile and settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Ward
from ..services import accounts
from .forms import int_field, text_field

bp = Blueprint("me", __name__)


@bp.route("/me", methods=["GET", "POST"])
@login_required
def profile():
    """Profile: display name, home ward and how often to be emailed."""
    wards = list(db.session.scalars(select(Ward).where(Ward.retired_at.is_(None))
                                    .order_by(Ward.name)))
    values = {"display_name": current_user.display_name, "ward_id": current_user.ward_id,
              "notify_pref": current_user.notify_pref}
    errors: dict = {}
    if request.method == "POST":
        values = {"display_name": text_field("display_name"), "ward_id": int_field("ward_id"),
                  "notify_pref": text_field("notify_pref")}
        try:
            accounts.update_profile(current_user, values["display_name"], values["ward_id"],
                                    values["notify_pref"])
            db.session.commit()
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("me.profile"), code=303)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template("me/profile.html", values=values, errors=errors, wards=wards), (
        422 if errors else 200)
