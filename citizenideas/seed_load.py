"""``flask seed-load --ideas N``: many believable ideas on top of the demo council.

For benchmarks: the pages must be measured with the data a busy council would have after some
years, not with the demo's sixty ideas. Rows go in with bulk Core inserts (executemany in
chunks), so 100,000 ideas load in about a minute on SQLite; ids of users and ideas are chosen
here (and PostgreSQL's sequences moved past them) so that the children of a chunk can be
written without reading anything back.

What is made, in the proportions of the demo council's statuses:

- residents (20,000 for 100,000 ideas), all with the demo password (one hash, computed once);
- ideas from title templates naming the demo's wards, streets and community assets (linked);
- a public timeline per idea with the dates on the idea agreeing with it (first response,
  decision, delivery), some answered after the response target, a few reopened;
- supports with a long tail (about ten per idea on average, a few ideas with thousands),
  comments (some official, a few hidden), offers of help, the author following their idea;
- approved, pending and rejected claims, progress updates and outcome reports (published for
  every delivered and not-delivered idea; drafts and submitted ones for some in delivery);
- duplicates merged into earlier ideas, some hidden ideas with a "hidden" timeline entry;
- one idea with 10,000 comments (``big_comments``; by default only when loading 10,000 ideas
  or more, so small loads stay quick).

Counters on ideas (``support_count``, ``comment_count``) equal the rows. Not made: audit log
entries, notifications, flags and follows by supporters (none of the measured pages read them).
Deterministic for a given seed and database. The caller commits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import Date, Float, Numeric, func, insert, select, text

from . import demo_content as demo_words
from . import seed_load_content as words
from .demo import _demo_password_hash as demo_password_hash
from .demo import already_seeded, seed
from .extensions import db
from .models import (
    OPEN_FOR_SUPPORT,
    Category,
    Claim,
    Comment,
    CommunityAsset,
    Follow,
    Idea,
    Membership,
    Organisation,
    OutcomeReport,
    Pledge,
    ProgressUpdate,
    StatusChange,
    Support,
    User,
    Ward,
    idea_assets,
    utcnow,
)
from .models.base import UTCDateTime

RANDOM_SEED = 20261130
RESIDENT_EMAIL = "load.resident.{:05d}@example.org"
CHUNK = 2500            # ideas generated and written per batch
ROWS_PER_EXECUTE = 5000
BIG_COMMENTS = 10_000
# Demo council: 60 ideas by status (delivered 9, partly 1, ...); new ideas are mostly open.
STATUS_WEIGHTS = {"delivered": 9, "partly_delivered": 1, "submitted": 9, "in_delivery": 8,
                  "accepted": 8, "under_review": 7, "declined": 6, "not_delivered": 5,
                  "duplicate": 4, "withdrawn": 3}
YOUNG_STATUS_WEIGHTS = {"submitted": 6, "under_review": 3, "accepted": 1, "withdrawn": 0.3}
SUPPORT_SHARE = {"submitted": 0.6, "under_review": 0.9, "accepted": 1.0, "in_delivery": 1.1,
                 "delivered": 1.1, "partly_delivered": 1.0, "not_delivered": 0.8,
                 "declined": 0.5, "duplicate": 0.0, "withdrawn": 0.4}
HISTORY_DAYS = 1000
# The statuses an idea reaches when its outcome is published.
FINISHED = ("delivered", "partly_delivered", "not_delivered")
HIDDEN_SHARE = 0.01


@dataclass
class LoadReport:
    """What ``seed_load`` wrote, for the command to print and the benchmark to use."""

    rows: dict[str, int] = field(default_factory=dict)
    big_idea_id: int | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0   # this process's own time: the machine may be busy


@dataclass
class _Context:
    """The demo council's places, partners and staff that the new ideas refer to."""

    wards: list[tuple[int, str]]
    categories: list[tuple[int, str]]
    assets: dict[str, list[tuple[int, str, int | None, float | None, float | None]]]
    partners: list[tuple[int, str, int]]       # organisation id, name, manager's user id
    moderator_id: int
    resident_ids: list[int] = field(default_factory=list)


