"""Photos on ideas (by their author), on progress updates and on outcome reports (by whoever
delivers the idea, or the council): adding, deleting, reporting and removing them, and who may
see each one.

Adding checks everything first (the alt text, the limit, the file itself: see
photo_images.py), then stores the files, then writes the row: a refused upload leaves
nothing behind. Files are named by content hash, so the same picture is stored once however
often it is uploaded; a file is deleted when the last photo using it goes.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import NotFound, TooLarge, ValidationFailed
from ..extensions import db
from ..models import (
    PHOTO_LABELS,
    Flag,
    Idea,
    OutcomeReport,
    Photo,
    ProgressUpdate,
    User,
    utcnow,
)
from ..permissions import can, require
from ..storage import photo_storage
from .audit import record_audit
from .lifecycle import lock_idea
from .notifications import notify_user
from .photo_images import process_photo
from .text_rules import clean_text

ALT_TEXT_MAX = 250
MOST_PER_OWNER = 3
REASON_MAX = 300


def upload_limit_bytes() -> int:
    """The largest photo file accepted, in bytes (``UPLOAD_MAX_MB``)."""
    return int(current_app.config.get("UPLOAD_MAX_MB", 10)) * 1024 * 1024


def _check_alt_text(alt_text: str | None) -> str:
    errors: dict[str, list[str]] = {}
    alt_text = clean_text(alt_text, "alt_text", errors,
                          required=_("Describe the photo for people who cannot see it"),
                          maximum=ALT_TEXT_MAX,
                          too_long=_("The description must be 250 characters or fewer"))
    if errors:
        raise ValidationFailed(errors["alt_text"][0], errors)
    return alt_text


def _check_size(data: bytes) -> None:
    if len(data) > upload_limit_bytes():
        raise TooLarge(_("The photo must be smaller than %(mb)s MB.",
                         mb=current_app.config.get("UPLOAD_MAX_MB", 10)),
                       {"file": [_("The photo must be smaller than %(mb)s MB.",
                                   mb=current_app.config.get("UPLOAD_MAX_MB", 10))]})


def _add(actor: User, idea: Idea, owner_filter, data: bytes, alt_text: str | None,
         label: str | None = None, **owner) -> Photo:
    """The checks and writes every kind of photo shares. The idea is locked while its photos
    are counted, so two uploads at once cannot both take the last place."""
    alt_text = _check_alt_text(alt_text)
    _check_size(data)
    processed = process_photo(data)
    lock_idea(idea)
    count = db.session.scalar(select(func.count(Photo.id)).where(
        Photo.idea_id == idea.id, owner_filter, Photo.removed_at.is_(None))) or 0
    if count >= MOST_PER_OWNER:
        message = _("You can add up to 3 photos. Delete one to add another.")
        raise ValidationFailed(message, {"file": [message]})
    store = photo_storage()
    for key, body in ((processed.storage_key, processed.data),
                      (processed.thumb_key, processed.thumb)):
        if not store.exists(key):  # new here: forgotten again if this transaction is not kept
            db.session.info.setdefault(_NEW_FILES, set()).add(key)
        store.save(key, body, processed.content_type)
    photo = Photo(idea_id=idea.id, uploader_id=actor.id, alt_text=alt_text, label=label,
                  storage_key=processed.storage_key, thumb_key=processed.thumb_key,
                  content_type=processed.content_type, width=processed.width,
                  height=processed.height, thumb_width=processed.thumb_width,
                  thumb_height=processed.thumb_height, content_hash=processed.content_hash,
                  created_at=utcnow(), **owner)
    db.session.add(photo)
    db.session.flush()
    return photo


def add_idea_photo(actor: User, idea: Idea, *, data: bytes, alt_text: str | None) -> Photo:
    """The idea's author adds a photo to it (at most 3)."""
    require(actor, "add_idea_photo", idea,
            detail=_("Only the person who proposed this idea can add photos to it."))
    return _add(actor, idea, (Photo.progress_update_id.is_(None)
                              & Photo.outcome_report_id.is_(None)), data, alt_text)


