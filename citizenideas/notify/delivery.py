"""Delivers the email outbox (Notification rows) over SMTP.

``flask notify-send`` runs :func:`send_pending`; in development it also runs after each
request. Without SMTP_HOST the message and its link are printed to the console instead, so a
developer can follow verification links. A failed send is retried on the next run, up to
NOTIFY_MAX_ATTEMPTS; a row is never deleted.
"""

from __future__ import annotations

import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
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


def build_message(note: Notification, to: str) -> EmailMessage:
    """The email for one notification."""
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
    body += (f"\n\n--\n{cfg['COUNCIL_NAME']}\nChange how often we email you: "
             f"{cfg['SITE_URL'].rstrip('/')}/me")
    msg.set_content(body)
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


def send_messages(messages: list[tuple[object, EmailMessage]]) -> dict[object, str | None]:
    """Send each message; returns {key: error or None}. One SMTP connection for the batch."""
    results: dict[object, str | None] = {}
    if not messages:
        return results
    if not current_app.config["SMTP_HOST"]:
        if current_app.config.get("APP_ENV") == "production":
            # Never print emails in production: they carry sign-in and reset links, and
            # stderr ends up in logs. They stay pending and fail visibly instead.
            current_app.logger.error("notify: SMTP_HOST is not set; %d email(s) not sent",
                                     len(messages))
            return {key: "SMTP_HOST is not set" for key, _msg in messages}
        for key, msg in messages:
            _print_to_console(msg)
            results[key] = None
        return results
    try:
        smtp = _smtp_connection()
    except (OSError, smtplib.SMTPException) as exc:
        return {key: f"connect: {type(exc).__name__}: {exc}"[:500] for key, _ in messages}
    try:
        for key, msg in messages:
            try:
                smtp.send_message(msg)
                results[key] = None
            except (OSError, smtplib.SMTPException) as exc:
                results[key] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return results


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send up to ``limit`` pending emails. Returns (sent, failed). Commits."""
    max_attempts = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    query = (select(Notification)
             .where(Notification.email_state == "pending",
                    Notification.email_attempts < max_attempts)
             .options(selectinload(Notification.user))
             .order_by(Notification.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        # Several workers may run at once: each takes rows nobody else holds.
        query = query.with_for_update(skip_locked=True)
    notes = list(db.session.scalars(query))
    batch = []
    for note in notes:
        to = _recipient(note)
        if to is None:
            note.email_state = "skipped"
            continue
        try:
            batch.append((note.id, build_message(note, to)))
        except (ValueError, TypeError) as exc:  # an unbuildable message never blocks the rest
            note.email_attempts += 1
            note.email_last_error = f"build: {type(exc).__name__}: {exc}"[:500]
            note.email_state = "failed"
    results = send_messages(batch)
    sent = failed = 0
    by_id = {n.id: n for n in notes}
    for note_id, error in results.items():
        note = by_id[note_id]
        note.email_attempts += 1
        if error is None:
            note.email_state = "sent"
            note.email_sent_at = utcnow()
            note.email_last_error = None
            sent += 1
        else:
            note.email_last_error = error
            failed += 1
            if note.email_attempts >= max_attempts:
                note.email_state = "failed"
    db.session.commit()
    return sent, failed


def send_digests(now=None) -> int:
    """Send one email per daily-digest user with everything waiting since their last digest."""
    now = now or utcnow()
    due_before = now - timedelta(hours=23)
    users = list(db.session.scalars(
        select(User).join(Notification, Notification.user_id == User.id)
        .where(Notification.email_state == "digest", User.deleted_at.is_(None),
               (User.last_digest_at.is_(None)) | (User.last_digest_at <= due_before))
        .distinct()))
    batch = []
    notes_by_user: dict[int, list[Notification]] = {}
    for user in list(users):
        notes = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user.id,
                                       Notification.email_state == "digest")
            .order_by(Notification.created_at)))
        notes_by_user[user.id] = notes
        if user.notify_pref == "off":  # changed their mind since: nothing by email
            for n in notes:
                n.email_state = "skipped"
            users.remove(user)
            continue
        msg = EmailMessage()
        cfg = current_app.config
        msg["Subject"] = f"Your daily update from {cfg['COUNCIL_SHORT_NAME']}: {len(notes)} " \
                         f"{'change' if len(notes) == 1 else 'changes'}"
        msg["From"] = cfg["MAIL_FROM"]
        msg["To"] = user.email
        parts = [f"Hello {user.display_name},", "Here is what happened to ideas you follow:"]
        for n in notes:
            parts.append(f"* {_one_line(n.subject)}\n  {n.link or ''}".rstrip())
        parts.append(f"--\n{cfg['COUNCIL_NAME']}\nChange how often we email you: "
                     f"{cfg['SITE_URL'].rstrip('/')}/me")
        msg.set_content("\n\n".join(parts))
        batch.append((user.id, msg))
    results = send_messages(batch)
    sent = 0
    for user in users:
        if results.get(user.id) is None:
            for n in notes_by_user[user.id]:
                n.email_state = "sent"
                n.email_sent_at = now
                n.email_attempts += 1
            user.last_digest_at = now
            sent += 1
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
