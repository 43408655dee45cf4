"""Writing notifications: in-app rows that are also the email outbox.

Written in the same transaction as the change they report, so a notification is never
lost and never sent for a change that was rolled back. ``citizenideas.notify.outbox``
sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, union
from werkzeug.routing import BuildError

from ..extensions import db
from ..locale import default_locale, recipient_locale
from ..models import Comment, Follow, Idea, Notification, Pledge, Support, User, utcnow

# A notification's subject or body: plain text, a lazy translation (``lazy_gettext``), or a
# function giving the text (``joined``). It is worded in the recipient's language as it is
# written, so each person reads it in theirs whoever made the change.
Words = str | Callable[[], str]


def joined(*parts) -> Callable[[], str]:
    """Text made of translatable parts (``lazy_gettext``) and text as typed (a resident's
    comment, a moderator's message), put together in the recipient's language."""
    return lambda: "".join(str(part() if callable(part) else part) for part in parts)


class OncePerLanguage:
    """A message to many people, worded once per language rather than once per person."""

    def __init__(self, text: Words):
        self.text = text
        self.done: dict[str, str] = {}

    def __call__(self) -> str:  # as any Words: in the current language
        return self.text() if callable(self.text) else str(self.text)

    def worded(self, locale: str) -> str:
        if locale not in self.done:
            with force_locale(locale):
                self.done[locale] = self()
        return self.done[locale]


def worded(text, locale: str) -> str:
    """``text`` (see ``Words``) in ``locale``."""
    if isinstance(text, str):
        return text
    if isinstance(text, OncePerLanguage):
        return text.worded(locale)
    with force_locale(locale):
        return text() if callable(text) else str(text)


def _fit(text: str, limit: int) -> str:
    """Shorten a subject to its column, so a long idea title never fails the whole change."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _email_state_for(user: User | None) -> str:
    if user is None:
        return "pending"
    if user.deleted_at is not None or user.notify_pref == "off":
        return "skipped"
    if user.notify_pref == "daily":
        return "digest"
    return "pending"


def notify_user(user: User, kind: str, subject: Words, body: Words, link: str | None = None,
                idea: Idea | None = None, reply_to: str | None = None,
                email_always: bool = False) -> Notification:
    """Tell one user something, in-app and by email per their preference, in their language
    (``User.locale``; recorded on the notification).

    ``email_always`` is for account mail (verification, password reset) that must be sent
    whatever the preference, and is not listed in the in-app inbox.
    """
    locale = recipient_locale(user)
    note = Notification(
        user_id=user.id, kind=kind, subject=_fit(worded(subject, locale), 200),
        body=worded(body, locale), link=link, locale=locale,
        idea_id=idea.id if idea is not None else None, reply_to=reply_to,
        in_app=not email_always,
        email_state="pending" if email_always else _email_state_for(user),
        created_at=utcnow(),
    )
    db.session.add(note)
    return note


def email_address(to_email: str, kind: str, subject: Words, body: Words,
                  link: str | None = None) -> Notification:
    """An email to an address with no account (an invitation), in the default language.
    Outbox only."""
    locale = default_locale()
    note = Notification(user_id=None, to_email=to_email, kind=kind,
                        subject=_fit(worded(subject, locale), 200), body=worded(body, locale),
                        link=link, in_app=False, email_state="pending", locale=locale,
                        created_at=utcnow())
    db.session.add(note)
    return note


def idea_audience(idea: Idea) -> list[User]:
    """Everyone who should hear about an idea: author, supporters, commenters, pledgers,
    followers. One query; each person once."""
    ids = union(
        # An idea recorded for a resident: its author only stood in for them (the resident
        # is told by email, or by phone or post: services/assisted.py).
        select(Idea.author_id).where(Idea.id == idea.id, Idea.on_behalf.is_(False)),
        select(Support.user_id).where(Support.idea_id == idea.id),
        select(Comment.author_id).where(Comment.idea_id == idea.id),
        select(Pledge.user_id).where(Pledge.idea_id == idea.id),
        select(Follow.user_id).where(Follow.idea_id == idea.id),
    ).subquery()
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(ids.c[0])), User.deleted_at.is_(None))
    ))


def notify_moderators(kind: str, subject: Words, body: Words, link: str | None = None,
                      idea: Idea | None = None, actor: User | None = None) -> list[Notification]:
    """Tell every active moderator and admin (except ``actor``) about something waiting for
    the council's review. Each is emailed by their own preference (``notify_user``): at once,
    in their daily digest, or not at all (the in-app list only)."""
    staff = db.session.scalars(
        select(User).where(User.role.in_(("moderator", "admin")), User.deleted_at.is_(None),
                           User.deactivated_at.is_(None)).order_by(User.id))
    subject, body = OncePerLanguage(subject), OncePerLanguage(body)
    return [notify_user(user, kind, subject, body, link=link, idea=idea)
            for user in staff if actor is None or user.id != actor.id]


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link on SITE_URL, for emails. Works in a request, a command or a worker
    alike, and never trusts the request's Host header."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path.rstrip("/") or "/",
                                       url_scheme=site.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def idea_link(idea: Idea) -> str:
    """Absolute link to an idea's page, for emails."""
    try:
        return absolute_url("ideas.show", idea_id=idea.id)
    except BuildError:  # before the ideas blueprint has that page
        return current_app.config["SITE_URL"].rstrip("/") + f"/ideas/{idea.id}"


def notify_idea_audience(idea: Idea, kind: str, subject: Words, body: Words,
                         actor: User | None = None) -> list[Notification]:
    """Notify the idea's whole audience, except the person who made the change, and the
    resident an idea was recorded for, at their email address if they gave one."""
    from .assisted import contact_emails

    link = idea_link(idea)
    subject, body = OncePerLanguage(subject), OncePerLanguage(body)
    sent = [
        notify_user(user, kind, subject, body, link=link, idea=idea)
        for user in idea_audience(idea)
        if actor is None or user.id != actor.id
    ]
    # A resident the council recorded the idea for hears what an account holder would.
    return sent + [email_address(address, kind, subject, body, link=link)
                   for address in contact_emails(idea)]
