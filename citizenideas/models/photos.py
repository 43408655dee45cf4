"""Photos on ideas, progress updates and outcome reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import _in

PHOTO_LABELS = ("before", "after")


class Photo(db.Model):
    """One uploaded photo, decoded and re-encoded without metadata (services/photos.py).

    Every photo belongs to an idea (``idea_id``: whether the public may see it follows the
    idea). Its owner is the idea itself, or one progress update, or the outcome report of
    that idea: at most one of ``progress_update_id`` and ``outcome_report_id`` is set.
    ``storage_key`` and ``thumb_key`` name the stored files (made from the content hash, so
    the same picture uploaded twice is stored once; a file goes when no photo uses it).
    A photo removed by a moderator keeps its row and files for staff; the public get 404.
    """

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("progress_update_id IS NULL OR outcome_report_id IS NULL",
                        name="one_owner"),
        CheckConstraint(f"label IS NULL OR {_in('label', PHOTO_LABELS)}", name="label"),
        CheckConstraint("width > 0 AND height > 0", name="size"),
        Index("ix_photos_idea_created", "idea_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    progress_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("progress_updates.id"), index=True)
    outcome_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcome_reports.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    alt_text: Mapped[str] = mapped_column(String(250))
    label: Mapped[str | None] = mapped_column(String(10))
    storage_key: Mapped[str] = mapped_column(String(200), index=True)
    thumb_key: Mapped[str] = mapped_column(String(200), index=True)
    content_type: Mapped[str] = mapped_column(String(40), default="image/jpeg")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_reason: Mapped[str | None] = mapped_column(Text)

    idea = relationship("Idea")
    uploader = relationship("User")

    @property
    def owner_kind(self) -> str:
        """"progress_update", "outcome_report" or "idea"."""
        if self.progress_update_id is not None:
            return "progress_update"
        if self.outcome_report_id is not None:
            return "outcome_report"
        return "idea"
