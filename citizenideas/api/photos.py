"""Photos on ideas, progress updates and outcome reports.

Uploads are ``multipart/form-data`` (a ``file`` and its ``alt_text``), the one kind of body
in this API that is not JSON: ``base.MULTIPART_BODIES`` lets them through the JSON check and
describes them in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from flask import request, url_for

from ..errors import NotFound
from ..models import OutcomeReport, Photo, ProgressUpdate
from ..services import photos
from ..services.engagement import FLAG_REASON_MAX
from ..services.photos import ALT_TEXT_MAX
from .base import (
    AUTH_OPTIONAL,
    AUTH_REQUIRED,
    MULTIPART_BODIES,
    actor,
    bp,
    caller,
    committed,
    get_or_404,
    limited,
    responses,
    signed_in,
    spec,
)
from .ideas import FlagOut, load_idea
from .schemas import Body, Out, text_limits

TAG = ["Photos"]
ERRORS = (401, 403, 413, 422)


class PhotoOut(Out):
    """A photo: its full-size and thumbnail addresses, alt text and size in pixels."""

    id: int
    url: str
    thumbnail_url: str
    alt_text: str
    width: int
    height: int
    label: str | None = None


class PhotoListOut(Out):
    items: list[PhotoOut]


class PhotoFlagIn(Body):
    reason: Annotated[str, text_limits(FLAG_REASON_MAX, required=True)]


def photo_out(photo: Photo) -> PhotoOut:
    return PhotoOut(id=photo.id, url=url_for("photos.media", key=photo.storage_key,
                                             _external=True),
                    thumbnail_url=url_for("photos.media", key=photo.thumb_key, _external=True),
                    alt_text=photo.alt_text, width=photo.width, height=photo.height,
                    label=photo.label)


def _upload() -> tuple[bytes, str | None]:
    """The uploaded file's bytes (empty when none was sent) and the alt text."""
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    return data, request.form.get("alt_text")


_FILE = {"type": "string", "format": "binary",
         "description": "A JPEG, PNG or WebP image (whatever its name or declared type, it is "
                        "decoded to check), at most UPLOAD_MAX_MB (default 10 MB) and 40 "
                        "megapixels. It is re-encoded as JPEG without any metadata (EXIF, GPS, "
                        "comments), at most 2,000 pixels on its long side."}
_ALT = {"type": "string", "minLength": 1, "maxLength": ALT_TEXT_MAX,
        "description": "Describe the photo for people who cannot see it."}


def _multipart(*, labels: bool = False) -> dict:
    properties = {"file": _FILE, "alt_text": _ALT}
    if labels:
        properties["label"] = {"type": "string", "enum": ["before", "after"],
                               "description": "Whether the photo shows before or after."}
    return {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file", "alt_text"],
                   "properties": properties},
        "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}}}}}


MULTIPART_BODIES.update({
    "api.add_idea_photo": _multipart(),
    "api.add_update_photo": _multipart(),
    "api.add_outcome_photo": _multipart(labels=True),
})


@bp.get("/ideas/<int:idea_id>/photos")
@spec.validate(resp=responses(200, PhotoListOut), tags=TAG, security=AUTH_OPTIONAL)
def list_idea_photos(idea_id: int):
    """The photos of an idea, its progress updates and its published outcome, oldest first.

    A token is optional: with one, the caller also sees their own removed photos (and staff
    every photo).
    """
    idea = load_idea(idea_id)
    return PhotoListOut(items=[photo_out(p) for p in photos.idea_photos(actor(), idea)])


@bp.post("/ideas/<int:idea_id>/photos")
@signed_in
@limited("RATELIMIT_PHOTO")
@spec.validate(resp=responses(201, PhotoOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def add_idea_photo(idea_id: int):
    """Add a photo to your idea (its author only; at most 3)."""
    idea = load_idea(idea_id)
    data, alt_text = _upload()
    photo = committed(lambda: photos.add_idea_photo(caller(), idea, data=data,
                                                    alt_text=alt_text))
    return photo_out(photo), 201


@bp.post("/ideas/<int:idea_id>/updates/<int:update_id>/photos")
@signed_in
@limited("RATELIMIT_PHOTO")
@spec.validate(resp=responses(201, PhotoOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def add_update_photo(idea_id: int, update_id: int):
    """Add a photo to a progress update (its author or the council; at most 3)."""
    idea = load_idea(idea_id)
    update = get_or_404(ProgressUpdate, update_id, "There is no such progress update.")
    if update.idea_id != idea.id:
        raise NotFound("There is no such progress update.")
    data, alt_text = _upload()
    photo = committed(lambda: photos.add_progress_photo(caller(), update, data=data,
                                                        alt_text=alt_text))
    return photo_out(photo), 201


@bp.post("/ideas/<int:idea_id>/outcome/photos")
@signed_in
@limited("RATELIMIT_PHOTO")
@spec.validate(resp=responses(201, PhotoOut, *ERRORS), tags=TAG, security=AUTH_REQUIRED)
def add_outcome_photo(idea_id: int):
    """Add a "before" or "after" photo to the idea's outcome report before it is published
    (whoever delivers the idea, or the council; at most 3)."""
    from sqlalchemy import select

    from ..extensions import db

    idea = load_idea(idea_id)
    report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea.id))
    if report is None:
        raise NotFound("This idea has no outcome report yet: save one first.")
    data, alt_text = _upload()
    photo = committed(lambda: photos.add_outcome_photo(
        caller(), report, data=data, alt_text=alt_text, label=request.form.get("label")))
    return photo_out(photo), 201


@bp.delete("/photos/<int:photo_id>")
@signed_in
@spec.validate(resp=responses(204, None, 401, 403), tags=TAG, security=AUTH_REQUIRED)
def delete_photo(photo_id: int):
    """Delete a photo (the person who added it, or a moderator)."""
    photo = get_or_404(Photo, photo_id, "There is no such photo.")
    if not photos.photo_visible_to(caller(), photo):
        raise NotFound("There is no such photo.")
    committed(lambda: photos.delete_photo(caller(), photo))
    return "", 204


@bp.post("/photos/<int:photo_id>/flags")
@signed_in
@limited("RATELIMIT_FLAG")
@spec.validate(resp=responses(201, FlagOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def flag_photo(photo_id: int, json: PhotoFlagIn):
    """Report a photo to the moderators (reporting twice counts once)."""
    photo = get_or_404(Photo, photo_id, "There is no such photo.")
    made = committed(lambda: photos.flag_photo(caller(), photo, json.reason))
    return FlagOut(id=made.id, idea_id=made.idea_id, target_type=made.target_type,
                   target_id=made.target_id), 201
