"""What a resident typed into a form on an idea's page when their session had ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class FormDraft(db.Model):
    """A form on an idea's page that was sent after its sender's session had ended: what they
    typed, kept (a short while) for the form to show again once they have signed in.

    It belongs to a browser, not an account: ``owner_key`` is a random key kept in that
    browser's signed session cookie. ``form`` names the form on the page ("comments",
    "pledge", "report", "comment-12" for reporting comment 12, "support", "follow").
    """

    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("owner_key", "idea_id", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_key: Mapped[str] = mapped_column(String(64))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    form: Mapped[str] = mapped_column(String(40))
    fields: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
