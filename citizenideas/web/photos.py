"""Photos: serving them (``/media/<key>``), and the forms on the idea page that add, delete,
report and remove them. Progress updates and outcome reports take a photo on their own forms
(web/partners.py) through ``uploaded_file``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..error_handlers import answers_expired_forms
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Photo
from ..permissions import can
from ..services import ideas, photos
from ..storage import photo_storage, valid_key
from ..throttling import action_limits
from .actions import run_action
from .forms import text_field

bp = Blueprint("photos", __name__)

# The multipart overhead allowed beside the file itself (the form's text fields).
FORM_ALLOWANCE = 256 * 1024
IMMUTABLE = "public, max-age=31536000, immutable"


def allow_upload_size() -> None:
    """Let this request's body be as large as one photo (``UPLOAD_MAX_MB``) and its form:
    anything larger is refused with 413 before it is read."""
    request.max_content_length = photos.upload_limit_bytes() + FORM_ALLOWANCE


def uploaded_file(name: str = "file") -> bytes | None:
    """The bytes of the file sent in field ``name``, or None when none was chosen."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None
    return upload.read()


@bp.get("/media/<path:key>")
def media(key: str):
    """A stored photo or thumbnail, for whoever may see the photo (404 otherwise: a hidden
    idea's photos and removed photos are not public). Public photos may be cached forever
    (the name is the content's hash); others are not cached at all."""
    if not valid_key(key):
        abort(404)
    photo = photos.visible_photo_for_key(current_user, key)
    if photo is None:
        abort(404)
    data = photo_storage().read(key)
    if data is None:
        abort(404)
    public = photos.photo_visible_to(None, photo)
    response = current_app.response_class(data, mimetype=photo.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = IMMUTABLE if public else "private, no-store"
    return response


def _back_to_idea(idea_id: int):
    return redirect(url_for("ideas.show", idea_id=idea_id) + "#photos", code=303)


def _idea_page_with(idea, errors: dict, values: dict, status: int = 422):
    """The idea page again with the photo form's errors (nothing was stored)."""
    from .ideas import _render_idea

    return _render_idea(idea, status=status,
                        forms={"photo": {"values": values, "errors": errors}})


@bp.post("/ideas/<int:idea_id>/photos")
@login_required
@action_limits("RATELIMIT_PHOTO", methods=["POST"])
def add_to_idea(idea_id: int):
    """The idea's author adds a photo (a plain multipart form: works without JavaScript)."""
    allow_upload_size()
    idea = ideas.get_visible_idea(current_user, idea_id)
    values = {"alt_text": text_field("alt_text")}
    data = uploaded_file()

    def added(_photo):
        flash(_("Your photo has been added."), "success")
        return _back_to_idea(idea.id)

    return run_action(
        lambda: photos.add_idea_photo(current_user, idea, data=data or b"",
                                      alt_text=values["alt_text"]),
        done=added, catch=ValidationFailed,
        failed=lambda exc: _idea_page_with(idea, exc.errors, values))


@answers_expired_forms("photos.add_to_idea")
def _upload_timed_out():
    """The session ended before the photo form was sent: a file cannot be kept as a draft
    (drafts keep text only), so say so plainly."""
    return render_template(
        "errors/page.html", status=400, title=_("Your session timed out"),
        detail=_("Your photo was not added. Photos cannot be kept when a session ends: "
                 "sign in, then choose the photo again.")), 400


def _photo(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None or not photos.photo_visible_to(current_user, photo):
        raise NotFound(_("Photo not found."))
    return photo


@bp.post("/photos/<int:photo_id>/delete")
@login_required
def delete(photo_id: int):
    """The uploader (or a moderator) deletes a photo."""
    photo = _photo(photo_id)
    idea_id = photo.idea_id

    def deleted(_result):
        flash(_("The photo has been deleted."), "success")
        return _back_to_idea(idea_id)

    return run_action(lambda: photos.delete_photo(current_user, photo), done=deleted)


@bp.post("/photos/<int:photo_id>/flag")
@login_required
@action_limits("RATELIMIT_FLAG", methods=["POST"])
def flag(photo_id: int):
    """Report a photo to the moderators."""
    photo = _photo(photo_id)
    values = {"reason": text_field("reason")}

    def reported(_flag):
        flash(_("Thank you for your report. A moderator will look at it."), "success")
        return _back_to_idea(photo.idea_id)

    return run_action(lambda: photos.flag_photo(current_user, photo, values["reason"]),
                      done=reported, catch=ValidationFailed,
                      failed=lambda exc: _idea_page_with(
                          photo.idea, {f"reason-{photo.id}": exc.errors.get("reason", [])},
                          {f"reason-{photo.id}": values["reason"]}))


@bp.post("/photos/<int:photo_id>/remove")
@login_required
def remove(photo_id: int):
    """A moderator removes a photo from public view, with a reason for its uploader."""
    photo = _photo(photo_id)
    if not can(current_user, "hide", photo):
        abort(403)
    values = {"reason": text_field("reason")}

    def removed(_photo):
        flash(_("The photo has been removed. Its uploader has been told why."), "success")
        return _back_to_idea(photo.idea_id)

    return run_action(lambda: photos.remove_photo(current_user, photo, values["reason"]),
                      done=removed, catch=ValidationFailed,
                      failed=lambda exc: _idea_page_with(
                          photo.idea, {f"remove-{photo.id}": exc.errors.get("reason", [])},
                          {f"remove-{photo.id}": values["reason"]}))
