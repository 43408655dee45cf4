"""The caller's notifications: list (optionally unread only) and mark read."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ..services.inbox import list_notifications, mark_notifications_read
from .base import AUTH_REQUIRED, bp, caller, committed, paginated, responses, signed_in, spec
from .schemas import Body, Id, Out, PageOut, PageQuery

TAG = ["Notifications"]


class NotificationQuery(PageQuery):
    unread: bool = False


class NotificationOut(Out):
    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    idea_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(PageOut):
    items: list[NotificationOut]


class ReadIn(Body):
    """Which notifications to mark read: the given ids, or all of them when `ids` is left out."""

    ids: list[Id] | None = Field(None, max_length=500)


class ReadOut(Out):
    marked_read: int


@bp.get("/notifications")
@signed_in
@spec.validate(resp=responses(200, NotificationPageOut, 401, 403, 422), tags=TAG,
               security=AUTH_REQUIRED)
def notifications(query: NotificationQuery):
    """The caller's notifications, newest first (`unread=true` for unread only)."""
    found = list_notifications(caller(), unread_only=query.unread, page=query.page,
                               per_page=query.per_page)
    return paginated(NotificationPageOut, found,
                     [NotificationOut.model_validate(n) for n in found.items])


@bp.post("/notifications/read")
@signed_in
@spec.validate(resp=responses(200, ReadOut, 401, 403, 422), tags=TAG, security=AUTH_REQUIRED)
def mark_read(json: ReadIn):
    """Mark notifications read. Other people's notifications are never touched."""
    count = committed(lambda: mark_notifications_read(caller(), json.ids))
    return ReadOut(marked_read=count)
