"""One winner per race: two people changing one idea, claim or outcome at the same moment.

Every thread has its own app context, so its own session and database connection, as two
requests on two gunicorn workers would. The threads load what they act on first, then wait at
a barrier so their writes really overlap; each race runs a few trials. On SQLite and
PostgreSQL alike, exactly one wins and the others get Conflict (HTTP 409) saying what
happened; the timeline, the audit log and the notifications show one change, not several.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from citizenideas.errors import Conflict
from citizenideas.extensions import db
from citizenideas.models import (
    AuditLog,
    Claim,
    Idea,
    Notification,
    Organisation,
    OutcomeReport,
    StatusChange,
    User,
    utcnow,
)
from citizenideas.services import claims, engagement, outcomes, triage
from citizenideas.services import merging as merges
from citizenideas.services.lifecycle import STATUS_LABELS, change_status
from tests.concurrency import Job, race

TRIALS = 3
PLAN = "We will run weekly sessions in the community hall with our volunteers."

def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def status_rows(idea_id: int) -> int:
    return count(StatusChange, StatusChange.idea_id == idea_id, StatusChange.event == "status")


def label(status: str) -> str:
    return str(STATUS_LABELS[status])


def changing(user_id: int, idea_id: int, status: str, message: str = "") -> Job:
    """A moderator who opened the idea and now changes its status."""
    def load():
        user, idea = db.session.get(User, user_id), db.session.get(Idea, idea_id)
        idea.status  # noqa: B018 - loaded, as the moderator's page had it
        return lambda: change_status(user, idea, status, message).to_status
    return load


@pytest.fixture
def people(make):
    """Ids of the people in the races (threads load their own copies)."""
    class People:
        author = make.user(display_name="Ada Author").id
        supporter = make.user().id
        moderators = [make.user(role="moderator").id for _ in range(5)]
        partner = make.user().id
        second_partner = make.user().id

    People.org = make.organisation(members=[(db.session.get(User, People.partner), "manager"),
                                            (db.session.get(User, People.second_partner),
                                             "member")]).id
    db.session.remove()
    return People


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


# ----------------------------------------------------------------------------- status changes

def test_two_moderators_answering_one_idea_at_once_one_wins_and_the_other_gets_409(
        app, make, people):
    m1, m2 = people.moderators[0], people.moderators[1]
    for _trial in range(TRIALS):
        idea = make.idea(author=user(people.author))
        engagement.support_idea(user(people.supporter), idea)
        db.session.commit()
        idea_id = idea.id
        db.session.remove()

        wins, refusals, errors = race(app, [
            changing(m1, idea_id, "accepted"),
            changing(m2, idea_id, "declined", "The council cannot fund this."),
        ])

        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1
        assert isinstance(refusals[0], Conflict) and refusals[0].status == 409
        assert refusals[0].detail == (f"Another moderator changed this idea to "
                                      f"{label(wins[0])} a moment ago.")
        assert db.session.get(Idea, idea_id).status == wins[0]
        assert status_rows(idea_id) == 1
        assert count(AuditLog, AuditLog.action == "idea.status",
                     AuditLog.target_id == idea_id) == 1
        # One set of notifications: the author and the supporter, once each.
        assert count(Notification, Notification.idea_id == idea_id,
                     Notification.kind == "status_change") == 2


def test_a_moderator_answering_from_a_stale_page_is_told_what_changed(app, make, people):
    idea = make.idea(author=user(people.author))
    first, second = (user(m) for m in people.moderators[:2])
    change_status(first, idea, "under_review")
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        change_status(second, idea, "accepted", expected_status="submitted")
    db.session.rollback()

    assert refused.value.detail == ("Another moderator changed this idea to Under review "
                                    "a moment ago.")
    assert idea.status == "under_review" and status_rows(idea.id) == 1


def test_a_moderator_sending_the_status_form_twice_is_told_it_is_done(app, make, people):
    idea = make.idea(author=user(people.author))
    moderator = user(people.moderators[0])
    change_status(moderator, idea, "accepted", expected_status="submitted")
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        change_status(moderator, idea, "declined", "Changed my mind.",
                      expected_status="submitted")
    db.session.rollback()

    assert refused.value.detail == "You already changed this idea to Accepted."
    assert status_rows(idea.id) == 1


def test_bulk_change_racing_a_single_change_changes_each_idea_once(app, make, people):
    m1, m2 = people.moderators[0], people.moderators[1]
    for _trial in range(TRIALS):
        ids = [make.idea(author=user(people.author)).id for _ in range(2)]
        db.session.remove()

        def bulk(ids=ids):
            user = db.session.get(User, m1)
            ideas = list(db.session.scalars(select(Idea).where(Idea.id.in_(ids))))
            for i in ideas:
                i.status  # noqa: B018 - loaded, as the dashboard had it
            return lambda: len(triage.bulk_change_status(user, ideas, "accepted", ""))

        wins, refusals, errors = race(app, [bulk, changing(m2, ids[0], "declined", "No.")])

        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1 and isinstance(refusals[0], Conflict)
        statuses = [db.session.get(Idea, i).status for i in ids]
        if wins[0] == 2:  # the bulk change won: both accepted, the single change refused
            assert statuses == ["accepted", "accepted"]
        else:  # the single change won: the bulk change changed nothing at all
            assert statuses == ["declined", "submitted"]
            assert "a moment ago" in refusals[0].detail
        assert [status_rows(i) for i in ids] == ([1, 1] if wins[0] == 2 else [1, 0])


# ------------------------------------------------------------------------------------ merges

def test_two_moderators_merging_two_ideas_into_each_other_merge_only_one(app, make, people):
    m1, m2 = people.moderators[0], people.moderators[1]
    for _trial in range(TRIALS):
        a, b = make.idea(author=user(people.author)).id, make.idea(author=user(people.author)).id
        db.session.remove()

        def merging(user_id: int, idea_id: int, into_id: int) -> Job:
            def load():
                user = db.session.get(User, user_id)
                idea, into = db.session.get(Idea, idea_id), db.session.get(Idea, into_id)
                return lambda: merges.merge_idea(user, idea, into, "Same idea.").idea_id
            return load

        wins, refusals, errors = race(app, [merging(m1, a, b), merging(m2, b, a)])

        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1 and isinstance(refusals[0], Conflict)
        merged, kept = (a, b) if wins[0] == a else (b, a)
        assert db.session.get(Idea, merged).merged_into_id == kept
        assert db.session.get(Idea, kept).merged_into_id is None
        assert db.session.get(Idea, kept).status == "submitted"
        assert count(StatusChange, StatusChange.event == "merged_in",
                     StatusChange.idea_id.in_([a, b])) == 1


# ------------------------------------------------------------------------------------ claims

def _claim(people, make) -> tuple[int, int]:
    idea = make.idea(author=user(people.author), status="accepted")
    claim = claims.claim_idea(user(people.partner), idea,
                              db.session.get(Organisation, people.org), plan=PLAN)
    db.session.commit()
    ids = idea.id, claim.id
    db.session.remove()
    return ids


def deciding(user_id: int, claim_id: int, decision: str, message: str = "") -> Job:
    def load():
        user, claim = db.session.get(User, user_id), db.session.get(Claim, claim_id)
        claim.status  # noqa: B018 - loaded, as the claim page had it
        return lambda: claims.decide_claim(user, claim, decision, message).status
    return load


def test_five_concurrent_approvals_of_one_claim_approve_it_once(app, make, people):
    for _trial in range(TRIALS):
        idea_id, claim_id = _claim(people, make)

        wins, refusals, errors = race(app, [deciding(m, claim_id, "approve")
                                            for m in people.moderators])

        assert errors == []
        assert wins == ["approved"]
        assert len(refusals) == 4 and all(isinstance(r, Conflict) for r in refusals)
        assert {r.detail for r in refusals} == {
            "Another moderator approved this claim a moment ago."}
        assert count(StatusChange, StatusChange.idea_id == idea_id,
                     StatusChange.to_status == "in_delivery", StatusChange.event == "status") == 1
        assert count(AuditLog, AuditLog.action == "claim.approve",
                     AuditLog.target_id == claim_id) == 1
        assert count(Notification, Notification.kind == "claim_decision",
                     Notification.idea_id == idea_id) == 2  # the organisation's two members
        assert count(Notification, Notification.kind == "status_change",
                     Notification.idea_id == idea_id) == 1  # the author


def test_approving_and_rejecting_one_claim_at_once_decides_it_once(app, make, people):
    for _trial in range(TRIALS):
        idea_id, claim_id = _claim(people, make)

        wins, refusals, errors = race(app, [
            deciding(people.moderators[0], claim_id, "approve"),
            deciding(people.moderators[1], claim_id, "reject", "We need a costed plan."),
        ])

        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1 and isinstance(refusals[0], Conflict)
        verb = "approved" if wins[0] == "approved" else "rejected"
        assert refusals[0].detail == f"Another moderator {verb} this claim a moment ago."
        assert db.session.get(Claim, claim_id).status == wins[0]
        assert count(Notification, Notification.kind == "claim_decision",
                     Notification.idea_id == idea_id) == 2


def test_a_claim_withdrawn_as_a_moderator_approves_it_stays_withdrawn(app, make, people):
    for _trial in range(TRIALS):
        idea_id, claim_id = _claim(people, make)

        def withdrawing(claim_id: int = claim_id) -> Callable[[], object]:
            actor, claim = user(people.partner), db.session.get(Claim, claim_id)
            claim.status  # noqa: B018 - loaded, as the withdraw page had it
            return lambda: claims.withdraw_claim(actor, claim, "We lost our hall.").status

        wins, refusals, errors = race(app, [withdrawing,
                                            deciding(people.moderators[0], claim_id, "approve")])

        assert errors == []
        assert db.session.get(Claim, claim_id).status == "withdrawn"
        if refusals:  # withdrawn first: the approval is refused and says why
            assert wins == ["withdrawn"]
            assert refusals[0].detail.endswith("withdrew this claim a moment ago.")
            assert db.session.get(Idea, idea_id).status == "accepted"
        else:  # approved first, then withdrawn: both happened, in that order, and the
            # idea, delivered by no one now, is back to accepted
            assert sorted(wins) == ["approved", "withdrawn"]
            assert db.session.get(Idea, idea_id).status == "accepted"


def withdrawing(user_id: int, claim_id: int) -> Job:
    """A partner who opened the withdraw page for ``claim_id`` and now confirms."""
    def load():
        actor, claim = user(user_id), db.session.get(Claim, claim_id)
        claim.status  # noqa: B018 - loaded, as the withdraw page had it
        return lambda: claims.withdraw_claim(actor, claim, "We lost our hall.").status
    return load


def test_the_last_two_delivering_partners_withdrawing_at_once_reopen_the_idea_once(
        app, make, people):
    other_id = make.user().id
    other_org_id = make.organisation(members=[(user(other_id), "manager")]).id
    db.session.remove()
    for _trial in range(TRIALS):
        idea_id, first = _claim(people, make)
        second = claims.claim_idea(user(other_id), db.session.get(Idea, idea_id),
                                   db.session.get(Organisation, other_org_id), plan=PLAN)
        for claim in (db.session.get(Claim, first), second):
            claims.decide_claim(user(people.moderators[0]), claim, "approve", "")
        db.session.commit()
        second_id = second.id
        db.session.remove()

        wins, refusals, errors = race(app, [withdrawing(people.partner, first),
                                            withdrawing(other_id, second_id)])

        assert errors == [] and refusals == [] and wins == ["withdrawn", "withdrawn"]
        assert db.session.get(Idea, idea_id).status == "accepted"
        assert count(StatusChange, StatusChange.idea_id == idea_id,
                     StatusChange.event == "status", StatusChange.to_status == "accepted") == 1


def test_a_partner_withdrawing_as_the_outcome_is_published_never_follows_delivered(
        app, make, people):
    moderator = people.moderators[0]
    for _trial in range(TRIALS):
        idea_id, claim_id = _claim(people, make)
        claims.decide_claim(user(moderator), db.session.get(Claim, claim_id), "approve", "")
        report = outcomes.save_outcome_report(
            user(people.partner), db.session.get(Idea, idea_id),
            result="delivered", summary="Weekly sessions ran all summer.", submit=True)
        db.session.commit()
        report_id = report.id
        db.session.remove()

        def publishing(report_id: int = report_id) -> Callable[[], object]:
            actor, found = user(moderator), db.session.get(OutcomeReport, report_id)
            found.state  # noqa: B018 - loaded, as the review page had it
            return lambda: outcomes.publish_outcome(actor, found).state

        wins, refusals, errors = race(app, [publishing,
                                            withdrawing(people.partner, claim_id)])

        assert errors == []
        assert db.session.get(Idea, idea_id).status == "delivered"
        events = list(db.session.scalars(
            select(StatusChange.event).where(StatusChange.idea_id == idea_id)
            .order_by(StatusChange.id)))
        assert events[-1] == "status"  # "Delivered" is the last word on the timeline
        if refusals:  # published first: the record is closed, the withdrawal refused
            assert wins == ["published"]
            assert "record is closed" in refusals[0].detail
            assert db.session.get(Claim, claim_id).status == "approved"
        else:  # withdrawn first (back to accepted), then published from accepted
            assert sorted(wins) == ["published", "withdrawn"]


def test_one_organisation_claiming_one_idea_twice_at_once_leaves_one_open_claim(
        app, make, people):
    for _trial in range(TRIALS):
        idea_id = make.idea(author=user(people.author), status="accepted").id
        db.session.remove()

        def claiming(user_id: int, idea_id: int = idea_id) -> Job:
            def load():
                user, idea = db.session.get(User, user_id), db.session.get(Idea, idea_id)
                org = db.session.get(Organisation, people.org)
                org.name  # noqa: B018 - loaded, as the claim page had it
                return lambda: claims.claim_idea(user, idea, org, plan=PLAN).status
            return load

        # Two members at once, and one of them double-clicking.
        wins, refusals, errors = race(app, [claiming(people.partner),
                                            claiming(people.second_partner),
                                            claiming(people.partner)])

        assert errors == []
        assert wins == ["pending"]
        assert len(refusals) == 2 and all(isinstance(r, Conflict) for r in refusals)
        assert all("has already offered to deliver this idea" in r.detail for r in refusals)
        assert count(Claim, Claim.idea_id == idea_id) == 1


def test_the_database_allows_one_open_claim_per_organisation_and_idea(app, make, people):
    idea = make.idea(author=user(people.author), status="accepted")

    def add(status: str) -> None:
        db.session.add(Claim(idea_id=idea.id, organisation_id=people.org,
                             created_by_id=people.partner, plan=PLAN, status=status,
                             created_at=utcnow()))
        db.session.commit()

    add("rejected")
    add("withdrawn")
    add("pending")
    with pytest.raises(IntegrityError):
        add("pending")
    db.session.rollback()
    with pytest.raises(IntegrityError):
        add("approved")
    db.session.rollback()
    assert count(Claim, Claim.idea_id == idea.id) == 3


def test_a_second_offer_while_one_is_open_is_a_clear_conflict(app, make, people):
    idea_id, _claim_id = _claim(people, make)
    idea = db.session.get(Idea, idea_id)
    org = db.session.get(Organisation, people.org)

    with pytest.raises(Conflict) as refused:
        claims.claim_idea(user(people.second_partner), idea, org,
                          plan=PLAN)
    db.session.rollback()

    assert refused.value.detail == f"{org.name} has already offered to deliver this idea."
    assert count(Claim, Claim.idea_id == idea_id) == 1


# ---------------------------------------------------------------------------------- outcomes

def test_three_moderators_publishing_one_outcome_at_once_publish_it_once(app, make, people):
    moderator = people.moderators[0]
    for _trial in range(TRIALS):
        idea_id, claim_id = _claim(people, make)
        claims.decide_claim(db.session.get(User, moderator), db.session.get(Claim, claim_id),
                            "approve", "")
        report = outcomes.save_outcome_report(
            user(people.partner), db.session.get(Idea, idea_id),
            result="delivered", summary="Weekly sessions ran all summer.", submit=True)
        db.session.commit()
        report_id = report.id
        db.session.remove()

        def publishing(user_id: int, report_id: int = report_id) -> Job:
            def load():
                user = db.session.get(User, user_id)
                found = db.session.get(OutcomeReport, report_id)
                found.state  # noqa: B018 - loaded, as the review page had it
                return lambda: outcomes.publish_outcome(user, found).state
            return load

        wins, refusals, errors = race(app, [publishing(m) for m in people.moderators[:3]])

        assert errors == []
        assert wins == ["published"]
        assert len(refusals) == 2 and {r.detail for r in refusals} == {
            "Another moderator published this outcome a moment ago."}
        assert db.session.get(Idea, idea_id).status == "delivered"
        assert count(StatusChange, StatusChange.idea_id == idea_id,
                     StatusChange.to_status == "delivered") == 1
        assert count(AuditLog, AuditLog.action == "outcome.publish",
                     AuditLog.target_id == report_id) == 1


def test_a_moderator_editing_the_report_as_another_publishes_it_never_unpublishes_it(
        app, make, people):
    moderator = people.moderators[0]
    for _trial in range(TRIALS):
        idea_id, claim_id = _claim(people, make)
        claims.decide_claim(user(moderator), db.session.get(Claim, claim_id), "approve", "")
        report = outcomes.save_outcome_report(
            user(people.partner), db.session.get(Idea, idea_id),
            result="delivered", summary="Weekly sessions ran all summer.", submit=True)
        db.session.commit()
        report_id = report.id
        db.session.remove()

        def publishing(report_id: int = report_id) -> Callable[[], object]:
            actor, found = user(moderator), db.session.get(OutcomeReport, report_id)
            found.state  # noqa: B018 - loaded, as the review page had it
            return lambda: outcomes.publish_outcome(actor, found).state

        def saving(idea_id: int = idea_id) -> Callable[[], object]:
            actor, idea = user(people.moderators[1]), db.session.get(Idea, idea_id)
            idea.status  # noqa: B018 - loaded, as the outcome form had it
            return lambda: outcomes.save_outcome_report(
                actor, idea, result="delivered", summary="Sessions ran all summer long.",
                submit=False).state

        wins, refusals, errors = race(app, [publishing, saving])

        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1 and isinstance(refusals[0], Conflict)
        state = db.session.get(OutcomeReport, report_id).state
        status = db.session.get(Idea, idea_id).status
        assert (state, status) in {("published", "delivered"), ("draft", "in_delivery")}
