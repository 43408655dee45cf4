"""Flask commands: ``flask create-admin``, ``flask seed-demo``, ``flask notify-send`` ..."""

from __future__ import annotations

import getpass

import click
from flask import Flask

from .extensions import db


def register_cli(app: Flask) -> None:
    """Attach every command to the app."""

    @app.cli.command("search-reindex")
    def search_reindex() -> None:
        """Create (if missing) and rebuild the full-text index of ideas."""
        from sqlalchemy import func, select

        from .models import Idea
        from .models.search import rebuild_search_index

        with db.engine.begin() as connection:
            rebuild_search_index(connection)
        count = db.session.scalar(select(func.count(Idea.id)))
        click.echo(f"Rebuilt the search index of {count} ideas.")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administrator", help="Display name.")
    @click.option("--password", envvar="ADMIN_PASSWORD", default=None,
                  help="Password (or ADMIN_PASSWORD); asked for when not given.")
    def create_admin(email: str, name: str, password: str | None) -> None:
        """Make EMAIL an admin, creating the account if needed."""
        from email_validator import EmailNotValidError, validate_email

        from .models import User, utcnow
        from .services.accounts import (
            find_user_by_email,
            hash_password,
            normalise_email,
            password_problems,
        )

        user = find_user_by_email(email)
        if user is None:
            try:
                email = validate_email(normalise_email(email),
                                       check_deliverability=False).normalized.lower()
            except EmailNotValidError as exc:
                raise click.ClickException(f"That is not a valid email address: {exc}") from None
            name = (name or "").strip()
            if not name or len(name) > 80:
                raise click.ClickException("--name must be 1 to 80 characters.")
            if password is None:
                password = getpass.getpass("Password for the new admin: ")
            problems = password_problems(password, email)
            if problems:
                raise click.ClickException(problems[0])
            user = User(email=email, display_name=name,
                        password_hash=hash_password(password), role="admin",
                        email_verified_at=utcnow(), notify_pref="immediate",
                        created_at=utcnow())
            db.session.add(user)
            click.echo(f"Created admin {user.email}.")
        else:
            if user.deleted_at is not None:
                raise click.ClickException(f"{user.email} belongs to an erased account.")
            user.role = "admin"
            if user.email_verified_at is None:
                user.email_verified_at = utcnow()
            click.echo(f"{user.email} is now an admin.")
        db.session.commit()

    @app.cli.command("second-factor-reset")
    @click.argument("email")
    def second_factor_reset(email: str) -> None:
        """Remove EMAIL's second factor (lost phone and recovery codes, and no other admin to
        do it from /admin): their sessions end, they are emailed, and it is audited."""
        from .database import run_with_retry
        from .errors import Conflict
        from .services.accounts import find_user_by_email
        from .services.second_factor import reset_second_factor_from_console

        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException("There is no account with that email address.")
        try:
            run_with_retry(lambda: reset_second_factor_from_console(user))
        except Conflict as exc:
            raise click.ClickException(exc.detail) from None
        click.echo(f"The second factor of {user.email} is reset: they set up a new one when "
                   "they next sign in.")

    @app.cli.command("sso-untie")
    @click.argument("email")
    def sso_untie(email: str) -> None:
        """Let EMAIL's staff account be opened by a different person at the council's
        identity provider (their subject there changed). Audited."""
        from .database import run_with_retry
        from .services.accounts import find_user_by_email
        from .services.sso import untie_account

        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException("There is no account with that email address.")
        run_with_retry(lambda: untie_account(user))
        click.echo(f"{user.email} is untied: the next council sign-in with it ties it again.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when there are no users yet.")
    def seed_demo(if_empty: bool) -> None:
        """Load the Demo Borough council: wards, assets, partners, 60 ideas. Safe to rerun."""
        from .demo import seed

        created = seed(only_if_empty=if_empty)
        db.session.commit()
        click.echo("Demo data loaded." if created else "Demo data already present: nothing added.")

    @app.cli.command("seed-load")
    @click.option("--ideas", type=click.IntRange(min=1), required=True,
                  help="How many ideas to add.")
    @click.option("--residents", type=click.IntRange(min=2), default=None,
                  help="Load-test residents to have (default: a fifth of the ideas, "
                       "500 to 20,000).")
    @click.option("--big-comments", type=click.IntRange(min=0), default=None,
                  help="Comments on the one very long idea (default 10,000 when adding at "
                       "least 10,000 ideas, otherwise none).")
    @click.option("--seed", "random_seed", type=int, default=None,
                  help="Random seed (default: fixed, so a load is repeatable).")
    def seed_load_command(ideas: int, residents: int | None, big_comments: int | None,
                          random_seed: int | None) -> None:
        """Add many believable ideas on top of the demo council, for benchmarks."""
        from .seed_load import RANDOM_SEED, seed_load

        report = seed_load(ideas, residents=residents, big_comments=big_comments,
                           random_seed=RANDOM_SEED if random_seed is None else random_seed,
                           echo=click.echo)
        db.session.commit()
        made = ", ".join(f"{n} {table}" for table, n in report.rows.items())
        click.echo(f"Added {made} in {report.seconds:.1f} s "
                   f"({report.cpu_seconds:.1f} s of CPU in this process).")
        if report.big_idea_id:
            click.echo(f"The idea with the most comments: /ideas/{report.big_idea_id}")

    @app.cli.command("import-assets")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--valid-only", is_flag=True,
                  help="Import the valid rows even if some rows have problems.")
    @click.option("--as", "actor_email", default=None,
                  help="Staff account to record in the audit log (default: the first admin).")
    def import_assets(file: str, valid_only: bool, actor_email: str | None) -> None:
        """Import a land-and-buildings register CSV into the community asset register."""
        code = import_assets_file(file, valid_only=valid_only, actor_email=actor_email,
                                  echo=click.echo)
        if code:
            raise SystemExit(code)

    @app.cli.command("notify-send")
    @click.option("--limit", default=500, show_default=True)
    def notify_send(limit: int) -> None:
        """Deliver due emails from the outbox once (run from cron, e.g. every minute)."""
        from .notify.outbox import send_pending

        result = send_pending(limit=limit)
        click.echo(f"sent {result.sent}, failed {result.failed}, "
                   f"to retry later {result.retrying}")

    @app.cli.command("notify-worker")
    @click.option("--interval", type=click.FloatRange(min=0), default=30.0, show_default=True,
                  help="Seconds to wait between rounds when the outbox is empty.")
    @click.option("--limit", default=500, show_default=True, help="Emails per round.")
    @click.option("--rounds", type=click.IntRange(min=1), default=None,
                  help="Stop after this many rounds (default: run until stopped).")
    def notify_worker(interval: float, limit: int, rounds: int | None) -> None:
        """Deliver the outbox in a loop until SIGTERM or Ctrl-C (instead of cron)."""
        from .notify.worker import run_worker

        run_worker(interval=interval, limit=limit, rounds=rounds, echo=click.echo)

    @app.cli.command("notify-requeue")
    @click.option("--since", type=click.DateTime(), default=None,
                  help="Only emails whose last attempt was at or after this time (UTC).")
    def notify_requeue(since) -> None:
        """Put emails marked failed back in the queue, e.g. after a mailbox was fixed."""
        from datetime import UTC

        from .notify.outbox import requeue_failed

        count = requeue_failed(since=since.replace(tzinfo=UTC) if since else None)
        db.session.commit()
        click.echo(f"{count} failed email{'' if count == 1 else 's'} put back in the queue")

    @app.cli.command("acv-expire")
    def acv_expire() -> None:
        """End listings of assets of community value whose five years are over (run daily;
        running it again changes nothing)."""
        from .services.community_value import end_expired_listings

        ended = end_expired_listings()
        db.session.commit()
        click.echo(f"{ended} listing{'' if ended == 1 else 's'} of assets of community value "
                   "ended")
    @app.cli.command("asset-reports-remind")
    def asset_reports_remind() -> None:
        """Remind transferred places' operators of yearly reports due within 30 days or
        overdue, once per report year (run from cron daily; the outbox sends the emails)."""
        from .database import run_with_retry
        from .services.asset_reports import send_report_reminders

        # Committed once, retried if SQLite is busy (another run, or the web app, writing).
        count = run_with_retry(send_report_reminders)
        click.echo(f"reminded {count} operating organisation{'' if count == 1 else 's'}")

    @app.cli.command("figures-refresh")
    @click.option("--passes", default=None, type=click.IntRange(min=1),
                  help="Passes to make (default 3: one every 20 seconds, for cron every minute).")
    def figures_refresh(passes: int | None) -> None:
        """Compute the standard public figures before they age, so that no request has to
        (run from cron every minute, on one host or several)."""
        import time

        from flask import current_app

        from .services.figures_refresh import PASS_SECONDS, PASSES, refresh_standard_figures

        for number in range(PASSES if passes is None else passes):
            if number:
                time.sleep(PASS_SECONDS)
            with current_app.app_context():  # settings and language read afresh each pass
                report = refresh_standard_figures()
            click.echo(f"figures: computed {report.computed} of {report.figures}")

    @app.cli.command("notify-digest")
    def notify_digest() -> None:
        """Send the daily digest to everyone who chose one (run once a day)."""
        from .notify.outbox import send_digests

        click.echo(f"digests sent: {send_digests()}")


