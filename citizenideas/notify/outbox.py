"""Delivers the email outbox (Notification rows) over SMTP.

``flask notify-send`` (cron) or ``flask notify-worker`` (a loop) runs :func:`send_pending`; in
development it also runs after each request. Without SMTP_HOST the message and its link are
printed to the console instead, so a developer can follow verification links.

Each run first *claims* the rows it will send: one conditional UPDATE moves them from
``pending`` to ``sending`` with the run's claim token and a lease, so overlapping runs (on one
host or several, on SQLite or PostgreSQL) never send the same row. A run that dies leaves its
rows ``sending``; once the lease has run out another run claims them again. A transient
failure (no connection, SMTP 4xx) keeps the email pending and backs off exponentially up to a
cap; it is never given up. Only a permanent refusal (SMTP 5xx for that recipient) marks it
``failed``, and ``flask notify-requeue`` puts failed emails back. A row is never deleted.
"""

from __future__ import annotations

import smtplib
import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import NamedTuple

from flask import Flask, current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload

from ..bilingual import site_text_plain
from ..extensions import db
from ..locale import recipient_locale
from ..models import Notification, User, utcnow


def _recipient(note: Notification) -> str | None:
    if note.to_email:
        return note.to_email
    if note.user is not None and note.user.deleted_at is None:
        return note.user.email
    return None


def _one_line(text: str) -> str:
    """Header-safe text: line breaks (which could inject headers) become spaces."""
    return " ".join((text or "").split())


def _locale_of(note: Notification) -> str:
    """The language the notification was written in (recorded since Welsh came), else the
    recipient's."""
    return note.locale or recipient_locale(note.user)


def _footer(cfg) -> str:
    """The sign-off of every email, in the current (forced) language."""
    return "--\n{}\n{}".format(
        site_text_plain(cfg, "COUNCIL_NAME"),
        _("Change how often we email you: %(url)s", url=cfg["SITE_URL"].rstrip("/") + "/me"))


