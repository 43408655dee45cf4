"""``flask notify-worker``: deliver the outbox in a loop, as an alternative to cron.

SIGTERM (systemd, docker stop) or SIGINT (Ctrl-C) stops it gracefully: the email being sent
is finished and recorded, the rest of the batch goes back to the queue, and the process
exits 0. Several workers may run at once, on one host or several: rows are claimed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from flask import current_app

from ..extensions import db
from .outbox import send_pending


def run_worker(interval: float, limit: int = 500, rounds: int | None = None,
               echo: Callable[[str], object] = print) -> None:
    """Run :func:`send_pending` until stopped, or for ``rounds`` rounds (tests).

    A full batch is followed at once by the next; otherwise the worker waits ``interval``
    seconds, and a stop signal ends the wait at once.
    """
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals only reach it there
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda _signum, _frame: stop.set())
    echo(f"notify-worker: delivering every {interval:g}s, {limit} at a time; "
         "stop with SIGTERM or Ctrl-C")
    try:
        done = 0
        while not stop.is_set():
            busy = False
            try:
                result = send_pending(limit=limit, stop=stop.is_set)
            except Exception:  # noqa: BLE001 - a database or mail hiccup must not end the loop
                db.session.rollback()
                current_app.logger.exception("notify-worker: delivery round failed")
            else:
                if any(result):
                    echo(f"sent {result.sent}, failed {result.failed}, "
                         f"to retry later {result.retrying}")
                busy = sum(result) >= limit
            finally:
                db.session.remove()  # give the connection back while waiting
            done += 1
            if rounds is not None and done >= rounds:
                break
            if not busy:
                stop.wait(interval)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    echo("notify-worker stopped")
