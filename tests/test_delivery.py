"""Delivering ideas: claims, co-delivery, progress, volunteers, outcome reports, publishing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import AuthRequired, Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import (
    AuditLog,
    Claim,
    Follow,
    Notification,
    OutcomeReport,
    Pledge,
    ProgressUpdate,
    StatusChange,
    utcnow,
)
from citizenideas.services import claims, delivery_lists, outcomes

PLAN = "We will run weekly sessions in the community hall with our volunteers."


@pytest.fixture
def world(make):
    """An accepted idea, a moderator, and a verified organisation with a manager."""
    class World:
        pass

    w = World()
    w.author = make.user(display_name="Ada")
    w.moderator = make.user(role="moderator")
    w.partner = make.user(email="partner@example.org")
    w.org = make.organisation(name="Elm Park Friends", members=[(w.partner, "manager")])
    w.idea = make.idea(author=w.author, status="accepted")
    return w


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _approved(world, make=None, org=None, user=None):
    claim = claims.claim_idea(user or world.partner, world.idea, org or world.org, plan=PLAN)
    claims.decide_claim(world.moderator, claim, "approve", "")
    db.session.commit()
    return claim


# ----------------------------------------------------------------------------------- claims

def test_a_member_claims_an_accepted_idea_with_a_plan_and_dates(world):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN,
                              expected_start="2027-3-1", expected_end=date(2027, 9, 30))
    db.session.commit()
    assert claim.status == "pending"
    assert (claim.expected_start, claim.expected_end) == (date(2027, 3, 1), date(2027, 9, 30))
    assert world.idea.status == "accepted"


@pytest.mark.parametrize("plan, start, end, field", [
    ("", None, None, "plan"),
    ("Too short plan", None, None, "plan"),
    ("x" * 5001, None, None, "plan"),
    (PLAN, "2027-2-30", None, "expected_start"),
    (PLAN, "2027-x-1", None, "expected_start"),
    (PLAN, None, "1899-1-1", "expected_end"),
    (PLAN, "2027-9-1", "2027-8-31", "expected_end"),
])
def test_bad_claims_get_field_errors_and_nothing_is_written(world, plan, start, end, field):
    with pytest.raises(ValidationFailed) as exc:
        claims.claim_idea(world.partner, world.idea, world.org, plan=plan,
                          expected_start=start, expected_end=end)
    db.session.rollback()
    assert field in exc.value.errors
    assert _count(Claim) == 0


@pytest.mark.parametrize("status", ["submitted", "under_review", "declined", "delivered"])
def test_only_accepted_or_in_delivery_ideas_can_be_claimed(world, make, status):
    idea = make.idea(status=status)
    with pytest.raises(Conflict):
        claims.claim_idea(world.partner, idea, world.org, plan=PLAN)
    assert _count(Claim) == 0


def test_an_unverified_organisation_cannot_claim(world, make):
    org = make.organisation(verified=False, members=[(world.partner, "manager")])
    with pytest.raises(NotAllowed) as exc:
        claims.claim_idea(world.partner, world.idea, org, plan=PLAN)
    assert "verified" in exc.value.detail
    assert _count(Claim) == 0


def test_a_non_member_cannot_claim_for_an_organisation(world, make):
    with pytest.raises(NotAllowed):
        claims.claim_idea(make.user(), world.idea, world.org, plan=PLAN)
    with pytest.raises(NotAllowed):
        claims.claim_idea(world.moderator, world.idea, world.org, plan=PLAN)
    assert _count(Claim) == 0


def test_an_organisation_cannot_claim_the_same_idea_twice(world):
    claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    db.session.commit()
    with pytest.raises(Conflict):
        claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    db.session.rollback()
    assert _count(Claim) == 1


def test_approving_a_claim_moves_the_idea_into_delivery_and_tells_everyone(world, make):
    follower = make.user()
    db.session.add(Follow(user_id=follower.id, idea_id=world.idea.id))
    db.session.commit()
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    claims.decide_claim(world.moderator, claim, "approve", "Thank you for offering.")
    db.session.commit()
    assert claim.status == "approved" and claim.decided_by_id == world.moderator.id
    assert world.idea.status == "in_delivery"
    change = world.idea.timeline[-1]
    assert (change.from_status, change.to_status) == ("accepted", "in_delivery")
    assert "Elm Park Friends will deliver this idea." in change.message
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (world.partner.id, "claim_decision") in kinds
    assert (follower.id, "status_change") in kinds and (world.author.id, "status_change") in kinds
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_type == "Claim")) \
        == "claim.approve"


def test_a_second_organisation_co_delivers_with_a_timeline_event(world, make):
    _approved(world)
    other_member = make.user()
    other = make.organisation(name="Hall Trust", members=[(other_member, "manager")])
    claim = claims.claim_idea(other_member, world.idea, other, plan=PLAN)
    claims.decide_claim(world.moderator, claim, "approve", "")
    db.session.commit()
    assert world.idea.status == "in_delivery"
    events = [e.event for e in world.idea.timeline]
    assert events == ["status", "claim_approved"]
    assert "Hall Trust will also help deliver" in world.idea.timeline[-1].message
    assert [o.name for o in delivery_lists.idea_delivery(world.idea)["organisations"]] == [
        "Elm Park Friends", "Hall Trust"]


def test_rejecting_needs_a_reason_and_leaves_the_idea_alone(world):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        claims.decide_claim(world.moderator, claim, "reject", "  ")
    assert "message" in exc.value.errors
    db.session.rollback()
    claims.decide_claim(world.moderator, claim, "reject", "Another group is better placed.")
    db.session.commit()
    assert claim.status == "rejected" and world.idea.status == "accepted"
    note = db.session.scalar(select(Notification).where(Notification.kind == "claim_decision"))
    assert "Another group is better placed." in note.body
    with pytest.raises(Conflict):
        claims.decide_claim(world.moderator, claim, "approve", "")


def test_a_claim_from_an_organisation_unverified_since_cannot_be_approved(world):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    world.org.verified_at = None
    db.session.commit()
    with pytest.raises(Conflict):
        claims.decide_claim(world.moderator, claim, "approve", "")
    db.session.rollback()
    assert claim.status == "pending" and world.idea.status == "accepted"


def test_only_moderators_decide_claims(world):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    db.session.commit()
    with pytest.raises(NotAllowed):
        claims.decide_claim(world.partner, claim, "approve", "")
    with pytest.raises(ValidationFailed):
        claims.decide_claim(world.moderator, claim, "maybe", "")
    assert claim.status == "pending"


def test_an_organisation_withdraws_its_claim_on_the_timeline(world, make):
    claim = _approved(world)
    with pytest.raises(NotAllowed):
        claims.withdraw_claim(make.user(), claim)
    claims.withdraw_claim(world.partner, claim, "Our funding fell through.")
    db.session.commit()
    assert claim.status == "withdrawn"
    withdrawn = [e for e in world.idea.timeline if e.event == "claim_withdrawn"]
    assert len(withdrawn) == 1 and "Our funding fell through." in withdrawn[0].message
    with pytest.raises(Conflict):
        claims.withdraw_claim(world.partner, claim)


BACK_TO_ACCEPTED = ("The partner delivering this idea has stopped. The idea is open for "
                    "another partner to claim.")


def test_withdrawing_the_only_approved_claim_puts_the_idea_back_to_accepted_and_tells_everyone(
        world, make):
    follower = make.user()
    db.session.add(Follow(user_id=follower.id, idea_id=world.idea.id))
    claim = _approved(world)
    assert world.idea.status == "in_delivery"
    claims.withdraw_claim(world.partner, claim, "Our funding fell through.")
    db.session.commit()
    assert world.idea.status == "accepted"
    withdrawn, back = world.idea.timeline[-2:]
    assert withdrawn.event == "claim_withdrawn"
    assert (back.event, back.from_status, back.to_status) == ("status", "in_delivery", "accepted")
    assert back.message == BACK_TO_ACCEPTED and back.actor_id == world.partner.id
    told = db.session.scalars(select(Notification.subject).where(
        Notification.user_id.in_([follower.id, world.author.id]),
        Notification.kind == "status_change", Notification.body.contains(BACK_TO_ACCEPTED)))
    assert len(list(told)) == 2
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "idea.status",
                                                     AuditLog.target_id == world.idea.id)
                              .order_by(AuditLog.id.desc()).limit(1))
    assert audit.actor_id == world.partner.id
    assert (audit.before["status"], audit.after["status"]) == ("in_delivery", "accepted")


def test_an_idea_back_to_accepted_can_be_claimed_and_delivered_by_another_partner(world, make):
    claims.withdraw_claim(world.partner, _approved(world))
    db.session.commit()
    other_member = make.user()
    other = make.organisation(name="Hall Trust", members=[(other_member, "manager")])
    _approved(world, org=other, user=other_member)
    assert world.idea.status == "in_delivery"
    assert [(e.from_status, e.to_status) for e in world.idea.timeline if e.event == "status"] == [
        ("accepted", "in_delivery"), ("in_delivery", "accepted"), ("accepted", "in_delivery")]


def test_a_co_delivered_idea_stays_in_delivery_until_the_last_partner_withdraws(world, make):
    first = _approved(world)
    other_member = make.user()
    other = make.organisation(name="Hall Trust", members=[(other_member, "manager")])
    second = _approved(world, org=other, user=other_member)
    claims.withdraw_claim(world.partner, first)
    db.session.commit()
    assert world.idea.status == "in_delivery"
    assert world.idea.timeline[-1].event == "claim_withdrawn"
    claims.withdraw_claim(other_member, second)
    db.session.commit()
    assert world.idea.status == "accepted"
    assert world.idea.timeline[-1].message == BACK_TO_ACCEPTED


def test_withdrawing_a_pending_offer_leaves_a_delivered_by_another_idea_in_delivery(world, make):
    _approved(world)
    other_member = make.user()
    other = make.organisation(name="Hall Trust", members=[(other_member, "manager")])
    pending = claims.claim_idea(other_member, world.idea, other, plan=PLAN)
    db.session.commit()
    claims.withdraw_claim(other_member, pending)
    db.session.commit()
    assert world.idea.status == "in_delivery"


@pytest.mark.parametrize("result, closed", [("delivered", "delivered"),
                                            ("partly_delivered", "partly_delivered"),
                                            ("not_delivered", "not_delivered")])
def test_a_partner_cannot_withdraw_from_an_idea_whose_outcome_is_published(world, result,
                                                                           closed):
    claim = _approved(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True,
                                          **{**GOOD, "result": result})
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    timeline = len(world.idea.timeline)
    with pytest.raises(Conflict) as exc:
        claims.withdraw_claim(world.partner, claim, "Changed our minds.")
    db.session.rollback()
    assert "outcome" in exc.value.detail and "closed" in exc.value.detail
    assert claim.status == "approved" and world.idea.status == closed
    assert len(world.idea.timeline) == timeline


def test_a_pending_offer_withdrawn_after_the_outcome_leaves_the_public_record_alone(world, make):
    """An offer that was never approved was never public: withdrawing it, even after the
    idea is delivered, tidies the partner's list without adding to the closed timeline."""
    _approved(world)
    other_member = make.user()
    other = make.organisation(name="Hall Trust", members=[(other_member, "manager")])
    pending = claims.claim_idea(other_member, world.idea, other, plan=PLAN)
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True, **GOOD)
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    timeline = [(e.event, e.message) for e in world.idea.timeline]
    claims.withdraw_claim(other_member, pending, "Someone got there first.")
    db.session.commit()
    assert pending.status == "withdrawn" and world.idea.status == "delivered"
    assert [(e.event, e.message) for e in world.idea.timeline] == timeline


