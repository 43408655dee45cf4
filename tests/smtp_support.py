"""A real SMTP server on loopback (aiosmtpd) whose answers a test controls: accept, refuse
for now (4xx), refuse one mailbox for good (5xx), answer slowly, or hold a message until the
test lets go. Used by the outbox tests."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port nothing listens on (until someone binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailroom:
    """The SMTP handler. Every accepted message is kept as (recipient, subject)."""

    def __init__(self):
        self.delivered: list[tuple[str, str]] = []
        self.refuse_now: str | None = None  # e.g. "451 4.3.0 Try again later" for every RCPT
        self.refuse_for_good: set[str] = set()  # these mailboxes get 550
        self.delay = 0.0  # seconds to think before accepting a message
        self.hold = False  # keep each message waiting in DATA until released
        self.answer_after_hold = "250 OK"
        self.held = threading.Event()  # set when a message is being held
        self.release = threading.Event()
        self.connections = 0
        self._lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_for_good:
            return "550 5.1.1 No such mailbox here"
        if self.refuse_now:
            return self.refuse_now
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            if not self.answer_after_hold.startswith("250"):
                return self.answer_after_hold  # the held message was never delivered
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.delivered.append((rcpt, str(msg["Subject"])))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        """Subjects of every delivered message, in arrival order."""
        with self._lock:
            return [subject for _to, subject in self.delivered]


def serve_mailroom(app) -> Iterator[Mailroom]:
    """Run a controllable SMTP server on a free loopback port and point the app at it.

    Use it as a fixture body: ``yield from serve_mailroom(app)``.
    """
    room = Mailroom()
    controller = Controller(room, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TIMEOUT=10)
    yield room
    room.release.set()
    controller.stop()


def flask_command(app, *args: str, **env: str) -> subprocess.Popen:
    """Start ``flask <args>`` in a separate process against the test's database and SMTP."""
    environ = {**os.environ, "APP_ENV": "test", "PYTHONPATH": str(ROOT),
               "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
               "SMTP_HOST": str(app.config["SMTP_HOST"]), "SMTP_PORT": str(app.config["SMTP_PORT"]),
               "SMTP_TIMEOUT": str(app.config["SMTP_TIMEOUT"]), "NOTIFY_SEND_AFTER_REQUEST": "no",
               **env}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi:app", *args],
                            cwd=ROOT, env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
