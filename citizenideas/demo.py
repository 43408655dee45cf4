"""Demo Borough: believable demo data for ``flask seed-demo``.

Rows are written directly rather than through the services, so that a year of history can be
dated in the past: every idea gets a consistent public timeline, and the response, decision
and delivery times on the idea agree with it. The words live in ``demo_content``.

Deterministic (a fixed random seed; dates are relative to today), idempotent (a marker
setting), and quick: a handful of bulk flushes. The caller commits.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from . import demo_content as content
from .extensions import db
from .models import (
    OPEN_FOR_SUPPORT,
    OUTCOME_RESULTS,
    AuditLog,
    Category,
    Claim,
    Comment,
    CommunityAsset,
    Flag,
    Follow,
    Idea,
    Membership,
    Notification,
    Organisation,
    OutcomeReport,
    Pledge,
    ProgressUpdate,
    ResponseTemplate,
    SiteSetting,
    StatusChange,
    Support,
    User,
    Ward,
    utcnow,
)

MARKER = "demo_seeded_at"
RANDOM_SEED = 20260101
DECISIONS = ("accepted", "declined", "duplicate")
FINISHED = OUTCOME_RESULTS  # an outcome's result is the status its idea ends in
SUPPORT_RANGES = {
    "submitted": (0, 9), "under_review": (6, 20), "accepted": (8, 24), "in_delivery": (10, 26),
    "delivered": (12, 28), "partly_delivered": (12, 28), "not_delivered": (8, 22),
    "declined": (1, 10), "duplicate": (0, 5), "withdrawn": (1, 6),
}


def seed(only_if_empty: bool = False) -> bool:
    """Load the demo council. Returns True if anything was created.

    Does nothing if the demo is already loaded, or, with ``only_if_empty``, if the database
    has any user at all (so ``make run`` never mixes demo data into a real site).
    """
    if only_if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    if already_seeded():
        return False
    _DemoBorough(random.Random(RANDOM_SEED), utcnow().replace(microsecond=0)).build()
    return True


def already_seeded() -> bool:
    """True if the marker setting or the demo admin account is there."""
    if db.session.get(SiteSetting, MARKER) is not None:
        return True
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    return admin is not None and admin.role == "admin" and db.session.scalar(
        select(Ward.id).where(Ward.name == content.WARDS[0][0])) is not None


@dataclass
class _Step:
    """One planned public timeline entry."""

    at: datetime
    to_status: str
    actor: User
    message: str = ""
    event: str = "status"
    related: Idea | None = None


@dataclass
class _Plan:
    """What happens to one idea: its timeline and the times that follow from it."""

    seed: content.IdeaSeed
    author: User
    created: datetime
    steps: list[_Step]
    idea: Idea | None = None
    supporters: list[User] | None = None
    follows: dict[int, tuple[User, datetime]] | None = None

    def follow(self, user: User, when: datetime) -> None:
        """Taking part follows an idea, as the services do; the first time counts."""
        if user.role == "resident" and (user.id not in self.follows
                                        or when < self.follows[user.id][1]):
            self.follows[user.id] = (user, when)

    @property
    def last_activity(self) -> datetime:
        return self.steps[-1].at if self.steps else self.created

    def time_of(self, status: str) -> datetime | None:
        return next((s.at for s in self.steps if s.event == "status" and s.to_status == status),
                    None)

    def status_at(self, when: datetime) -> str:
        status = "submitted"
        for step in self.steps:
            if step.event == "status" and step.at <= when:
                status = step.to_status
        return status

    @property
    def closed_at(self) -> datetime | None:
        """When the idea stopped taking support (None if it still does)."""
        if self.seed.status in OPEN_FOR_SUPPORT:
            return None
        return next(s.at for s in reversed(self.steps) if s.event == "status")

    @property
    def finished_at(self) -> datetime | None:
        """When the idea's outcome was published (it became delivered, partly delivered or
        not delivered), or None."""
        return next((t for status in FINISHED if (t := self.time_of(status))), None)

    @property
    def delivering_since(self) -> datetime | None:
        """When the idea went into delivery (for a partner, when its claim was approved)."""
        return self.time_of("in_delivery")


class _DemoBorough:
    """Builds the whole demo council in a few bulk flushes."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.password_hash = ""
        self.wards: dict[str, Ward] = {}
        self.categories: dict[str, Category] = {}
        self.orgs: dict[str, Organisation] = {}
        self.managers: dict[str, User] = {}
        self.assets: dict[str, CommunityAsset] = {}
        self.users: dict[str, User] = {}
        self.residents: list[User] = []
        self.plans: list[_Plan] = []
        self.by_title: dict[str, _Plan] = {}
        self.updates: list[ProgressUpdate] = []

    # ------------------------------------------------------------------ helpers
    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def between(self, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
        """A time between start and end (earlier if skew > 1), to the second."""
        span = max((end - start).total_seconds(), 60)
        when = (start + timedelta(seconds=span * self.rng.random() ** skew)).replace(
            microsecond=0)
        if when.hour < 7 and when + timedelta(hours=8) < end:
            when += timedelta(hours=8)  # people take part in the day, mostly
        return when

    def office_hours(self, when: datetime, after: datetime) -> datetime:
        """``when`` moved into the working day, still after ``after`` and before now."""
        moved = when.replace(hour=self.rng.randint(9, 16), minute=self.rng.randint(0, 59),
                             second=self.rng.randint(0, 59), microsecond=0)
        while moved.weekday() >= 5 or (moved.month, moved.day) in ((12, 25), (12, 26), (1, 1)):
            moved += timedelta(days=1)
        if moved <= after:
            moved = after + timedelta(minutes=self.rng.randint(30, 240))
        latest = self.now - timedelta(minutes=self.rng.randint(20, 90))
        if moved > latest:  # no later than now, and on a weekday if there is room
            moved = latest
            while moved.weekday() >= 5 and moved - timedelta(days=1) > after:
                moved -= timedelta(days=1)
        return moved

    @property
    def moderator(self) -> User:
        return self.users["moderator@example.org"]

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        self.password_hash = _demo_password_hash()
        self.places_and_people()
        db.session.flush()
        self.plan_ideas()
        self.write_ideas()
        comments = self.write_history()
        db.session.flush()
        self.write_flags(comments)
        self.write_notifications(comments)
        self.asset_stories()
        db.session.add(SiteSetting(key=MARKER, value=self.now.isoformat()))
        db.session.flush()

    def places_and_people(self) -> None:
        """Wards, categories, partners, accounts, assets and response templates."""
        rng, year_ago = self.rng, self.ago(395)
        existing_wards = {w.name: w for w in db.session.scalars(select(Ward))}
        for name, code, _centre in content.WARDS:
            self.wards[name] = existing_wards.get(name) or Ward(name=name, ons_code=code)
        existing_cats = {c.slug: c for c in db.session.scalars(select(Category))}
        for name, slug, description in content.CATEGORIES:
            self.categories[slug] = existing_cats.get(slug) or Category(
                name=name, slug=slug, description=description)
        existing_orgs = {o.name: o for o in db.session.scalars(select(Organisation))}
        for spec in content.ORGANISATIONS:
            fields = {k: v for k, v in spec.items() if k != "key"}
            self.orgs[spec["key"]] = existing_orgs.get(spec["name"]) or Organisation(
                **fields, created_at=year_ago, verified_at=year_ago + timedelta(days=9))

        existing_users = {u.email: u for u in db.session.scalars(select(User))}
        people = [(email, name, role, ward) for email, name, role, ward in content.DEMO_ACCOUNTS]
        people += [(_email_for(name), name, "resident", ward) for name, ward in content.RESIDENTS]
        prefs = ("immediate", "immediate", "daily", "off")
        for i, (email, name, role, ward) in enumerate(people):
            user = existing_users.get(email)
            if user is None:
                joined = year_ago + timedelta(days=rng.uniform(0, 25))
                user = User(email=email, display_name=name, password_hash=self.password_hash,
                            role=role, ward=self.wards[ward] if ward else None,
                            notify_pref="immediate" if i < 6 else rng.choice(prefs),
                            created_at=joined.replace(microsecond=0),
                            email_verified_at=(joined + timedelta(minutes=12)).replace(
                                microsecond=0))
            self.users[email] = user
            if user.role == "resident":
                self.residents.append(user)
        for email, org_key, role in content.MEMBERSHIPS:
            user, org = self.users[email], self.orgs[org_key]
            if user.id is None or org.id is None or db.session.scalar(select(Membership.id).where(
                    Membership.user_id == user.id, Membership.organisation_id == org.id)) is None:
                db.session.add(Membership(user=user, organisation=org, role=role,
                                          created_at=year_ago + timedelta(days=10)))
            if role == "manager":
                self.managers[org_key] = user

        existing_assets = {a.uprn: a for a in db.session.scalars(select(CommunityAsset))}
        for spec in content.ASSETS:
            asset = existing_assets.get(spec["uprn"]) or CommunityAsset(
                name=spec["name"], kind=spec["kind"], address=spec["address"],
                postcode=spec["postcode"], uprn=spec["uprn"], ward=self.wards[spec["ward"]],
                lat=spec["lat"], lon=spec["lon"], tenure=spec["tenure"],
                community_status=spec["status"], description=spec["description"],
                operator=self.orgs[spec["operator"]] if spec["operator"] else None,
                created_at=year_ago, updated_at=year_ago)
            self.assets[spec["key"]] = asset
        for status, title, body in content.RESPONSE_TEMPLATES:
            db.session.add(ResponseTemplate(status=status, title=title, body=body,
                                            created_at=year_ago))
        db.session.add_all([*self.wards.values(), *self.categories.values(),
                            *self.orgs.values(), *self.users.values(), *self.assets.values()])

    def asset_stories(self) -> None:
        """What happens to the places in public: community value nominations and sales,
        transfer requests, and the yearly reports after a transfer."""
        from . import demo_acv, demo_after_transfer, demo_transfer
        demo_acv.seed(self)
        demo_transfer.seed(self)
        demo_after_transfer.seed(self)
        db.session.flush()

    # ------------------------------------------------------------------ timelines
    def plan_ideas(self) -> None:
        """Decide every idea's timeline before writing anything, oldest idea first."""
        others = [u for u in self.residents if u.email not in
                  {content.R1, content.R2, content.R3, "partner@example.org"}]
        seeds = sorted(content.IDEAS, key=lambda s: -s.days_ago)
        for n, s in enumerate(seeds):
            author = self.users[s.author] if s.author else others[(n * 7) % len(others)]
            created = self.ago(s.days_ago).replace(
                hour=self.rng.randint(7, 21), minute=self.rng.randint(0, 59),
                second=self.rng.randint(0, 59))
            if created > self.now - timedelta(hours=2):
                created = self.now - timedelta(hours=self.rng.randint(2, 20))
            plan = _Plan(s, author, created, [])
            self.plans.append(plan)
            self.by_title[s.title] = plan
        for plan in self.plans:
            self._plan_steps(plan)

    def _path(self, s: content.IdeaSeed) -> list[str]:
        """The statuses an idea passed through after being submitted."""
        reviewed = s.reviewed and (s.late or self.rng.random() < 0.6)
        head = ["under_review"] if reviewed else []
        if s.reopened:
            return ["declined", "under_review"]
        return {
            "submitted": [],
            "under_review": ["under_review"],
            "accepted": head + ["accepted"],
            "declined": head + ["declined"],
            "duplicate": ["duplicate"],
            "withdrawn": head + ["withdrawn"],
            "in_delivery": head + ["accepted", "in_delivery"],
            "delivered": head + ["accepted", "in_delivery", "delivered"],
            "partly_delivered": head + ["accepted", "in_delivery", "partly_delivered"],
            "not_delivered": head + ["accepted"]
            + (["in_delivery"] if s.org or self.rng.random() < 0.5 else []) + ["not_delivered"],
        }[s.status]

    def _gap(self, before: str, after: str, first: bool, late: bool) -> float:
        """Days between two steps of a timeline."""
        r = self.rng
        if first and after != "withdrawn":
            return r.uniform(22, 48) if late else r.uniform(1, 17)
        return {
            "under_review": r.uniform(20, 60),          # a declined idea reopened
            "accepted": r.uniform(5, 25), "declined": r.uniform(5, 25),
            "duplicate": r.uniform(1, 10), "withdrawn": r.uniform(4, 30),
            "in_delivery": r.uniform(7, 35),
            "delivered": r.uniform(30, 120), "partly_delivered": r.uniform(30, 120),
            "not_delivered": r.uniform(30, 120),
        }[after]

    def _plan_steps(self, plan: _Plan) -> None:
        s, team = plan.seed, content.TEAMS[plan.seed.category]
        path = self._path(s)
        if not path:
            return
        gaps = [self._gap(a, b, i == 0, s.late)
                for i, (a, b) in enumerate(zip(["submitted", *path], path, strict=False))]
        room = (self.now - plan.created).total_seconds() / 86400 - 1
        if gaps[0] > room * 0.7:
            gaps[0] = room * 0.5
        rest = sum(gaps[1:])
        if rest > room - gaps[0]:
            factor = (room - gaps[0]) * 0.95 / rest
            gaps[1:] = [g * factor for g in gaps[1:]]

        when = plan.created
        org = self.orgs.get(s.org) if s.org else None
        for gap, status in zip(gaps, path, strict=True):
            when = self.office_hours(when + timedelta(days=gap), after=when)
            actor = plan.author if status == "withdrawn" else self.moderator
            plan.steps.append(_Step(when, status, actor, self._message(plan, status, team)))
        if s.title == content.CO_DELIVERY["idea"]:
            since = plan.delivering_since
            when = self.office_hours(self.between(since, self.now - timedelta(days=3)), since)
            org = self.orgs[content.CO_DELIVERY["org"]]
            plan.steps.append(_Step(when, s.status, self.moderator, event="claim_approved",
                                    message=f"{org.name} will also help deliver this idea.\n\n"
                                            f"{content.CO_DELIVERY['decision']}"))

    def _message(self, plan: _Plan, status: str, team: str) -> str:
        """The public message for one status change."""
        s, pool = plan.seed, content.STATUS_MESSAGES
        if status == "under_review":
            if s.reopened and any(st.to_status == "declined" for st in plan.steps):
                return s.reopened
            return self.rng.choice(pool["under_review"]).format(team=team)
        if status == "declined" or status == "withdrawn":
            return s.message
        if status == "accepted":
            if s.message and s.status in ("accepted", *FINISHED):
                return s.message
            return self.rng.choice(pool["accepted"]).format(team=team)
        if status == "in_delivery":
            if s.org:
                org = self.orgs[s.org].name
                return f"{org} will deliver this idea.\n\n" + pool["claim_decision"].format(
                    org=org, team=team)
            if s.message and s.status == "in_delivery":
                return s.message
            return pool["in_delivery_council"].format(team=team)
        if status in FINISHED:
            return s.outcome.summary
        if status == "duplicate":
            target = self.by_title[s.duplicate_of]
            return pool["duplicate"].format(ref="{ref}", title=target.seed.title)
        return ""

    # ------------------------------------------------------------------ ideas
    def write_ideas(self) -> None:
        """Idea rows with references, timestamps from their timelines, assets and merges."""
        taken = set(db.session.scalars(select(Idea.reference).where(Idea.reference.isnot(None))))
        per_year: dict[int, int] = defaultdict(int)
        for plan in self.plans:
            s = plan.seed
            year = plan.created.year
            reference = None
            while reference is None or reference in taken:
                per_year[year] += 1
                # Demo ideas number from 1 within each year; ideas proposed later use their id
                # (services.ideas.idea_reference), which is above every demo number.
                prefix = current_app.config.get("IDEA_REFERENCE_PREFIX", "DB")
                reference = f"{prefix}-{year}-{per_year[year]:04d}"
            taken.add(reference)
            staff_steps = [st.at for st in plan.steps if st.actor.role != "resident"]
            assets = [self.assets[k] for k in s.assets]
            lat = lon = None
            if assets:
                lat, lon = assets[0].lat, assets[0].lon
            elif s.location:
                lat, lon = dict((n, c) for n, _, c in content.WARDS)[s.ward]
            if lat is not None:
                lat = round(lat + self.rng.uniform(-0.0008, 0.0008), 6)
                lon = round(lon + self.rng.uniform(-0.0012, 0.0012), 6)
            plan.idea = Idea(
                reference=reference, title=s.title, description=s.description,
                category=self.categories[s.category], ward=self.wards[s.ward],
                location_text=s.location, lat=lat, lon=lon, author=plan.author,
                status=s.status, support_count=0, comment_count=0, hidden=False,
                assets=assets, created_at=plan.created, updated_at=plan.last_activity,
                first_response_at=staff_steps[0] if staff_steps else None,
                decided_at=next((t for st in DECISIONS if (t := plan.time_of(st))), None),
                delivered_at=plan.finished_at,
                assignee=self.moderator if s.status in ("under_review", "accepted",
                                                        "in_delivery") else None,
            )
            db.session.add(plan.idea)
        db.session.flush()  # ids in the order the ideas came in, before linking the merges
        # A merge leaves a note on the idea merged into, and names it in the duplicate's message.
        for plan in self.plans:
            if not plan.seed.duplicate_of:
                continue
            target = self.by_title[plan.seed.duplicate_of]
            plan.idea.merged_into_id = target.idea.id
            step = plan.steps[-1]
            step.message = step.message.format(ref=target.idea.reference)
            step.related = target.idea
            plan.steps.append(_Step(step.at + timedelta(seconds=1), "duplicate", self.moderator,
                                    event="merged", related=target.idea,
                                    message=content.STATUS_MESSAGES["merged"].format(
                                        ref=target.idea.reference, title=target.seed.title)))
            target.steps.append(_Step(step.at + timedelta(seconds=2), target.status_at(step.at),
                                      self.moderator, event="merged_in",
                                      related=plan.idea,
                                      message=content.STATUS_MESSAGES["merged_in"].format(
                                          ref=plan.idea.reference, title=plan.seed.title)))
            target.steps.sort(key=lambda st: st.at)
            target.idea.updated_at = max(target.idea.updated_at, step.at)

    # ------------------------------------------------------------------ history
    def write_history(self) -> list[tuple[Comment, _Plan]]:
        """Timelines, supports, follows, comments, pledges, claims, progress and outcomes."""
        rows: list = []
        comments: list[tuple[Comment, _Plan]] = []
        changes = []
        for plan in self.plans:
            idea = plan.idea
            for step in plan.steps:
                from_status = (plan.status_at(step.at - timedelta(seconds=1))
                               if step.event == "status" else step.to_status)
                changes.append(StatusChange(
                    idea_id=idea.id, event=step.event, from_status=from_status,
                    to_status=step.to_status, actor_id=step.actor.id, message=step.message,
                    related_idea_id=step.related.id if step.related else None,
                    created_at=step.at))
                if step.event == "status" and step.actor.role != "resident":
                    rows.append(AuditLog(actor_id=step.actor.id, action="idea.status",
                                         target_type="Idea", target_id=idea.id,
                                         before={"status": from_status},
                                         after={"status": step.to_status,
                                                "message": step.message},
                                         created_at=step.at))
            supporters = self._supports(plan, rows)
            comments += self._comments(plan, supporters, rows)
            self._pledges(plan, supporters, rows)
            self._delivery(plan, rows)
        for plan in self.plans:
            rows += [Follow(user_id=user.id, idea_id=plan.idea.id, created_at=when)
                     for user, when in plan.follows.values()]
        changes.sort(key=lambda c: c.created_at)
        db.session.add_all(changes)
        db.session.add_all(rows)
        return comments

    def _supports(self, plan: _Plan, rows: list) -> list[User]:
        """Supporters, early in an idea's life. A duplicate's move to the idea it joined,
        with its followers, as merge_idea moves them (anyone already there counts once)."""
        low, high = SUPPORT_RANGES[plan.seed.status]
        if plan.seed.status == "submitted" and plan.seed.days_ago > 20:
            low, high = 4, 14
        pool = [u for u in self.residents if u is not plan.author]
        supporters = self.rng.sample(pool, self.rng.randint(low, min(high, len(pool))))
        end = plan.closed_at or self.now
        home = self._merged_into(plan)
        plan.supporters, plan.follows = [], {}
        if home is plan:
            plan.follow(plan.author, plan.created)
        else:
            home.follow(plan.author, plan.created)
        for user in supporters:
            when = self.between(plan.created, end, skew=1.8)
            home.follow(user, when)
            if user in home.supporters or user is home.author:
                continue
            home.supporters.append(user)
            rows.append(Support(user_id=user.id, idea_id=home.idea.id, created_at=when))
        for counted in {id(plan): plan, id(home): home}.values():
            counted.idea.support_count = len(counted.supporters)
        return supporters

    def _merged_into(self, plan: _Plan) -> _Plan:
        return self.by_title[plan.seed.duplicate_of] if plan.seed.duplicate_of else plan

    def _comments(self, plan: _Plan, supporters: list[User],
                  rows: list) -> list[tuple[Comment, _Plan]]:
        s, idea, rng = plan.seed, plan.idea, self.rng
        end = min(self.now, (plan.closed_at or self.now) + timedelta(days=20))
        texts = content.CATEGORY_COMMENTS[s.category] + content.GENERAL_COMMENTS
        pool = [u for u in self.residents if u is not plan.author]
        count = rng.randint(0, min(5, len(supporters) // 3 + 1))
        made = [Comment(idea_id=idea.id, author_id=rng.choice(pool).id, body=body,
                        created_at=self.between(plan.created, end, skew=1.5))
                for body in rng.sample(texts, count)]
        responded = idea.first_response_at
        team = content.TEAMS[s.category]
        if responded and s.status not in ("withdrawn", "duplicate") and rng.random() < 0.4:
            made.append(Comment(idea_id=idea.id, author_id=self.moderator.id, official=True,
                                body=rng.choice(content.OFFICIAL_REPLIES).format(team=team),
                                created_at=self.between(responded, end)))
        approved = plan.delivering_since if s.org else None
        if approved:
            org = self.orgs[s.org]
            made.append(Comment(idea_id=idea.id, author_id=self.managers[s.org].id,
                                official=True, organisation_id=org.id,
                                body=rng.choice(content.PARTNER_REPLIES).format(org=org.name),
                                created_at=self.between(approved, min(
                                    end, approved + timedelta(days=20)))))
        for title, email, body, hours_ago, official in content.RECENT_COMMENTS:
            if title == s.title:
                when = self.now - timedelta(hours=hours_ago)
                if when.hour < 7:
                    when -= timedelta(hours=8)
                made.append(Comment(idea_id=idea.id, author_id=self.users[email].id, body=body,
                                    official=official, created_at=when))
        if s.title == content.FLAGGED_COMMENT["idea"]:
            made.append(Comment(idea_id=idea.id, author_id=pool[-1].id,
                                body=content.FLAGGED_COMMENT["body"],
                                created_at=self.now - timedelta(days=2, hours=3)))
        idea.comment_count = len(made)
        by_id = {u.id: u for u in self.residents}
        for comment in made:
            if comment.author_id in by_id:
                self._merged_into(plan).follow(by_id[comment.author_id], comment.created_at)
        rows.extend(made)
        return [(c, plan) for c in made]

    def _pledges(self, plan: _Plan, supporters: list[User], rows: list) -> None:
        if plan.seed.status not in ("under_review", "accepted", "in_delivery", *FINISHED):
            return
        helpers = supporters or [u for u in self.residents if u is not plan.author]
        count = min(len(helpers), self.rng.randint(0, 3) + (1 if plan.seed.org else 0))
        end = plan.finished_at or self.now
        offers = self.rng.sample(content.PLEDGES, count)
        for user, (kind, message, hours) in zip(self.rng.sample(helpers, count), offers,
                                                strict=True):
            when = self.between(plan.created, end, skew=1.4)
            plan.follow(user, when)
            rows.append(Pledge(idea_id=plan.idea.id, user_id=user.id, kind=kind,
                               message=message,
                               hours=Decimal(hours) if hours is not None else None,
                               created_at=when))

    def _delivery(self, plan: _Plan, rows: list) -> None:
        """Claims, progress updates and outcome reports for ideas on their way to delivery."""
        s, idea = plan.seed, plan.idea
        org = self.orgs.get(s.org) if s.org else None
        accepted = plan.time_of("accepted")
        approved = plan.delivering_since
        if org is not None and approved is not None:
            start = (approved + timedelta(days=14)).date()
            finished = plan.finished_at
            rows.append(Claim(
                idea_id=idea.id, organisation_id=org.id, created_by_id=self.managers[s.org].id,
                plan=s.plan, expected_start=start,
                expected_end=finished.date() if finished else start + timedelta(days=120),
                status="approved", decided_by_id=self.moderator.id, decided_at=approved,
                decision_message=content.STATUS_MESSAGES["claim_decision"].format(
                    org=org.name, team=content.TEAMS[s.category]),
                created_at=self.between(accepted, approved)))
        if s.title == content.CO_DELIVERY["idea"]:
            spec = content.CO_DELIVERY
            decided = next(st.at for st in plan.steps if st.event == "claim_approved")
            start = (decided + timedelta(days=10)).date()
            rows.append(Claim(
                idea_id=idea.id, organisation_id=self.orgs[spec["org"]].id,
                created_by_id=self.managers[spec["org"]].id, plan=spec["plan"],
                expected_start=start, expected_end=start + timedelta(days=75),
                status="approved", decided_by_id=self.moderator.id, decided_at=decided,
                decision_message=spec["decision"],
                created_at=self.between(approved, decided)))
        for special, status in ((content.REJECTED_CLAIM, "rejected"),
                                (content.PENDING_CLAIM, "pending")):
            if special["idea"] == s.title:
                self._claim_on_accepted(plan, special, status, rows)

        in_delivery = plan.time_of("in_delivery")
        if in_delivery and s.updates:
            finished = plan.finished_at
            # Still under way: the latest update is recent-ish (some partners are late).
            last = max(self.now - timedelta(days=self.rng.uniform(3, 40)),
                       in_delivery + (self.now - in_delivery) / 2)
            end = finished or last
            step = (end - in_delivery) / (len(s.updates) + (1 if finished else 0))
            for i, body in enumerate(s.updates, start=1):
                when = self.office_hours(in_delivery + step * i, after=in_delivery)
                self.updates.append(ProgressUpdate(
                    idea_id=idea.id, organisation_id=org.id if org else None,
                    author_id=(self.managers[s.org] if org else self.moderator).id, body=body,
                    created_at=when))
                rows.append(self.updates[-1])
                idea.updated_at = max(idea.updated_at, when)
        if s.outcome is not None:
            self._outcome(plan, org, rows)

    def _claim_on_accepted(self, plan: _Plan, spec: dict, status: str, rows: list) -> None:
        org_key = spec["org"]
        accepted = plan.time_of("accepted")
        if status == "pending":
            made = max(accepted + timedelta(days=1), self.now - timedelta(days=3))
            rows.append(Claim(idea_id=plan.idea.id, organisation_id=self.orgs[org_key].id,
                              created_by_id=self.managers[org_key].id, plan=spec["plan"],
                              status="pending", created_at=min(made, self.now)))
            return
        made = self.between(accepted, accepted + (self.now - accepted) / 2)
        rows.append(Claim(idea_id=plan.idea.id, organisation_id=self.orgs[org_key].id,
                          created_by_id=self.managers[org_key].id, plan=spec["plan"],
                          status="rejected", decision_message=spec["reason"],
                          decided_by_id=self.moderator.id,
                          decided_at=self.between(made, min(self.now, made + timedelta(days=6))),
                          created_at=made))

    def _outcome(self, plan: _Plan, org: Organisation | None, rows: list) -> None:
        s, out = plan.seed, plan.seed.outcome
        author = self.managers[s.org] if org else self.moderator
        published = plan.finished_at
        report = OutcomeReport(
            idea_id=plan.idea.id, organisation_id=org.id if org else None, author_id=author.id,
            result=out.result, summary=out.summary, people_reached=out.people_reached,
            volunteer_hours=(Decimal(str(out.volunteer_hours))
                             if out.volunteer_hours is not None else None),
            spend_pence=out.spend_pounds * 100 if out.spend_pounds is not None else None,
            funding_source=out.funding_source, story=out.story, lessons=out.lessons)
        if published is not None:
            submitted = min(max(published - timedelta(days=self.rng.randint(2, 9)),
                                plan.steps[-2].at + timedelta(hours=1)),
                            published - timedelta(minutes=5))
            report.state = "published"
            report.submitted_at = submitted.replace(microsecond=0)
            report.published_at = published
            report.published_by_id = self.moderator.id
            report.created_at = (submitted - timedelta(days=3)).replace(microsecond=0)
            report.updated_at = published
        elif s.outcome_state == "submitted":
            report.state = "submitted"
            report.submitted_at = self.now - timedelta(days=2, hours=4)
            report.created_at = report.updated_at = self.now - timedelta(days=6)
            report.updated_at = report.submitted_at
        else:
            report.state = "draft"
            report.created_at = report.updated_at = self.now - timedelta(days=5)
        rows.append(report)

    # ------------------------------------------------------------------ after ids
    def write_flags(self, comments: list[tuple[Comment, _Plan]]) -> None:
        """Two residents report the rude comment; the flags wait for a moderator."""
        spec = content.FLAGGED_COMMENT
        comment, plan = next((c, p) for c, p in comments if c.body == spec["body"])
        reporters = [u for u in self.residents
                     if u.id not in (comment.author_id, plan.author.id)][:len(spec["reasons"])]
        for i, (user, reason) in enumerate(zip(reporters, spec["reasons"], strict=True)):
            db.session.add(Flag(reporter_id=user.id, idea_id=plan.idea.id, target_type="comment",
                                target_id=comment.id, reason=reason,
                                created_at=comment.created_at + timedelta(hours=2 + i * 5)))

    def write_notifications(self, comments: list[tuple[Comment, _Plan]]) -> None:
        """resident@example.org's inbox: the latest news on their ideas, the newest unread.

        Worded as the services word them, and marked as already emailed, so starting the
        demo sends nothing.
        """
        from .services.lifecycle import STATUS_LABELS
        from .services.notifications import idea_link

        resident = self.users[content.R1]
        names = {u.id: u.display_name for u in self.users.values()}
        mine = {plan.idea.id: plan.idea for plan in self.plans if plan.author is resident}
        news = []
        for idea in mine.values():
            plan = self.by_title[idea.title]
            for step in plan.steps:
                if step.event == "status" and step.actor is not resident:
                    label = str(STATUS_LABELS[step.to_status])
                    news.append((step.at, "status_change", idea, f"{idea.title}: now {label}",
                                 f"The idea \u201c{idea.title}\u201d is now {label}."
                                 + (f"\n\n{step.message}" if step.message else "")))
        for update in self.updates:
            if update.idea_id in mine:
                idea = mine[update.idea_id]
                who = update.organisation.name if update.organisation else "The council"
                news.append((update.created_at, "progress_update", idea,
                             f"{idea.title}: progress update",
                             f"{who} posted an update on \u201c{idea.title}\u201d:\n\n"
                             f"{update.body}"))
        for comment, _plan in comments:
            if comment.idea_id not in mine or comment.author_id == resident.id:
                continue
            idea = mine[comment.idea_id]
            if comment.official and comment.author_id == self.moderator.id:
                news.append((comment.created_at, "official_reply", idea,
                             f"The council replied: {idea.title}", comment.body))
            else:
                news.append((comment.created_at, "comment", idea,
                             f"New comment on your idea: {idea.title}",
                             f"{names[comment.author_id]} commented on your idea "
                             f"\u201c{idea.title}\u201d:\n\n{comment.body}"))
        news.sort(key=lambda n: n[0], reverse=True)
        for i, (at, kind, idea, subject, body) in enumerate(news[:8]):
            db.session.add(Notification(
                user_id=resident.id, kind=kind, subject=subject[:200], body=body,
                link=idea_link(idea), idea_id=idea.id, in_app=True, created_at=at,
                read_at=None if i < 4 else at + timedelta(hours=6), email_state="sent",
                email_attempts=1, email_sent_at=at + timedelta(minutes=1)))


_password_hash: str | None = None


def _demo_password_hash() -> str:
    """Hash the demo password once per process: Argon2 is slow on purpose."""
    global _password_hash
    if _password_hash is None:
        from .services.accounts import hash_password

        _password_hash = hash_password(content.PASSWORD)
    return _password_hash


def _email_for(name: str) -> str:
    """"Grace Okafor" -> grace.okafor@example.org"""
    return name.lower().replace(" ", ".").replace("'", "") + "@example.org"