# -------------------------------------------------------------------------------- progress

def test_a_delivering_partner_posts_public_progress_and_the_audience_hears(world):
    _approved(world)
    update = outcomes.post_progress_update(world.partner, world.idea,
                                           "We planted the first twenty trees.")
    db.session.commit()
    assert update.organisation_id == world.org.id
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == world.author.id, Notification.kind == "progress_update"))


def test_progress_from_an_organisation_that_does_not_deliver_is_refused(world, make):
    outsider = make.user()
    other = make.organisation(members=[(outsider, "manager")])
    with pytest.raises(NotAllowed):
        outcomes.post_progress_update(outsider, world.idea, "We did some work here.")
    with pytest.raises(NotAllowed):
        outcomes.post_progress_update(outsider, world.idea, "We did some work here.", other)
    with pytest.raises(NotAllowed):
        outcomes.post_progress_update(world.author, world.idea, "We did some work here.")
    _approved(world)
    with pytest.raises(ValidationFailed):
        outcomes.post_progress_update(world.partner, world.idea, "")
    db.session.rollback()
    assert _count(ProgressUpdate) == 0


def test_the_dashboard_lists_overdue_updates_after_thirty_days(world, app):
    claim = _approved(world)
    assert delivery_lists.partner_dashboard(world.partner)["overdue"] == []
    claim.decided_at = utcnow() - timedelta(days=31)
    db.session.commit()
    data = delivery_lists.partner_dashboard(world.partner)
    assert [c.id for c, _since in data["overdue"]] == [claim.id]
    outcomes.post_progress_update(world.partner, world.idea, "Still going well, thank you.")
    db.session.commit()
    assert delivery_lists.partner_dashboard(world.partner)["overdue"] == []


