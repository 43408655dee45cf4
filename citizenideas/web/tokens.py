"""The signed-in person's API tokens on /me/tokens: list, create (shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import DomainError
from ..extensions import db
from ..services.tokens import create_api_token, list_api_tokens, revoke_api_token
from .forms import text_field

bp = Blueprint("tokens", __name__)


@bp.route("/me/tokens", methods=["GET", "POST"])
@login_required
def index():
    """List tokens; a POST creates one and shows its value once, on this response only."""
    values: dict = {}
    errors: dict = {}
    new_token = None
    status = 200
    if request.method == "POST":
        values = {"name": text_field("name")}
        try:
            token, raw = create_api_token(current_user, values["name"])
            db.session.commit()
            new_token = {"name": token.name, "value": raw}
            values = {}
            status = 201
        except DomainError as exc:
            db.session.rollback()
            errors = exc.errors or {"name": [exc.detail]}
            status = 422
    response = render_template("me/tokens.html", tokens=list_api_tokens(current_user),
                               values=values, errors=errors, new_token=new_token)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/me/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of the person's own tokens."""
    token = revoke_api_token(current_user, token_id)
    db.session.commit()
    flash(_("The token \u201c%(name)s\u201d has been revoked. It no longer works.",
            name=token.name), "success")
    return redirect(url_for("tokens.index"), code=303)