def seed_load(ideas: int, *, residents: int | None = None, big_comments: int | None = None,
              random_seed: int = RANDOM_SEED,
              echo: Callable[[str], None] | None = None) -> LoadReport:
    """Add ``ideas`` ideas and their history (loading the demo council first if needed).

    ``residents``: how many load-test residents there should be (default: a fifth of the
    ideas, from 500 to 20,000). ``big_comments``: the comments on the one very long idea
    (default 10,000 when loading at least 10,000 ideas, else none).
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    if not already_seeded():
        seed()
        db.session.flush()
    if residents is None:
        residents = min(20_000, max(500, ideas // 5))
    if big_comments is None:
        big_comments = BIG_COMMENTS if ideas >= 10_000 else 0
    loader = _Loader(random.Random(random_seed), echo or (lambda _m: None))
    report = loader.run(ideas, residents, big_comments)
    report.seconds = time.perf_counter() - started
    report.cpu_seconds = time.process_time() - cpu_started
    return report


class _Loader:
    """Generates rows chunk by chunk and writes them with executemany."""

    def __init__(self, rng: random.Random, echo: Callable[[str], None]):
        self.rng = rng
        self.echo = echo
        self.now = utcnow().replace(microsecond=0)
        self.conn = db.session.connection()
        self.rows: dict[str, int] = {}
        self.merge_targets: list[tuple[int, str, str]] = []   # id, reference, title
        self.prefix = current_app.config.get("IDEA_REFERENCE_PREFIX", "DB")

    # ------------------------------------------------------------------ writing
    def write(self, table, rows: list[dict]) -> None:
        """executemany straight on the driver: SQLAlchemy's per-value bind processing would
        take most of the time. Values are converted here as the column types would store
        them (UTC datetimes without a zone; on SQLite, text in SQLAlchemy's format)."""
        if rows:
            keys = list(rows[0])
            compiled = insert(table).compile(dialect=self.conn.dialect, column_keys=keys)
            positional = compiled.positiontup is not None
            order = list(compiled.positiontup) if positional else keys
            converters = [self.converter(table.c[key].type) for key in order]
            pairs = list(zip(order, converters, strict=True))
            # The compiled INSERT also names columns with a default in Python (a counter
            # added later, say) that the rows leave out: they get that default.
            defaults = {key: _scalar_default(table.c[key]) for key in order if key not in keys}
            for start in range(0, len(rows), ROWS_PER_EXECUTE):
                chunk = [{**defaults, **row} for row in rows[start:start + ROWS_PER_EXECUTE]]
                if positional:
                    params = [tuple(conv(row[key]) for key, conv in pairs) for row in chunk]
                else:
                    params = [{key: conv(row[key]) for key, conv in pairs} for row in chunk]
                self.conn.exec_driver_sql(compiled.string, params)
        self.rows[table.name] = self.rows.get(table.name, 0) + len(rows)

    def converter(self, column_type) -> Callable:
        sqlite = self.conn.dialect.name == "sqlite"
        if isinstance(column_type, UTCDateTime):
            if sqlite:
                return lambda v: None if v is None else v.astimezone(UTC).replace(
                    tzinfo=None).isoformat(" ", "microseconds")
            return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None)
        if sqlite and isinstance(column_type, Date):
            return lambda v: None if v is None else v.isoformat()
        if sqlite and isinstance(column_type, Numeric) and not isinstance(column_type, Float):
            return lambda v: None if v is None else float(v)
        return lambda v: v

    def next_id(self, model) -> int:
        return (db.session.scalar(select(func.max(model.id))) or 0) + 1

    def move_sequences_on(self) -> None:
        """PostgreSQL: ids were chosen here, so the sequences must start after them."""
        if self.conn.dialect.name != "postgresql":
            return
        for table in ("users", "ideas"):
            self.conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"))

    # ------------------------------------------------------------------ run
    def run(self, n_ideas: int, n_residents: int, big_comments: int) -> LoadReport:
        ctx = self.context()
        ctx.resident_ids = self.residents(ctx, n_residents)
        self.merge_targets = [tuple(r) for r in db.session.execute(
            select(Idea.id, Idea.reference, Idea.title).where(
                Idea.hidden.is_(False), Idea.merged_into_id.is_(None)))]
        first_id = self.next_id(Idea)
        big_index = min(n_ideas - 1, 7) if big_comments and n_ideas else None
        for start in range(0, n_ideas, CHUNK):
            batch = _Batch()
            for i in range(start, min(start + CHUNK, n_ideas)):
                self.make_idea(ctx, batch, first_id + i,
                               big_comments if i == big_index else 0)
            self.write(Idea.__table__, batch.ideas)
            for table, rows in batch.children():
                self.write(table, rows)
            self.echo(f"  {min(start + CHUNK, n_ideas)} of {n_ideas} ideas")
        self.move_sequences_on()
        db.session.expire_all()
        return LoadReport(rows=self.rows,
                          big_idea_id=first_id + big_index if big_index is not None else None)

    def context(self) -> _Context:
        wards = [tuple(r) for r in db.session.execute(
            select(Ward.id, Ward.name).where(Ward.retired_at.is_(None)).order_by(Ward.id))]
        categories = [tuple(r) for r in db.session.execute(
            select(Category.id, Category.slug).where(Category.retired_at.is_(None))
            .order_by(Category.id)) if r.slug in words.TITLES]
        assets: dict[str, list] = {slot: [] for slot in words.SLOT_KINDS}
        for row in db.session.execute(
                select(CommunityAsset.id, CommunityAsset.name, CommunityAsset.ward_id,
                       CommunityAsset.lat, CommunityAsset.lon, CommunityAsset.kind)
                .where(CommunityAsset.retired_at.is_(None)).order_by(CommunityAsset.id)):
            for slot, kinds in words.SLOT_KINDS.items():
                if row.kind in kinds:
                    assets[slot].append(tuple(row)[:5])
        partners = [tuple(r) for r in db.session.execute(
            select(Organisation.id, Organisation.name, func.min(Membership.user_id))
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Organisation.verified_at.isnot(None), Membership.role == "manager")
            .group_by(Organisation.id, Organisation.name).order_by(Organisation.id))]
        moderator_id = db.session.scalar(
            select(User.id).where(User.role == "moderator", User.deleted_at.is_(None))
            .order_by(User.id).limit(1))
        if not wards or not categories or moderator_id is None:
            raise RuntimeError("seed-load needs the demo council's wards, categories and "
                               "moderator: run flask seed-demo on this database first.")
        return _Context(wards, categories, assets, partners, moderator_id)

    def residents(self, ctx: _Context, wanted: int) -> list[int]:
        """The load-test residents, creating the ones missing (one password hash for all)."""
        pattern = RESIDENT_EMAIL.replace("{:05d}", "%")
        have = list(db.session.scalars(select(User.id).where(User.email.like(pattern))
                                       .order_by(User.id)))
        missing = wanted - len(have)
        if missing > 0:
            rng, password_hash = self.rng, demo_password_hash()
            first_id = self.next_id(User)
            rows = []
            for n in range(missing):
                number = len(have) + n + 1
                joined = self.days_ago(HISTORY_DAYS * 1.1 * rng.random() ** 0.7)
                first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
                rows.append(dict(
                    id=first_id + n, email=RESIDENT_EMAIL.format(number),
                    display_name=f"{first} {last}", password_hash=password_hash,
                    role="resident", email_verified_at=joined + timedelta(minutes=15),
                    ward_id=rng.choice(ctx.wards)[0],
                    notify_pref=rng.choice(("immediate", "daily", "off", "off")),
                    created_at=joined, session_version=1))
            self.write(User.__table__, rows)
            have += [row["id"] for row in rows]
        return have[:wanted] if wanted > 0 else have

    # ------------------------------------------------------------------ one idea
    def days_ago(self, days: float) -> datetime:
        return (self.now - timedelta(days=days)).replace(microsecond=0)

    def between(self, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
        span = max((end - start).total_seconds(), 1.0)
        return start + timedelta(seconds=int(span * self.rng.random() ** skew))

    def pick_status(self, age_days: float) -> str:
        weights = YOUNG_STATUS_WEIGHTS if age_days < 30 else STATUS_WEIGHTS
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def make_idea(self, ctx: _Context, batch: _Batch, idea_id: int, big_comments: int) -> None:
        rng = self.rng
        age = max(0.1, HISTORY_DAYS * rng.random() ** 1.4)
        if big_comments:
            age = max(age, 200.0)
        created = self.days_ago(age)
        status = "accepted" if big_comments else self.pick_status(age)
        if status == "duplicate" and not self.merge_targets:
            status = "declined"
        category_id, slug = rng.choice(ctx.categories)
        team = demo_words.TEAMS.get(slug, "community ideas team")
        title, ward_id, asset, street = self.title(ctx, slug)
        author_id = rng.choice(ctx.resident_ids)
        reference = f"{self.prefix}-{created.year}-{idea_id:04d}"
        org = rng.choice(ctx.partners) if ctx.partners and rng.random() < 0.55 else None
        target = rng.choice(self.merge_targets) if status == "duplicate" else None
        steps = self.timeline(status, created, age, team, org, target, ctx, author_id)
        # A delivering partner needs a delivery step; a not-delivered idea may have skipped it.
        if not any(s[1] == "in_delivery" for s in steps):
            org = None
        times = {s[1]: s[0] for s in steps if s[4] == "status"}
        staff = [s[0] for s in steps if s[2] != author_id]
        closed = None if status in OPEN_FOR_SUPPORT else steps[-1][0]
        hidden = not big_comments and rng.random() < HIDDEN_SHARE
        idea = dict(
            id=idea_id, reference=reference, title=title,
            description=self.description(ward_id, ctx, street), category_id=category_id,
            ward_id=ward_id, location_text=f"Near {street}" if street else None,
            lat=round(asset[3] + rng.uniform(-0.0008, 0.0008), 6) if asset and asset[3] else None,
            lon=round(asset[4] + rng.uniform(-0.0012, 0.0012), 6) if asset and asset[4] else None,
            author_id=author_id, status=status, support_count=0, paper_support_count=0,
            comment_count=0, hidden=hidden, on_behalf=False,
            hidden_reason=rng.choice(words.HIDDEN_REASONS) if hidden else None,
            merged_into_id=target[0] if target else None,
            assignee_id=ctx.moderator_id if status in ("under_review", "accepted",
                                                       "in_delivery") else None,
            created_at=created, updated_at=steps[-1][0] if steps else created,
            first_response_at=staff[0] if staff else None,
            decided_at=next((times[s] for s in ("accepted", "declined", "duplicate")
                             if s in times), None),
            delivered_at=_finished(times))
        batch.ideas.append(idea)
        if asset:
            batch.links.append(dict(idea_id=idea_id, asset_id=asset[0]))
        batch.follows.append(dict(user_id=author_id, idea_id=idea_id, created_at=created))
        previous = "submitted"
        for at, to_status, actor_id, message, event, related in steps:
            # A status change moves the idea on; other entries (a merge) keep its status.
            from_status = previous if event == "status" else to_status
            previous = to_status
            batch.changes.append(dict(
                idea_id=idea_id, event=event, from_status=from_status, to_status=to_status,
                actor_id=actor_id, message=message, related_idea_id=related, created_at=at))
        if hidden:
            at = min(self.now, idea["updated_at"] + timedelta(days=rng.uniform(0.1, 3)))
            batch.changes.append(dict(
                idea_id=idea_id, event="hidden", from_status=status, to_status=status,
                actor_id=ctx.moderator_id, message=idea["hidden_reason"], related_idea_id=None,
                created_at=at.replace(microsecond=0)))
        elif status != "duplicate":
            self.merge_targets.append((idea_id, reference, title))
        idea["support_count"] = self.supports(ctx, batch, idea, closed, big_comments)
        idea["comment_count"] = self.comments(ctx, batch, idea, slug, team, closed, org,
                                              big_comments)
        self.pledges(ctx, batch, idea, times)
        self.delivery(ctx, batch, idea, times, org, team)

    def title(self, ctx: _Context, slug: str):
        """A title from the category's templates; the ward follows the asset it names."""
        rng = self.rng
        template = rng.choice(words.TITLES[slug])
        ward_id, ward_name = rng.choice(ctx.wards)
        asset = street = None
        fill = {"ward": ward_name}
        for slot in words.SLOT_KINDS:
            if "{" + slot + "}" in template:
                if ctx.assets[slot]:
                    asset = rng.choice(ctx.assets[slot])
                    fill[slot] = asset[1]
                    if asset[2] is not None:
                        ward_id = asset[2]
                        ward_name = dict(ctx.wards).get(ward_id, ward_name)
                        fill["ward"] = ward_name
                else:
                    fill[slot] = f"the {slot} in {ward_name}"
        if "{street}" in template:
            street = rng.choice(words.STREETS)
            fill["street"] = street
        return template.format(**fill)[:120], ward_id, asset, street

    def description(self, ward_id: int, ctx: _Context, street: str | None) -> str:
        rng = self.rng
        ward = dict(ctx.wards)[ward_id]
        parts = [rng.choice(words.OPENINGS), rng.choice(words.MIDDLES),
                 rng.choice(words.CLOSINGS)]
        return " ".join(p for p in parts if p).format(ward=ward, street=street or "our street")

    def timeline(self, status: str, created: datetime, age: float, team: str, org,
                 target, ctx: _Context, author_id: int) -> list[tuple]:
        """(time, to_status, actor id, message, event, related idea id) in order."""
        rng = self.rng
        head = ["under_review"] if rng.random() < 0.6 else []
        reopened = status == "under_review" and rng.random() < 0.1
        path = {
            "submitted": [], "under_review": ["declined", "under_review"] if reopened
            else ["under_review"], "accepted": head + ["accepted"],
            "declined": head + ["declined"], "duplicate": ["duplicate"],
            "withdrawn": head + ["withdrawn"], "in_delivery": head + ["accepted", "in_delivery"],
            "delivered": head + ["accepted", "in_delivery", "delivered"],
            "partly_delivered": head + ["accepted", "in_delivery", "partly_delivered"],
            "not_delivered": head + ["accepted"] + (["in_delivery"] if rng.random() < 0.6
                                                    else []) + ["not_delivered"],
        }[status]
        if not path:
            return []
        late = rng.random() < 0.15
        gaps = [rng.uniform(22, 48) if late else rng.uniform(0.5, 17)]
        later = {"under_review": (20, 60), "accepted": (5, 25), "declined": (5, 25),
                 "withdrawn": (4, 30), "in_delivery": (7, 35), "delivered": (30, 120),
                 "partly_delivered": (30, 120), "not_delivered": (30, 120), "duplicate": (1, 10)}
        gaps += [rng.uniform(*later[s]) for s in path[1:]]
        room = age - 0.05
        if sum(gaps) > room * 0.95:
            factor = room * 0.95 / sum(gaps)
            gaps = [g * factor for g in gaps]
        steps, when = [], created
        outcome_summary = None
        for gap, to_status in zip(gaps, path, strict=True):
            when = (when + timedelta(days=gap)).replace(microsecond=0)
            if when <= created:
                when = created + timedelta(seconds=60)
            actor = author_id if to_status == "withdrawn" else ctx.moderator_id
            if to_status == "under_review":
                message = (words.REOPEN_MESSAGE if reopened and steps
                           else rng.choice(demo_words.STATUS_MESSAGES["under_review"]))
            elif to_status == "accepted":
                message = rng.choice(demo_words.STATUS_MESSAGES["accepted"])
            elif to_status == "declined":
                message = rng.choice(words.DECLINE_REASONS)
            elif to_status == "withdrawn":
                message = rng.choice(words.WITHDRAW_REASONS)
            elif to_status == "in_delivery":
                message = (f"{org[1]} will deliver this idea.\n\n"
                           + demo_words.STATUS_MESSAGES["claim_decision"].format(
                               org=org[1], team=team) if org
                           else demo_words.STATUS_MESSAGES["in_delivery_council"])
            elif to_status == "duplicate":
                message = demo_words.STATUS_MESSAGES["duplicate"].format(ref=target[1],
                                                                         title=target[2])
            else:
                outcome_summary = rng.choice(words.OUTCOME_SUMMARIES[to_status])
                message = outcome_summary
            steps.append((when, to_status, actor, message.format(team=team), "status",
                          target[0] if target else None))
        if target:
            steps.append((when + timedelta(seconds=1), "duplicate", ctx.moderator_id,
                          demo_words.STATUS_MESSAGES["merged"].format(ref=target[1],
                                                                      title=target[2]),
                          "merged", target[0]))
        return steps

    # ------------------------------------------------------------------ around an idea
    def supports(self, ctx: _Context, batch: _Batch, idea: dict, closed, big: int) -> int:
        """A long tail: most ideas a handful, a few thousands (capped by the residents)."""
        rng = self.rng
        share = SUPPORT_SHARE[idea["status"]]
        wanted = int((int(4 * rng.paretovariate(1.2)) - 4) * share)
        if big:
            wanted = 2000
        wanted = min(wanted, 5000, len(ctx.resident_ids) - 1)
        if wanted <= 0:
            return 0
        chosen = [ctx.resident_ids[i] for i in rng.sample(range(len(ctx.resident_ids)), wanted)]
        end = closed or self.now
        count = 0
        for user_id in chosen:
            if user_id == idea["author_id"]:
                continue
            batch.supports.append(dict(user_id=user_id, idea_id=idea["id"],
                                       created_at=self.between(idea["created_at"], end, 1.8)))
            count += 1
        return count

    def comments(self, ctx: _Context, batch: _Batch, idea: dict, slug: str, team: str,
                 closed, org, big: int) -> int:
        rng = self.rng
        texts = demo_words.CATEGORY_COMMENTS.get(slug, []) + demo_words.GENERAL_COMMENTS
        count = big or min(40, int(rng.expovariate(1 / 2.5)))
        created = idea["created_at"]
        end = min(self.now, (closed or self.now) + timedelta(days=20))
        made = 0
        for n in range(count):
            hidden = rng.random() < 0.01
            body = rng.choice(texts)
            if big:
                body = f"{body} ({n + 1})"
            batch.comments.append(dict(
                idea_id=idea["id"], author_id=rng.choice(ctx.resident_ids), body=body,
                official=False, organisation_id=None, hidden=hidden,
                hidden_reason=words.HIDDEN_COMMENT_REASON if hidden else None,
                created_at=self.between(created, end, 1.5)))
            made += 1
        responded = idea["first_response_at"]
        if responded and idea["status"] not in ("withdrawn", "duplicate") \
                and rng.random() < 0.3:
            batch.comments.append(dict(
                idea_id=idea["id"], author_id=ctx.moderator_id,
                body=rng.choice(demo_words.OFFICIAL_REPLIES).format(team=team), official=True,
                organisation_id=None, hidden=False, hidden_reason=None,
                created_at=self.between(responded, max(end, responded))))
            made += 1
        return made

    def pledges(self, ctx: _Context, batch: _Batch, idea: dict, times: dict) -> None:
        if idea["status"] not in ("under_review", "accepted", "in_delivery", *FINISHED):
            return
        rng = self.rng
        count = rng.choice((0, 0, 1, 1, 2, 3))
        end = _finished(times) or self.now
        users = rng.sample(ctx.resident_ids, count)
        for user_id, (kind, message, hours) in zip(users, rng.sample(demo_words.PLEDGES, count),
                                                   strict=True):
            batch.pledges.append(dict(
                idea_id=idea["id"], user_id=user_id, kind=kind, message=message,
                hours=Decimal(hours) if hours is not None else None,
                created_at=self.between(idea["created_at"], end, 1.4), withdrawn_at=None))

    def delivery(self, ctx: _Context, batch: _Batch, idea: dict, times: dict, org,
                 team: str) -> None:
        """Claims, progress updates and outcome reports, agreeing with the timeline."""
        rng, status, idea_id = self.rng, idea["status"], idea["id"]
        accepted, delivering = times.get("accepted"), times.get("in_delivery")
        finished = _finished(times)
        claim = dict(idea_id=idea_id, plan="", expected_start=None, expected_end=None,
                     status="", decision_message=None, decided_by_id=None, decided_at=None)
        if org and delivering:
            start = (delivering + timedelta(days=14)).date()
            batch.claims.append(claim | dict(
                organisation_id=org[0], created_by_id=org[2],
                plan=f"{org[1]} will deliver this with volunteers and keep residents posted.",
                expected_start=start,
                expected_end=finished.date() if finished else start + timedelta(days=120),
                status="approved", decided_by_id=ctx.moderator_id, decided_at=delivering,
                decision_message=demo_words.STATUS_MESSAGES["claim_decision"].format(
                    org=org[1], team=team),
                created_at=self.between(accepted, delivering)))
        elif status == "accepted" and ctx.partners and rng.random() < 0.12:
            other = rng.choice(ctx.partners)
            made = self.between(accepted, self.now)
            rejected = rng.random() < 0.3
            batch.claims.append(claim | dict(
                organisation_id=other[0], created_by_id=other[2],
                plan=f"{other[1]} would like to take this on with our volunteers.",
                status="rejected" if rejected else "pending",
                decision_message=(words.DECLINE_REASONS[0].format(team=team)
                                  if rejected else None),
                decided_by_id=ctx.moderator_id if rejected else None,
                decided_at=self.between(made, self.now) if rejected else None,
                created_at=made))
        if delivering:
            author = org[2] if org else ctx.moderator_id
            end = finished or self.now
            for _n in range(rng.choice((0, 1, 1, 2, 3))):
                when = self.between(delivering, end)
                batch.progress.append(dict(
                    idea_id=idea_id, organisation_id=org[0] if org else None, author_id=author,
                    body=rng.choice(words.PROGRESS_UPDATES).format(team=team),
                    created_at=when))
                idea["updated_at"] = max(idea["updated_at"], when)
        state = ("published" if finished else
                 rng.choice(("draft", "submitted", None, None, None, None, None, None))
                 if status == "in_delivery" else None)
        if state is None:
            return
        # A published outcome says what the idea became; a report still being written may
        # say anything.
        result = (status if status in FINISHED else
                  rng.choice(("delivered",) * 8 + ("partly_delivered", "not_delivered")))
        summary = (idea_summary(batch, idea_id)
                   or rng.choice(words.OUTCOME_SUMMARIES[result]))
        created = (finished or self.now) - timedelta(days=rng.uniform(5, 12))
        created = max(created, delivering or accepted or idea["created_at"])
        submitted = (finished - timedelta(days=rng.uniform(1, 4)) if finished
                     else self.between(created, self.now) if state == "submitted" else None)
        if submitted is not None:
            submitted = max(submitted, created).replace(microsecond=0)
        batch.outcomes.append(dict(
            idea_id=idea_id, organisation_id=org[0] if org else None,
            author_id=org[2] if org else ctx.moderator_id, state=state, result=result,
            summary=summary, people_reached=rng.randint(10, 2000),
            volunteer_hours=Decimal(rng.randint(0, 1200)), spend_pence=rng.randint(0, 2_000_000),
            funding_source=rng.choice(words.FUNDING_SOURCES), story=rng.choice(
                words.OUTCOME_STORIES), lessons=rng.choice(words.OUTCOME_LESSONS),
            review_note=None, submitted_at=submitted,
            published_at=finished if state == "published" else None,
            published_by_id=ctx.moderator_id if state == "published" else None,
            created_at=created.replace(microsecond=0),
            updated_at=(finished or submitted or created).replace(microsecond=0)))


def _finished(times: dict):
    """When the idea's outcome was published (its delivered, partly or not step), or None."""
    return next((times[s] for s in FINISHED if s in times), None)


def idea_summary(batch: _Batch, idea_id: int) -> str | None:
    """The message of the idea's delivered/not-delivered step: the outcome's summary."""
    for row in reversed(batch.changes):
        if row["idea_id"] != idea_id:
            return None
        if row["event"] == "status" and row["to_status"] in FINISHED:
            return row["message"]
    return None


@dataclass
class _Batch:
    """The rows of one chunk of ideas, by table."""

    ideas: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    supports: list[dict] = field(default_factory=list)
    follows: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    pledges: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    progress: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)

    def children(self):
        """Tables after ideas, in an order their foreign keys accept."""
        return [(idea_assets, self.links), (StatusChange.__table__, self.changes),
                (Support.__table__, self.supports), (Follow.__table__, self.follows),
                (Comment.__table__, self.comments), (Pledge.__table__, self.pledges),
                (Claim.__table__, self.claims), (ProgressUpdate.__table__, self.progress),
                (OutcomeReport.__table__, self.outcomes)]


def _scalar_default(column):
    """The value a column's Python-side default gives (None when it has none or it is a
    function: a row that needs one of those names the column itself)."""
    default = column.default
    return default.arg if default is not None and default.is_scalar else None