def build_message(note: Notification, to: str) -> EmailMessage:
    """The email for one notification, signed off in the language it was written in."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = _one_line(note.subject)
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain="citizenideas.local")
    if note.reply_to:
        msg["Reply-To"] = _one_line(note.reply_to)
    body = note.body
    if note.link:
        body += f"\n\n{note.link}"
    with force_locale(_locale_of(note)):
        body += "\n\n" + _footer(cfg)
    msg.set_content(body)
    msg["Content-Language"] = _locale_of(note)  # after set_content, which clears Content-*
    return msg


def _smtp_connection():
    cfg = current_app.config
    if cfg["SMTP_SSL"]:
        smtp = smtplib.SMTP_SSL(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                                timeout=cfg["SMTP_TIMEOUT"])
    else:
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg["SMTP_TIMEOUT"])
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
    if cfg["SMTP_USERNAME"]:
        smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
    return smtp


def _print_to_console(msg: EmailMessage) -> None:
    print("\n----- email (no SMTP_HOST set: printed instead of sent) -----", file=sys.stderr)
    print(f"To: {msg['To']}\nSubject: {msg['Subject']}\n", file=sys.stderr)
    print(msg.get_content(), file=sys.stderr)
    print("----- end of email -----\n", file=sys.stderr)


class Attempt(NamedTuple):
    """How one delivery attempt went: no error, a transient error, or a permanent refusal."""

    error: str | None = None
    permanent: bool = False


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


class _Mailer:
    """One SMTP connection for a batch: opened on first use, reopened after a disconnect.

    Once the server cannot be reached, every further message of the batch gets the same
    transient error at once instead of waiting for another connection timeout each.
    """

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.down: str | None = None

    def send(self, msg: EmailMessage) -> Attempt:
        """Try to hand one message to the mail server."""
        cfg = current_app.config
        if self.down:
            return Attempt(self.down)
        if not cfg["SMTP_HOST"]:
            if cfg.get("APP_ENV") == "production":
                # Never print emails in production: they carry sign-in and reset links, and
                # stderr ends up in logs. They stay pending and are retried instead.
                current_app.logger.error("notify: SMTP_HOST is not set; email is not sent")
                self.down = "SMTP_HOST is not set"
                return Attempt(self.down)
            _print_to_console(msg)
            return Attempt()
        if self.smtp is None:
            try:
                self.smtp = _smtp_connection()
            except (OSError, smtplib.SMTPException) as exc:
                self.down = f"connect: {_describe(exc)}"[:500]
                return Attempt(self.down)
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message: 5xx means this mailbox refuses it for good.
            codes = [code for code, _answer in exc.recipients.values()]
            said = "recipient refused: " + "; ".join(
                f"{code} {_text(answer)}" for code, answer in exc.recipients.values())
            if 421 in codes:
                self.down = said[:500]  # smtplib has closed the connection
            return Attempt(said[:500], permanent=bool(codes) and all(c >= 500 for c in codes))
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                return Attempt(_describe(exc), permanent=True)
            return self._server_trouble(exc)
        except smtplib.SMTPResponseException as exc:
            # Sender refused and the like: about the server or our settings, not this
            # recipient, so it is worth trying again later.
            return self._server_trouble(exc)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # the connection is unusable; the next message reconnects
            return Attempt(_describe(exc))
        return Attempt()

    def _server_trouble(self, exc: smtplib.SMTPResponseException) -> Attempt:
        if exc.smtp_code == 421:  # "service not available, closing channel": wait, not hammer
            self.down = _describe(exc)
        return Attempt(_describe(exc))

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


def send_messages(messages: list[tuple[object, EmailMessage]]) -> dict[object, str | None]:
    """Send each message; returns {key: error or None}. One SMTP connection for the batch."""
    mailer = _Mailer()
    try:
        return {key: mailer.send(msg).error for key, msg in messages}
    finally:
        mailer.close()


class OutboxRound(NamedTuple):
    """What one run of the sender did."""

    sent: int
    retrying: int  # transient failure: still pending, tried again after a wait
    failed: int  # refused for good: marked failed


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling from a base, capped."""
    cfg = current_app.config
    base, cap = int(cfg["NOTIFY_RETRY_BASE_SECONDS"]), int(cfg["NOTIFY_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 30), cap))


def _lease() -> timedelta:
    return timedelta(seconds=int(current_app.config["NOTIFY_LEASE_SECONDS"]))


def _due(now: datetime):
    """Rows a sender may take: pending and due, or held by a sender whose lease ran out."""
    return or_(
        and_(Notification.email_state == "pending",
             or_(Notification.email_next_attempt_at.is_(None),
                 Notification.email_next_attempt_at <= now)),
        and_(Notification.email_state == "sending", Notification.email_lease_until < now))


def _claim(token: str, limit: int, now: datetime) -> int:
    """Take up to ``limit`` due rows for this run in one conditional UPDATE, and commit.

    The condition is checked again as each row is written, so of two overlapping runs only
    one gets a row: on SQLite the UPDATE holds the write lock, on PostgreSQL the second
    waits for the row lock and then finds the row no longer due. SKIP LOCKED lets it pass
    over rows another run is claiming instead of waiting for them.
    """
    candidates = (select(Notification.id).where(_due(now))
                  .order_by(Notification.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    result = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(candidates.scalar_subquery()), _due(now))
        .values(email_state="sending", email_claim=token, email_lease_until=now + _lease())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def _held(note_id: int, token: str):
    return and_(Notification.id == note_id, Notification.email_claim == token,
                Notification.email_state == "sending")


def _start_attempt(note_id: int, token: str, now: datetime) -> bool:
    """Count an attempt and renew the lease, if this run still holds the row; commits.

    False when the lease ran out and another run took the row over: it is theirs to send.
    """
    result = db.session.execute(
        update(Notification).where(_held(note_id, token))
        .values(email_attempts=Notification.email_attempts + 1, email_last_attempt_at=now,
                email_lease_until=now + _lease())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _finish(note_id: int, token: str, **values) -> None:
    """Record how the row ended and let go of it; commits."""
    db.session.execute(
        update(Notification).where(_held(note_id, token))
        .values(email_claim=None, email_lease_until=None, **values)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _release(token: str) -> None:
    """Give back rows this run claimed but did not reach (asked to stop); commits."""
    db.session.execute(
        update(Notification)
        .where(Notification.email_claim == token, Notification.email_state == "sending")
        .values(email_state="pending", email_claim=None, email_lease_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def send_pending(limit: int = 200, now: datetime | None = None,
                 stop: Callable[[], bool] | None = None) -> OutboxRound:
    """Claim up to ``limit`` due emails, send them, and record each outcome. Commits.

    Each outcome is committed as soon as it is known, so a run killed mid-batch re-sends at
    most the one email it had in hand. ``now`` fixes the clock (tests); ``stop`` is asked
    before each email, and a run told to stop gives its remaining rows back untouched.
    """
    def clock() -> datetime:
        return now or utcnow()

    # Look before taking the write lock: most runs find nothing due, and on SQLite an UPDATE,
    # even of no rows, would briefly hold up every request that writes.
    if db.session.scalar(select(Notification.id).where(_due(clock())).limit(1)) is None:
        return OutboxRound(0, 0, 0)
    token = uuid.uuid4().hex
    if not _claim(token, limit, clock()):
        return OutboxRound(0, 0, 0)
    rows = [(note.id, note.email_attempts, _recipient(note), note) for note in db.session.scalars(
        select(Notification).where(Notification.email_claim == token)
        .options(selectinload(Notification.user)).order_by(Notification.id))]
    sent = retrying = failed = 0
    mailer = _Mailer()
    try:
        for note_id, attempts, to, note in rows:
            if stop is not None and stop():
                break
            if to is None:  # the account was erased since: nobody to write to
                _finish(note_id, token, email_state="skipped")
                continue
            try:
                msg, outcome = build_message(note, to), None
            except (ValueError, TypeError) as exc:  # an unbuildable message never blocks the rest
                msg, outcome = None, Attempt(f"build: {_describe(exc)}"[:500], permanent=True)
            if not _start_attempt(note_id, token, clock()):
                continue  # the lease ran out and another run took it over
            if outcome is None:
                outcome = mailer.send(msg)
            attempts += 1
            if outcome.error is None:
                _finish(note_id, token, email_state="sent", email_sent_at=clock(),
                        email_last_error=None, email_next_attempt_at=None)
                sent += 1
            elif outcome.permanent:
                _finish(note_id, token, email_state="failed",
                        email_last_error=outcome.error, email_next_attempt_at=None)
                failed += 1
            else:
                _finish(note_id, token, email_state="pending",
                        email_last_error=outcome.error,
                        email_next_attempt_at=clock() + retry_delay(attempts))
                retrying += 1
    finally:
        mailer.close()
    _release(token)
    return OutboxRound(sent, retrying, failed)


def requeue_failed(since: datetime | None = None) -> int:
    """Put emails marked failed back in the queue (all, or those whose last attempt was at or
    after ``since``), to be sent on the next run. Returns how many. Flushes; the caller
    commits."""
    statement = update(Notification).where(Notification.email_state == "failed")
    if since is not None:
        statement = statement.where(Notification.email_last_attempt_at >= since)
    result = db.session.execute(
        statement.values(email_state="pending", email_next_attempt_at=None)
        .execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount


def _digest_message(user: User, notes: list[Notification]) -> EmailMessage:
    """One person's daily digest, in their language (``User.locale``)."""
    msg = EmailMessage()
    cfg = current_app.config
    locale = recipient_locale(user)
    with force_locale(locale):
        msg["Subject"] = ngettext(
            "Your daily update from %(council)s: %(num)s change",
            "Your daily update from %(council)s: %(num)s changes", len(notes),
            council=site_text_plain(cfg, "COUNCIL_SHORT_NAME"))
        parts = [_("Hello %(name)s,", name=user.display_name),
                 _("Here is what happened since your last update:")]
        for n in notes:
            parts.append(f"* {_one_line(n.subject)}\n  {n.link or ''}".rstrip())
        parts.append(_footer(cfg))
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = user.email
    msg.set_content("\n\n".join(parts))
    msg["Content-Language"] = locale
    return msg


def _take_digest_turn(user_id: int, due_before: datetime, now: datetime) -> bool:
    """Mark this person's digest as sent today, if no other run has; commits.

    The condition is checked again as the row is written, so of two overlapping runs (an
    overlapping cron, two hosts) only one sends each person's digest.
    """
    result = db.session.execute(
        update(User).where(User.id == user_id,
                           or_(User.last_digest_at.is_(None), User.last_digest_at <= due_before))
        .values(last_digest_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def send_digests(now=None) -> int:
    """Send one email per daily-digest user with everything waiting since their last digest.

    Each person's turn is taken (and committed) before their email is sent, so overlapping
    runs never send one person two digests; if the email fails, the turn is given back and
    the next run tries again.
    """
    now = now or utcnow()
    due_before = now - timedelta(hours=23)
    due = list(db.session.execute(
        select(User.id, User.last_digest_at).join(Notification, Notification.user_id == User.id)
        .where(Notification.email_state == "digest", User.deleted_at.is_(None),
               (User.last_digest_at.is_(None)) | (User.last_digest_at <= due_before))
        .distinct()))
    db.session.commit()  # end the read before writing: SQLite cannot upgrade an old snapshot
    sent = 0
    for user_id, previous in due:
        if not _take_digest_turn(user_id, due_before, now):
            continue  # another run has it
        user = db.session.get(User, user_id)
        notes = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id,
                                       Notification.email_state == "digest")
            .order_by(Notification.created_at)))
        if user.notify_pref == "off" or not notes:  # changed their mind since
            for n in notes:
                n.email_state = "skipped"
            user.last_digest_at = previous
            db.session.commit()
            continue
        ids = [n.id for n in notes]
        results = send_messages([(user_id, _digest_message(user, notes))])
        if results.get(user_id) is None:
            db.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.email_state == "digest")
                .values(email_state="sent", email_sent_at=now,
                        email_attempts=Notification.email_attempts + 1)
                .execution_options(synchronize_session=False))
            sent += 1
        else:  # not sent: give the turn back for the next run
            db.session.execute(
                update(User).where(User.id == user_id, User.last_digest_at == now)
                .values(last_digest_at=previous).execution_options(synchronize_session=False))
        db.session.commit()
    return sent


def register_after_request_delivery(app: Flask) -> None:
    """In development, deliver the outbox straight after each request that wrote to it."""
    if not app.config.get("NOTIFY_SEND_AFTER_REQUEST"):
        return

    @app.teardown_request
    def _deliver(_exc):
        if _exc is not None:
            return
        try:
            send_pending(limit=50)
        except Exception:  # noqa: BLE001 - a mail problem never breaks the page in development
            db.session.rollback()
            app.logger.exception("notify: delivery after request failed")
