"""The signed-in person's API tokens on /me/tokens: list, create (shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import DomainError
from ..services.tokens import create_api_token, list_api_tokens, revoke_api_token
from .actions import run_action
from .forms import text_field

bp = Blueprint("tokens", __name__)


@bp.route("/me/tokens", methods=["GET", "POST"])
@login_required
def index():
    """List tokens; a POST creates one and shows its value once, on this response only."""

    def page(status: int = 200, values: dict | None = None, errors: dict | None = None,
             new_token: dict | None = None):
        response = render_template("me/tokens.html", tokens=list_api_tokens(current_user),
                                   values=values or {}, errors=errors or {},
                                   new_token=new_token)
        return response, status, {"Cache-Control": "no-store"}

    if request.method == "GET":
        return page()
    values = {"name": text_field("name")}
    return run_action(
        lambda: create_api_token(current_user, values["name"]),
        done=lambda made: page(201, new_token={"name": made[0].name, "value": made[1]}),
        failed=lambda exc: page(422, values, exc.errors or {"name": [exc.detail]}),
        catch=DomainError)


@bp.post("/me/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of the person's own tokens."""

    def revoked(token):
        flash(_("The token \u201c%(name)s\u201d has been revoked. It no longer works.",
                name=token.name), "success")
        return redirect(url_for("tokens.index"), code=303)

    return run_action(lambda: revoke_api_token(current_user, token_id), done=revoked)