def add_progress_photo(actor: User, update: ProgressUpdate, *, data: bytes,
                       alt_text: str | None) -> Photo:
    """The author of a progress update (or the council) adds a photo to it (at most 3)."""
    require(actor, "add_progress_photo", update)
    return _add(actor, update.idea, Photo.progress_update_id == update.id, data, alt_text,
                progress_update_id=update.id)


def add_outcome_photo(actor: User, report: OutcomeReport, *, data: bytes,
                      alt_text: str | None, label: str | None = None) -> Photo:
    """Whoever may edit the outcome report adds a photo, labelled "before" or "after"."""
    require(actor, "add_outcome_photo", report)
    label = (label or "").strip() or None
    if label is not None and label not in PHOTO_LABELS:
        message = _("Choose whether the photo is from before or after")
        raise ValidationFailed(message, {"label": [message]})
    return _add(actor, report.idea, Photo.outcome_report_id == report.id, data, alt_text,
                label=label, outcome_report_id=report.id)


_NEW_FILES = "photo_files_stored"


@event.listens_for(Session, "after_commit")
def _files_kept(session) -> None:
    session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _files_not_kept(session) -> None:
    """Files stored for photos whose rows were rolled back (a database outage at commit, a
    later error in the request) are deleted, unless a saved photo uses the same picture (a
    concurrent upload of the same file may have been committed meanwhile)."""
    keys = session.info.pop(_NEW_FILES, None)
    if not keys:
        return
    try:
        with db.engine.connect() as connection:
            used = set(connection.scalars(select(Photo.storage_key)
                                          .where(Photo.storage_key.in_(keys))))
            used |= set(connection.scalars(select(Photo.thumb_key)
                                           .where(Photo.thumb_key.in_(keys))))
        store = photo_storage()
        for key in sorted(keys - used):
            store.delete(key)
    except Exception:  # noqa: BLE001 - tidying up must never hide the error that rolled back
        current_app.logger.warning("Could not delete the files of %d unsaved photos", len(keys))


def _forget_files(keys: list[str]) -> None:
    """Delete the stored files no photo row uses any more."""
    used = set(db.session.scalars(select(Photo.storage_key).where(Photo.storage_key.in_(keys))))
    used |= set(db.session.scalars(select(Photo.thumb_key).where(Photo.thumb_key.in_(keys))))
    store = photo_storage()
    for key in keys:
        if key not in used:
            store.delete(key)


def delete_photo(actor: User, photo: Photo) -> None:
    """The uploader (or a moderator) deletes a photo: the row and, if no other photo uses
    them, its files."""
    require(actor, "delete_photo", photo, detail=_("You can only delete photos you added."))
    keys = [photo.storage_key, photo.thumb_key]
    if actor.id != photo.uploader_id:
        record_audit(actor, "photo.delete", photo, {"alt_text": photo.alt_text}, None)
    db.session.execute(delete(Flag).where(Flag.target_type == "photo",
                                          Flag.target_id == photo.id))
    db.session.delete(photo)
    db.session.flush()
    _forget_files(keys)


def remove_photo(actor: User, photo: Photo, reason: str) -> Photo:
    """A moderator takes a photo down from public view, with a reason the uploader is told.
    Staff still see it; the public get 404."""
    require(actor, "hide", photo)
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=_("Enter the reason for removing "
                                                               "the photo."),
                        maximum=REASON_MAX,
                        too_long=_("The reason must be 300 characters or fewer."))
    if errors:
        raise ValidationFailed(errors["reason"][0], errors)
    before = {"removed_at": None}
    photo.removed_at, photo.removed_reason = utcnow(), reason
    record_audit(actor, "photo.remove", photo, before, {"removed_reason": reason})
    uploader = db.session.get(User, photo.uploader_id)
    if uploader is not None and uploader.id != actor.id and uploader.deleted_at is None:
        notify_user(uploader, "photo_removed", _l("Your photo has been removed"),
                    _l("Your photo \u201c%(alt)s\u201d on \u201c%(title)s\u201d has been removed "
                      "from public view. Reason: %(reason)s", alt=photo.alt_text,
                      title=photo.idea.title, reason=reason), idea=photo.idea)
    db.session.flush()
    return photo