# ------------------------------------------------------------------------------ volunteers

def test_a_delivering_partner_messages_a_volunteer_with_reply_to_the_organisation(world, make):
    volunteer = make.user(email="vol@example.org", display_name="Val")
    pledge = Pledge(idea_id=world.idea.id, user_id=volunteer.id, kind="time",
                    message="Two hours on Saturdays", hours=2)
    db.session.add(pledge)
    db.session.commit()
    with pytest.raises(NotAllowed):
        claims.message_pledger(world.partner, pledge, world.org, "Hello")
    _approved(world)
    note = claims.message_pledger(world.partner, pledge, world.org, "Can you come at 10?")
    db.session.commit()
    assert note.user_id == volunteer.id and note.reply_to == world.org.contact_email
    assert [p.user.display_name for p in delivery_lists.volunteers(world.idea)] == ["Val"]


# -------------------------------------------------------------------------------- outcomes

GOOD = {"result": "delivered", "summary": "Twenty trees planted along Elm Road.",
        "people_reached": "350", "volunteer_hours": "120.5", "spend_pounds": "£1,250.50",
        "funding_source": "Ward grant", "story": "Neighbours came out with spades.",
        "lessons": "Order trees early."}


def test_a_partner_saves_a_draft_then_submits_and_the_figures_are_stored(world):
    _approved(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, result=None,
                                          summary="", people_reached="12")
    db.session.commit()
    assert report.state == "draft" and report.people_reached == 12
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True, **GOOD)
    db.session.commit()
    assert report.state == "submitted" and report.submitted_at is not None
    assert report.spend_pence == 125050 and float(report.volunteer_hours) == 120.5
    assert report.organisation_id == world.org.id
    with pytest.raises(Conflict):
        outcomes.save_outcome_report(world.partner, world.idea, **GOOD)


