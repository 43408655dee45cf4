"""Properties that hold whatever people do, checked with Hypothesis on the real database.

- The idea lifecycle: any sequence of actions, allowed or refused, keeps the public timeline,
  the idea's status, its dates and its counters consistent (a rule-based state machine).
- Support and comment counters equal their rows under any interleaving of add, withdraw,
  hide, merge and account erasure.
- The asset CSV import: every row is imported or reported, never half written.
- Any text that can be stored comes out as valid XML in the Atom feeds and as the same cells in
  the open-data CSV (formula neutralisation kept).
- Paging through the idea list never skips or repeats an idea, whatever the ties in the sort.

Each property builds on the test's own database (emptied after the test); examples add rows
next to each other's, so every check looks at the rows its own example made.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import lxml.etree
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from citizenideas.errors import DomainError
from citizenideas.extensions import db
from citizenideas.input import without_control_characters
from citizenideas.models import (
    STATUSES,
    Claim,
    Comment,
    CommunityAsset,
    Idea,
    Organisation,
    OutcomeReport,
    StatusChange,
    Support,
    User,
    utcnow,
)
from citizenideas.services import (
    asset_import,
    claims,
    engagement,
    ideas,
    lifecycle,
    merging,
    outcomes,
    privacy,
    reports,
    triage,
)
from citizenideas.services import assets as register
from citizenideas.services.lifecycle import DECISIONS, OUTCOME_ONLY, TRANSITIONS
from citizenideas.services.opendata import FORMULA_START
from tests.factories import PASSWORD

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])
PLAN = "We will run it with our volunteers every Saturday morning for a year."


def _attempt(service, *args, **kwargs) -> bool:
    """Run one service call as a request would: commit if it worked, roll back if refused."""
    try:
        service(*args, **kwargs)
    except DomainError:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _timeline(idea_id: int) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(StatusChange.idea_id == idea_id)
                                   .order_by(StatusChange.id)))


def assert_idea_consistent(idea_id: int) -> None:
    """The timeline is a legal walk from submitted that ends at the idea's status; dates and
    counters agree with it and with the rows."""
    db.session.expire_all()
    idea = db.session.get(Idea, idea_id)
    status, statuses_reached = "submitted", []
    for change in _timeline(idea_id):
        assert change.from_status == status, (change.event, change.from_status, status)
        if change.event == "status":
            assert change.to_status in TRANSITIONS[status], (status, change.to_status)
            status = change.to_status
            statuses_reached.append(status)
        else:
            assert change.to_status == status, (change.event, change.to_status, status)
    assert idea.status == status
    assert (idea.decided_at is not None) == any(s in DECISIONS for s in statuses_reached)
    assert (idea.delivered_at is not None) == any(s in OUTCOME_ONLY for s in statuses_reached)
    assert idea.support_count == _count(Support, Support.idea_id == idea_id)
    assert idea.comment_count == _count(Comment, Comment.idea_id == idea_id)
    published = _count(OutcomeReport, OutcomeReport.idea_id == idea_id,
                       OutcomeReport.state == "published")
    assert published == (1 if idea.status in OUTCOME_ONLY else 0)
    assert (idea.merged_into_id is not None) <= (idea.status == "duplicate")


# --- (a) The idea lifecycle ------------------------------------------------------------------


@pytest.fixture
def cast(make):
    """The people who act on ideas: an author, another resident, a moderator, a partner."""
    partner = make.user(email="partner@example.org")
    return {"author": make.user(email="author@example.org"),
            "resident": make.user(email="resident@example.org"),
            "moderator": make.user(role="moderator", email="moderator@example.org"),
            "partner": partner,
            "organisation": make.organisation(members=[(partner, "manager")])}


def test_any_sequence_of_actions_keeps_timeline_status_and_counters_consistent(make, cast):
    people = {key: value.id for key, value in cast.items()}

    class IdeaLifecycle(RuleBasedStateMachine):
        """Moderators, the author, another resident and a partner act on one idea."""

        @initialize()
        def propose(self):
            self.idea_id = make.idea(author=db.session.get(User, people["author"])).id
            self.other_id = make.idea().id  # a target for merging
            self.refused = 0

        def person(self, key: str) -> User:
            return db.session.get(User, people[key])

        @property
        def idea(self) -> Idea:
            return db.session.get(Idea, self.idea_id)

        def act(self, service, *args, **kwargs) -> None:
            before = (self.idea.status, len(_timeline(self.idea_id)))
            if not _attempt(service, *args, **kwargs):
                self.refused += 1
                db.session.expire_all()
                assert (self.idea.status, len(_timeline(self.idea_id))) == before

        # Mostly a moderator moving the idea on, so sequences reach delivery and outcomes;
        # now and then someone who may not, a backwards or forbidden step, or the author
        # withdrawing (an end state).
        @rule(who=st.sampled_from(["moderator"] * 6 + ["author", "resident", "partner"]),
              to=st.sampled_from(["under_review", "accepted", "accepted", "in_delivery",
                                  "in_delivery", "declined", *STATUSES]),
              message=st.sampled_from(["", "Because we can."]))
        def change_status(self, who, to, message):
            if who == "author" and to == "withdrawn":
                self.act(ideas.withdraw_idea, self.person("author"), self.idea, message)
            else:
                self.act(lifecycle.change_status, self.person(who), self.idea, to, message)

        @rule()
        def partner_claims(self):
            organisation = db.session.get(Organisation, people["organisation"])
            self.act(claims.claim_idea, self.person("partner"), self.idea, organisation,
                     plan=PLAN)

        def claims(self, status: str) -> list[Claim]:
            return list(db.session.scalars(select(Claim).where(
                Claim.idea_id == self.idea_id, Claim.status == status)))

        @rule(decision=st.sampled_from(["approve", "reject"]))
        def moderator_decides_claim(self, decision):
            for claim in self.claims("pending")[:1]:
                self.act(claims.decide_claim, self.person("moderator"), claim, decision,
                         "Thank you.")

        @rule()
        def partner_withdraws_claim(self):
            for claim in (self.claims("approved") + self.claims("pending"))[:1]:
                self.act(claims.withdraw_claim, self.person("partner"), claim)

        @rule(who=st.sampled_from(["moderator", "partner"]),
              result=st.sampled_from(["delivered", "partly_delivered", "not_delivered"]))
        def outcome_is_submitted(self, who, result):
            self.act(outcomes.save_outcome_report, self.person(who), self.idea, result=result,
                     summary="What was done, briefly.", submit=True)

        @rule(who=st.sampled_from(["moderator", "partner"]))
        def outcome_is_published(self, who):
            report = db.session.scalar(select(OutcomeReport).where(
                OutcomeReport.idea_id == self.idea_id))
            if report is not None:
                self.act(outcomes.publish_outcome, self.person(who), report)

        @rule(who=st.sampled_from(["resident", "author"]), add=st.booleans())
        def support(self, who, add):
            service = engagement.support_idea if add else engagement.withdraw_support
            self.act(service, self.person(who), self.idea)

        @rule(who=st.sampled_from(["resident", "moderator"]))
        def comment(self, who):
            if who == "moderator":
                self.act(triage.post_official_reply, self.person(who), self.idea,
                         "The council's answer.")
            else:
                self.act(engagement.post_comment, self.person(who), self.idea, "Yes!")

        @rule(action=st.sampled_from(["hide", "unhide", "unhide", "merge"]))
        def moderator_hides_or_merges(self, action):
            moderator = self.person("moderator")
            if action == "hide":
                self.act(reports.hide_idea, moderator, self.idea, "Abuse")
            elif action == "unhide":
                self.act(reports.unhide_idea, moderator, self.idea)
            elif self.idea.merged_into_id is None:
                self.act(merging.merge_idea, moderator, self.idea,
                         db.session.get(Idea, self.other_id), "Same idea as this one.")

        @invariant()
        def timeline_status_and_counters_agree(self):
            assert_idea_consistent(self.idea_id)
            assert_idea_consistent(self.other_id)

    run_state_machine_as_test(IdeaLifecycle, settings=settings(
        max_examples=20, stateful_step_count=40, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))


# --- (b) Counters under any interleaving -----------------------------------------------------

COUNTER_ACTIONS = st.lists(st.tuples(
    st.sampled_from(["support", "withdraw", "comment", "reply", "hide_comment",
                     "unhide_comment", "merge", "erase"]),
    st.integers(min_value=0, max_value=3),   # which resident
    st.integers(min_value=0, max_value=1)),  # which idea
    min_size=1, max_size=30)


@PROPERTY_SETTINGS
@given(actions=COUNTER_ACTIONS)
def test_support_and_comment_counters_equal_their_rows_under_any_interleaving(make, actions):
    moderator = make.user(role="moderator")
    residents = [make.user() for _ in range(4)]
    pair = [make.idea(), make.idea()]
    for verb, who, which in actions:
        person, idea = residents[who], db.session.get(Idea, pair[which].id)
        other = db.session.get(Idea, pair[1 - which].id)
        comments = list(db.session.scalars(select(Comment).where(Comment.idea_id == idea.id)))
        if verb == "support":
            _attempt(engagement.support_idea, person, idea)
        elif verb == "withdraw":
            _attempt(engagement.withdraw_support, person, idea)
        elif verb == "comment":
            _attempt(engagement.post_comment, person, idea, "Count me in.")
        elif verb == "reply":
            _attempt(triage.post_official_reply, moderator, idea, "Noted.")
        elif verb in ("hide_comment", "unhide_comment") and comments:
            comment = comments[who % len(comments)]
            if verb == "hide_comment":
                _attempt(reports.hide_comment, moderator, comment, "Rude")
            else:
                _attempt(reports.unhide_comment, moderator, comment)
        elif verb == "merge":
            _attempt(merging.merge_idea, moderator, idea, other, "The same idea.")
        elif verb == "erase" and person.deleted_at is None:
            _attempt(privacy.erase_account, person, password=PASSWORD)
        for each in pair:
            db.session.expire_all()
            fresh = db.session.get(Idea, each.id)
            assert fresh.support_count == _count(Support, Support.idea_id == each.id), verb
            assert fresh.comment_count == _count(Comment, Comment.idea_id == each.id), verb


# --- (c) The asset CSV import ----------------------------------------------------------------

CELL = st.one_of(st.text(max_size=12), st.sampled_from([
    "", "hall", "Community centre", "park", "castle", "council_run", "Community run", "owned",
    "DB1 1AA", "not a postcode", "51.5", "-200", "x", "Freehold", "L" * 41, "N" * 201]))
UPRN_CELL = st.one_of(st.integers(min_value=1, max_value=40).map(str),
                      st.sampled_from(["", "abc", "1234567890123", " 7 "]))
ROW = st.tuples(UPRN_CELL, CELL, CELL, CELL, CELL, CELL, CELL, CELL, CELL, CELL)
HEADER = ["UPRN", "Asset name", "Street", "Town", "Postcode", "Tenure", "Kind",
          "Community status", "Latitude", "Longitude"]


@PROPERTY_SETTINGS
@given(rows=st.lists(ROW, min_size=1, max_size=8), valid_only=st.booleans(),
       ending=st.sampled_from(["\n", "\r\n", "\r"]))
def test_every_imported_row_is_imported_whole_or_reported(make, rows, valid_only, ending):
    moderator = make.user(role="moderator")
    buffer = io.StringIO()
    # As a spreadsheet saves it: a cell with a line break in it is quoted, whatever the line
    # ending (csv.writer alone quotes only the characters of its own line terminator).
    csv.writer(buffer, lineterminator=ending, quoting=csv.QUOTE_ALL if ending != "\r\n"
               else csv.QUOTE_MINIMAL).writerows([HEADER, *rows])
    before = {a.uprn: (a.name, a.kind) for a in db.session.scalars(select(CommunityAsset))}
    report = asset_import.import_assets_csv(moderator, buffer.getvalue(),
                                            import_valid_only=valid_only)
    if report.imported:
        db.session.commit()
    else:
        db.session.rollback()
    db.session.expire_all()
    assert report.problem is None
    reported = {number for number, _reasons in report.errors}
    non_blank = [n for n, row in enumerate(rows, start=2) if any(c.strip() for c in row)]
    # Every row is valid or reported (not both); blank rows are skipped.
    assert report.rows == len(non_blank) and report.valid + len(reported) == report.rows
    assert reported <= set(non_blank)
    after = {a.uprn: a for a in db.session.scalars(select(CommunityAsset))}
    if not report.imported:
        assert {u: (a.name, a.kind) for u, a in after.items()} == before
        return
    for number in non_blank:
        # Control characters are dropped; line breaks inside a cell read as "\n".
        uprn, name, street, town, postcode, tenure, kind, status, lat, lon = (
            without_control_characters(cell.replace("\r\n", "\n").replace("\r", "\n"))
            .strip() for cell in rows[number - 2])
        if number in reported:
            continue
        asset = after[uprn]  # a valid row is in the register, whole
        assert asset.name == name
        assert asset.kind == register._choice(kind, register.ASSET_KINDS)
        assert asset.community_status == register._choice(status, register.COMMUNITY_STATUSES)
        assert asset.postcode == register.normalise_postcode(postcode)
        assert asset.tenure == (tenure or None)
    for uprn, asset in after.items():  # nothing half written: every asset is whole
        assert asset.name and asset.kind and asset.community_status, uprn


# --- (d) Stored text in the feeds and the open-data CSV --------------------------------------


def _storable_text(min_size: int):
    # PostgreSQL text cannot hold NUL; anything else a resident could get into a row.
    return st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                   min_size=min_size, max_size=60).filter(lambda t: t.strip())


def _xml_text(value: str) -> str:
    """What an XML 1.0 document can carry of ``value``."""
    return "".join(ch for ch in value if ch in "\t\n\r" or "\x20" <= ch <= "\ud7ff"
                   or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000")


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_TEST_ERRORS"] = False


@PROPERTY_SETTINGS
@given(title=_storable_text(1), description=_storable_text(1), message=_storable_text(1))
def test_any_stored_text_comes_out_as_valid_atom(client, make, no_propagation, title,
                                                 description, message):
    moderator = make.user(role="moderator")
    idea = make.idea(title=title, description=description)
    db.session.add(StatusChange(idea_id=idea.id, event="status", from_status="submitted",
                                to_status="declined", actor_id=moderator.id, message=message,
                                created_at=utcnow()))
    db.session.add(OutcomeReport(idea_id=idea.id, result="delivered", summary=message,
                                 state="published", published_at=utcnow(),
                                 author_id=moderator.id, created_at=utcnow()))
    db.session.commit()
    atom = "{http://www.w3.org/2005/Atom}"
    for path, wanted in (("/feeds/ideas.atom", title), ("/feeds/status-changes.atom", title),
                         ("/feeds/outcomes.atom", title)):
        response = client.get(path)
        assert response.status_code == 200, path
        feed = lxml.etree.fromstring(response.data)  # strict XML: raises if not well formed
        titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
        assert any(_xml_text(wanted).strip() in (t or "") for t in titles), path


@PROPERTY_SETTINGS
@given(title=_storable_text(1), description=_storable_text(1))
def test_any_stored_text_comes_out_as_the_same_open_data_csv_cells(client, make, title,
                                                                   description):
    idea = make.idea(title=title, description=description)
    response = client.get("/ideas.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    row = next(r for r in rows if r["reference"] == idea.reference)
    for stored, cell in ((title, row["title"]), (description, row["description"])):
        if stored.startswith(FORMULA_START):
            assert cell == "'" + stored  # a spreadsheet will not run it as a formula
        else:
            assert cell == stored


# --- (e) Paging never skips or repeats -------------------------------------------------------


@PROPERTY_SETTINGS
@given(ideas_made=st.lists(st.tuples(st.integers(min_value=0, max_value=3),
                                     st.integers(min_value=0, max_value=2)),
                           min_size=1, max_size=14),
       sort=st.sampled_from(["supports", "newest", "updated"]),
       per_page=st.integers(min_value=1, max_value=5))
def test_paging_through_ideas_shows_each_exactly_once(make, ideas_made, sort, per_page):
    db.session.execute(Idea.__table__.update().values(status="withdrawn"))  # earlier examples'
    db.session.commit()
    moment = utcnow().replace(microsecond=0)
    made = set()
    for supports, minutes in ideas_made:  # many ties in supports and in time
        when = moment - timedelta(minutes=minutes)
        idea = make.idea(created_at=when, support_count=supports)
        made.add(idea.id)
    seen, page = [], 1
    while True:
        items, total = ideas.search_ideas(None, sort=sort, page=page, per_page=per_page)
        assert total == len(made)
        if not items:
            break
        seen += [i.id for i in items]
        page += 1
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