def flag_photo(actor: User, photo: Photo, reason: str) -> Flag:
    """Report a photo to the moderators (reporting twice counts once)."""
    from .engagement import FLAG_REASON_MAX, _insert_ignoring_duplicate

    if not photo_visible_to(actor, photo):
        raise NotFound(_("Photo not found."))
    require(actor, "flag", photo.idea)
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, "reason", errors, required=_("Enter why you are reporting this"),
                        maximum=FLAG_REASON_MAX,
                        too_long=_("Reason must be 1,000 characters or fewer"))
    if errors:
        raise ValidationFailed(errors["reason"][0], errors)
    _insert_ignoring_duplicate(Flag, reporter_id=actor.id, idea_id=photo.idea_id,
                               target_type="photo", target_id=photo.id, reason=reason,
                               created_at=utcnow())
    db.session.flush()
    return db.session.scalar(select(Flag).where(
        Flag.reporter_id == actor.id, Flag.target_type == "photo", Flag.target_id == photo.id))


def decide_photo_report(actor: User, flag: Flag, resolution: str, message: str) -> None:
    """What upholding a report about a photo does: the photo is removed from public view and
    its uploader told why (dismissing leaves it as it is)."""
    photo = db.session.get(Photo, flag.target_id)
    if photo is None or resolution != "upheld" or photo.removed_at is not None:
        return
    reason = message or _("Reported content removed by a moderator: %(reason)s",
                          reason=flag.reason)
    remove_photo(actor, photo, reason[:REASON_MAX])


def reported_photos(flags: list[Flag]) -> dict[int, Photo]:
    """The photos the given reports are about, by id (one query)."""
    ids = {f.target_id for f in flags if f.target_type == "photo"}
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Photo).where(Photo.id.in_(ids)))}


def photo_visible_to(viewer: User | None, photo: Photo) -> bool:
    """Staff see every photo; the uploader sees their own; everyone else sees a photo that
    is not removed, on an idea they may see (a hidden idea's photos are not public), and on
    an outcome report only once they may read the report."""
    if can(viewer, "moderate"):
        return True
    if viewer is not None and getattr(viewer, "is_authenticated", False) \
            and viewer.id == photo.uploader_id:
        return True
    if photo.removed_at is not None or photo.idea.hidden:
        return False
    if photo.outcome_report_id is not None:
        report = db.session.get(OutcomeReport, photo.outcome_report_id)
        return report is not None and can(viewer, "view_outcome_report", report)
    return True


def photo_for_key(key: str) -> Photo | None:
    """A photo whose full image or thumbnail is stored under ``key`` (the first, if the same
    picture was uploaded more than once)."""
    return db.session.scalars(select(Photo).where(
        or_(Photo.storage_key == key, Photo.thumb_key == key)).order_by(Photo.id)).first()


def visible_photo_for_key(viewer: User | None, key: str) -> Photo | None:
    """A photo stored under ``key`` that ``viewer`` may see, or None."""
    photos = db.session.scalars(select(Photo).where(
        or_(Photo.storage_key == key, Photo.thumb_key == key)).order_by(Photo.id))
    return next((p for p in photos if photo_visible_to(viewer, p)), None)


def idea_photos(viewer: User | None, idea: Idea) -> list[Photo]:
    """Every photo on the idea, its progress updates and its outcome that ``viewer`` may see,
    oldest first (one query, plus one for an unpublished outcome report)."""
    photos = list(db.session.scalars(select(Photo).where(Photo.idea_id == idea.id)
                                     .order_by(Photo.created_at, Photo.id)))
    for photo in photos:
        set_committed_value(photo, "idea", idea)  # already loaded: no query per photo
    return [p for p in photos if photo_visible_to(viewer, p)]


def delete_photos_of(user: User) -> int:
    """Delete every photo ``user`` uploaded, files and all (erasure of their account)."""
    photos = list(db.session.scalars(select(Photo).where(Photo.uploader_id == user.id)))
    keys = sorted({k for p in photos for k in (p.storage_key, p.thumb_key)})
    ids = [p.id for p in photos]
    if not ids:
        return 0
    db.session.execute(delete(Flag).where(Flag.target_type == "photo", Flag.target_id.in_(ids)))
    db.session.execute(delete(Photo).where(Photo.id.in_(ids)))
    db.session.flush()
    _forget_files(keys)
    return len(ids)