@pytest.mark.parametrize("field, value", [
    ("people_reached", "-1"), ("people_reached", "1000001"), ("people_reached", "12.5"),
    ("people_reached", "lots"), ("volunteer_hours", "-3"), ("volunteer_hours", "1e9"),
    ("volunteer_hours", "NaN"), ("spend_pounds", "-0.01"), ("spend_pounds", "10000000.01"),
    ("spend_pounds", "12.345"), ("result", "brilliant"), ("summary", ""),
    ("funding_source", "x" * 201),
])
def test_absurd_or_negative_figures_get_field_errors_and_nothing_is_written(world, field,
                                                                              value):
    _approved(world)
    with pytest.raises(ValidationFailed) as exc:
        outcomes.save_outcome_report(world.partner, world.idea, submit=True,
                                     **{**GOOD, field: value})
    db.session.rollback()
    assert field in exc.value.errors
    assert _count(OutcomeReport) == 0


def test_an_outcome_for_an_idea_the_organisation_does_not_deliver_is_refused(world, make):
    with pytest.raises(NotAllowed):
        outcomes.save_outcome_report(world.partner, world.idea, **GOOD)
    with pytest.raises(AuthRequired):
        outcomes.save_outcome_report(None, world.idea, **GOOD)
    assert _count(OutcomeReport) == 0


def test_a_moderator_returns_a_report_with_a_note_and_the_partner_resubmits(world):
    _approved(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True, **GOOD)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        outcomes.return_outcome_report(world.moderator, report, "")
    db.session.rollback()
    outcomes.return_outcome_report(world.moderator, report, "Please add the spend breakdown.")
    db.session.commit()
    assert report.state == "returned"
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == world.partner.id, Notification.kind == "outcome_returned"))
    outcomes.save_outcome_report(world.partner, world.idea, submit=True, **GOOD)
    db.session.commit()
    assert report.state == "submitted"


def test_publishing_makes_the_idea_delivered_once_and_tells_followers(world, make):
    follower = make.user()
    db.session.add(Follow(user_id=follower.id, idea_id=world.idea.id))
    _approved(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True, **GOOD)
    db.session.commit()
    with pytest.raises(NotAllowed):
        outcomes.publish_outcome(world.partner, report)
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    assert report.state == "published" and report.published_at is not None
    assert world.idea.status == "delivered" and world.idea.delivered_at is not None
    change = world.idea.timeline[-1]
    assert change.to_status == "delivered" and change.message == GOOD["summary"]
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == follower.id, Notification.kind == "status_change",
        Notification.subject.contains("now Delivered")))  # the label, case-sensitive on PG
    with pytest.raises(Conflict):
        outcomes.publish_outcome(world.moderator, report)
    db.session.rollback()
    assert _count(StatusChange) == 2
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"claim.approve", "outcome.publish", "idea.status"} <= actions


def test_a_not_delivered_outcome_makes_the_idea_not_delivered(world):
    _approved(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, submit=True,
                                          **{**GOOD, "result": "not_delivered"})
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    assert world.idea.status == "not_delivered"


def test_a_draft_cannot_be_published(world):
    _approved(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, **GOOD)
    db.session.commit()
    with pytest.raises(Conflict):
        outcomes.publish_outcome(world.moderator, report)
    assert world.idea.status == "in_delivery"


def test_the_council_writes_and_publishes_an_outcome_without_a_partner(world):
    report = outcomes.save_outcome_report(world.moderator, world.idea, submit=True,
                                          **{**GOOD, "result": "partly_delivered"})
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    assert report.organisation_id is None
    assert world.idea.status == "partly_delivered"
    assert [e.to_status for e in world.idea.timeline] == ["partly_delivered"]