def import_assets_file(path: str, *, valid_only: bool = False, actor_email: str | None = None,
                       echo=print) -> int:
    """``flask import-assets FILE``: import, commit, print a report; returns the exit code.

    The service (services.asset_import) checks and writes the rows and never commits; reading
    the file, printing, the one commit and the exit code belong to the command.
    """
    from sqlalchemy import func, select

    from .models import User
    from .services.asset_import import import_assets_csv

    query = select(User).where(User.deactivated_at.is_(None), User.deleted_at.is_(None))
    if actor_email:
        query = query.where(func.lower(User.email) == actor_email.strip().lower())
    else:
        query = query.where(User.role == "admin").order_by(User.id)
    actor = db.session.scalars(query.limit(1)).first()
    if actor is None or not actor.is_staff:
        echo("No staff account to import as: create an admin first (flask create-admin), "
             "or pass --as with a moderator's email.")
        return 2
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()

    def progress(done: int, total: int) -> None:
        echo(f"  {done} of {total} rows processed")

    report = import_assets_csv(actor, text, import_valid_only=valid_only, progress=progress)
    if report.problem:
        echo(report.problem)
        return 1
    for row, reasons in report.errors:
        echo(f"Row {row}: {'; '.join(reasons)}")
    if not report.imported:
        db.session.rollback()
        echo(f"{len(report.errors)} of {report.rows} rows have problems: nothing imported. "
             "Correct the file, or run again with --valid-only to import the valid rows.")
        return 1
    db.session.commit()
    echo(f"{report.rows} rows: {report.created} created, {report.updated} updated, "
         f"{report.unchanged} unchanged, {len(report.errors)} rejected.")
    return 0
