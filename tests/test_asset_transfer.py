"""Community asset transfer requests: who may ask, move, withdraw, ask and answer; which
stages follow which, with public reasons and terms; the asset's status and operator follow
from the records (with a timeline entry), and put back when the last open request ends
without a transfer; one mover wins a race on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from citizenideas.errors import AuthRequired, Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import (
    AssetEvent,
    AuditLog,
    Notification,
    TransferRequest,
    TransferStageChange,
    User,
    utcnow,
)
from citizenideas.services import asset_timeline
from citizenideas.services import asset_transfer as transfers
from citizenideas.services import asset_transfer_lists as transfer_lists
from citizenideas.services import asset_transfer_questions as transfer_questions
from citizenideas.services import assets as register

from .concurrency import race

FIELDS = dict(
    proposed_use="A community hub with a café, a library corner and rooms for local groups.",
    beneficiaries="Families, older people and the groups that meet in the ward.",
    commitment_opening_hours="Open six days a week, 9am to 9pm.",
    commitment_prices="Free entry; rooms at half the council's current rates.",
    commitment_accessibility="Step-free entrance, a hearing loop and an accessible toilet.",
    capacity_people="Four trustees, two paid staff and thirty volunteers.",
    capacity_money="£40,000 in reserves and a three-year grant from the lottery.",
    capacity_experience="We have run the youth club next door for ten years.",
)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(make):
    class World:
        staff = make.user(role="moderator")
        other_staff = make.user(role="moderator")
        member = make.user()
        colleague = make.user()
        resident = make.user()
        outsider = make.user()
        follower = make.user()
    World.org = make.organisation(name="St Anne's Trust",
                                  members=[(World.member, "manager"),
                                           (World.colleague, "member")])
    World.other_org = make.organisation(name="Other Trust", members=[(World.outsider, "member")])
    World.asset = make.asset(name="St Anne's Hall", kind="hall")
    asset_timeline.follow_asset(World.follower, World.asset)
    db.session.commit()
    return World


def submit(w, **extra) -> TransferRequest:
    request = transfers.submit_transfer_request(w.member, w.asset, w.org, **(FIELDS | extra))
    db.session.commit()
    return request


def move(w, request, *stages):
    for stage in stages:
        message = "The council's reason." if stage in ("approved", "declined") else ""
        kwargs = {}
        if stage == "transferred":
            kwargs = {"terms": "A 25-year lease at a peppercorn rent.",
                      "transferred_on": utcnow().date().isoformat()}
        transfers.move_transfer_stage(w.staff, request, stage, message, **kwargs)
        db.session.commit()
    return request


# --- asking ---------------------------------------------------------------------------------

def test_a_verified_organisations_member_asks_and_the_asset_becomes_transfer_proposed(
        world, make):
    idea = make.idea(title="A hub for St Anne's")
    request = submit(world, ideas=[idea.reference.lower(), str(idea.id)])
    assert request.stage == "received" and request.status_before == "council_run"
    assert [i.id for i in request.ideas] == [idea.id]
    assert world.asset.community_status == "transfer_proposed"
    [change] = request.stages
    assert (change.from_stage, change.to_stage) == (None, "received")
    [event] = asset_timeline.asset_timeline(world.asset).items
    assert event.event == "transfer_requested" and event.transfer_request_id == request.id
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "transfer_requested")))
    # The followers and the organisation's members, not the person who asked.
    assert told == {world.follower.id, world.colleague.id}


def test_residents_and_other_organisations_cannot_ask_for_an_organisation(world, make):
    for person in (world.resident, world.outsider, world.staff):
        with pytest.raises(NotAllowed):
            transfers.submit_transfer_request(person, world.asset, world.org, **FIELDS)
    unverified = make.organisation(verified=False, members=[(world.resident, "manager")])
    with pytest.raises(NotAllowed):
        transfers.submit_transfer_request(world.resident, world.asset, unverified, **FIELDS)
    with pytest.raises(AuthRequired):
        transfers.submit_transfer_request(None, world.asset, world.org, **FIELDS)
    assert count(TransferRequest) == 0 and world.asset.community_status == "council_run"


def test_every_missing_field_and_unknown_idea_is_named(world):
    with pytest.raises(ValidationFailed) as failed:
        transfers.submit_transfer_request(world.member, world.asset, world.org,
                                          proposed_use="Too short", ideas="DB-1999-0001 77777")
    errors = failed.value.errors
    assert set(errors) == {key for key, *_rest in transfers.TEXT_FIELDS} | {"ideas"}
    assert errors["proposed_use"] == [
        "What you will do with the place must be at least 20 characters."]
    assert "DB-1999-0001, 77777" in errors["ideas"][0]
    assert count(TransferRequest) == 0


def test_an_organisation_has_one_open_request_per_place(world):
    submit(world)
    with pytest.raises(Conflict):
        submit(world)


# --- stages ---------------------------------------------------------------------------------

def test_only_staff_move_a_request_and_only_to_an_allowed_stage(world):
    request = submit(world)
    for person in (world.resident, world.member, world.outsider):
        with pytest.raises(NotAllowed):
            transfers.move_transfer_stage(person, request, "under_assessment")
    with pytest.raises(Conflict) as refused:
        transfers.move_transfer_stage(world.staff, request, "transferred", "",
                                      terms="A lease.", transferred_on="2026-01-01")
    assert refused.value.detail == "A request at Received cannot move to Transferred."
    with pytest.raises(ValidationFailed) as failed:
        transfers.move_transfer_stage(world.staff, request, "sold")
    assert set(failed.value.errors) == {"stage"}
    assert request.stage == "received"


@pytest.mark.parametrize("stage", ["approved", "declined"])
def test_a_decision_needs_a_public_reason(world, stage):
    request = move(world, submit(world), "under_assessment")
    with pytest.raises(ValidationFailed) as failed:
        transfers.move_transfer_stage(world.staff, request, stage, "   ")
    assert failed.value.errors == {
        "message": ["Enter the reason for the decision: it is published."]}
    transfers.move_transfer_stage(world.staff, request, stage, "It meets the policy.")
    db.session.commit()
    assert request.decision_reason == "It meets the policy." and request.decided_at is not None
    assert request.stages[-1].message == "It meets the policy."
    assert count(AuditLog, AuditLog.action == "transfer.stage") == 2


def test_a_transfer_needs_terms_and_a_past_date(world):
    request = move(world, submit(world), "under_assessment", "approved")
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as failed:
        transfers.move_transfer_stage(world.staff, request, "transferred", "",
                                      terms="", transferred_on=tomorrow)
    assert set(failed.value.errors) == {"terms", "transferred_on"}
    with pytest.raises(ValidationFailed) as failed:
        transfers.move_transfer_stage(world.staff, request, "transferred", "",
                                      terms="A lease.", transferred_on="31-02-2026")
    assert set(failed.value.errors) == {"transferred_on"}


def test_a_transfer_sets_the_status_and_operator_with_a_timeline_entry(world):
    request = move(world, submit(world), "under_assessment", "business_case_requested",
                   "approved", "transferred")
    asset = world.asset
    assert request.stage == "transferred" and request.transferred_on == utcnow().date()
    assert request.terms == "A 25-year lease at a peppercorn rent."
    assert asset.community_status == "transferred"
    assert asset.operator_organisation_id == world.org.id
    events = asset_timeline.asset_timeline(asset).items
    assert [e.event for e in events] == ["transfer_requested"] + ["transfer_stage"] * 3 + [
        "transferred"]
    assert events[-1].message == "A 25-year lease at a peppercorn rent."
    assert [c.to_stage for c in request.stages] == [
        "received", "under_assessment", "business_case_requested", "approved", "transferred"]
    status_audit = db.session.scalar(select(AuditLog).where(
        AuditLog.action == "asset.community_status").order_by(AuditLog.id.desc()).limit(1))
    assert status_audit.after == {"community_status": "transferred",
                                  "operator_organisation_id": world.org.id}
    # Staff can no longer type the status or the operator by hand.
    with pytest.raises(ValidationFailed) as failed:
        register.update_asset(world.staff, asset, community_status="council_run",
                              operator_organisation_id=None)
    assert set(failed.value.errors) == {"community_status", "operator_organisation_id"}
    register.update_asset(world.staff, asset, name="St Anne's Community Hall")
    assert asset.community_status == "transferred" and asset.operator_organisation_id


def test_a_transfer_declines_the_other_open_requests_with_a_public_reason(world):
    """Once a place is transferred, no other organisation's request for it can go anywhere:
    each is declined, says why, and its organisation is told."""
    first = submit(world)
    second = transfers.submit_transfer_request(world.outsider, world.asset, world.other_org,
                                               **FIELDS)
    db.session.commit()
    move(world, second, "under_assessment")
    move(world, first, "under_assessment", "business_case_requested", "approved", "transferred")
    db.session.refresh(second)
    assert second.stage == "declined" and second.decided_at is not None
    assert "transferred St Anne's Hall to St Anne's Trust on" in second.decision_reason
    assert [c.to_stage for c in second.stages][-1] == "declined"
    assert second.stages[-1].actor_id == world.staff.id
    assert world.asset.community_status == "transferred"
    assert world.asset.operator_organisation_id == world.org.id
    # On the public timeline after the transfer, and told to the other organisation.
    events = asset_timeline.asset_timeline(world.asset).items
    assert [(e.event, e.transfer_request_id) for e in events[-2:]] == [
        ("transferred", first.id), ("transfer_stage", second.id)]
    told = db.session.scalar(select(Notification).where(
        Notification.user_id == world.outsider.id, Notification.kind == "transfer_stage")
        .order_by(Notification.id.desc()).limit(1))
    assert "cannot go ahead" in told.body
    # And it can no longer be withdrawn or moved.
    with pytest.raises(Conflict):
        transfers.withdraw_transfer_request(world.outsider, second)


def test_the_timeline_names_the_stage_each_request_moved_to(world, app):
    from citizenideas.web.asset_timeline import describe

    request = move(world, submit(world), "under_assessment")
    transfers.withdraw_transfer_request(world.member, request, "We found another place.")
    db.session.commit()
    events = [e for e in asset_timeline.asset_timeline(world.asset).items
              if e.event == "transfer_stage"]
    assert [e.stage for e in events] == ["under_assessment", "withdrawn"]
    with app.test_request_context():
        sentences = [describe(e).sentence for e in events]
    assert sentences == [
        "St Anne\'s Trust\'s transfer request moved to the stage: Under assessment.",
        "St Anne\'s Trust\'s transfer request moved to the stage: Withdrawn."]
    with app.test_request_context(), force_locale("cy"):
        welsh = describe(events[0]).sentence
    assert welsh == "Symudodd cais trosglwyddo St Anne\'s Trust i\'r cam: Yn cael ei asesu."


def test_a_decline_puts_back_the_status_when_no_other_request_is_open(world):
    world.asset.community_status = "community_run"
    db.session.commit()
    first = submit(world)
    second = transfers.submit_transfer_request(world.outsider, world.asset, world.other_org,
                                               **FIELDS)
    db.session.commit()
    assert second.status_before == "community_run"
    move(world, first, "declined")
    assert first.stage == "declined" and world.asset.community_status == "transfer_proposed"
    transfers.withdraw_transfer_request(world.outsider, second, "We found another place.")
    db.session.commit()
    assert second.stage == "withdrawn" and world.asset.community_status == "community_run"
    # Declined and withdrawn requests stay on the record.
    assert [r.stage for r in transfer_lists.asset_transfer_requests(world.asset)] == [
        "withdrawn", "declined"]


def test_only_the_asking_organisation_withdraws_and_only_while_open(world):
    request = submit(world)
    for person in (world.resident, world.outsider, world.staff):
        with pytest.raises(NotAllowed):
            transfers.withdraw_transfer_request(person, request)
    transfers.withdraw_transfer_request(world.colleague, request)
    db.session.commit()
    with pytest.raises(Conflict):
        transfers.withdraw_transfer_request(world.member, request)
    with pytest.raises(Conflict):
        transfers.move_transfer_stage(world.staff, request, "under_assessment")


def test_staff_ask_and_only_the_organisations_members_answer_once(world):
    request = move(world, submit(world), "under_assessment", "business_case_requested")
    with pytest.raises(NotAllowed):
        transfer_questions.ask_for_information(world.member, request, "Why?")
    with pytest.raises(ValidationFailed):
        transfer_questions.ask_for_information(world.staff, request, " ")
    info = transfer_questions.ask_for_information(world.staff, request,
                                                  "Send your five-year budget.")
    db.session.commit()
    asked = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "transfer_question")))
    assert asked == {world.member.id, world.colleague.id}
    for person in (world.resident, world.outsider, world.staff):
        with pytest.raises(NotAllowed):
            transfer_questions.answer_information_request(person, info, "Here it is.")
    transfer_questions.answer_information_request(world.colleague, info, "Attached to our reply: "
                                                                "balanced in every year.")
    db.session.commit()
    assert info.answered_by_id == world.colleague.id
    with pytest.raises(Conflict):
        transfer_questions.answer_information_request(world.member, info, "Again.")
    assert count(Notification, Notification.kind == "transfer_answer",
                 Notification.user_id == world.staff.id) == 1


def test_a_stale_page_is_told_the_request_moved(world):
    request = submit(world)
    transfers.move_transfer_stage(world.other_staff, request, "under_assessment")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        transfers.move_transfer_stage(world.staff, request, "declined", "No.",
                                      expected_stage="received")
    assert refused.value.detail == "This request moved to Under assessment a moment ago."


# --- races ----------------------------------------------------------------------------------

def test_two_staff_moving_one_request_at_once_give_one_move(app, world):
    staff_ids = (world.staff.id, world.other_staff.id)
    for _trial in range(3):
        request = submit(world) if _trial == 0 else transfers.submit_transfer_request(
            world.member, world.asset, world.org, **FIELDS)
        db.session.commit()
        rid = request.id

        def moving(user_id, stage, rid=rid):
            def load():
                user = db.session.get(User, user_id)
                req = db.session.get(TransferRequest, rid)
                req.stage  # noqa: B018 - loaded, as the council's page had it
                return lambda: transfers.move_transfer_stage(
                    user, req, stage, "Decided." if stage == "declined" else "").stage
            return load

        wins, refusals, errors = race(app, [moving(staff_ids[0], "under_assessment"),
                                            moving(staff_ids[1], "declined")])
        assert errors == []
        assert len(wins) == 1 and len(refusals) == 1
        assert isinstance(refusals[0], Conflict) and refusals[0].status == 409
        assert count(TransferStageChange, TransferStageChange.request_id == rid) == 2
        assert count(AssetEvent, AssetEvent.transfer_request_id == rid,
                     AssetEvent.event == "transfer_stage") == 1
        assert count(AuditLog, AuditLog.action == "transfer.stage",
                     AuditLog.target_id == rid) == 1
        stage = db.session.get(TransferRequest, rid).stage
        assert stage == wins[0]
        if stage == "under_assessment":  # leave the place free for the next trial
            transfers.withdraw_transfer_request(db.session.get(User, world.member.id),
                                                db.session.get(TransferRequest, rid))
            db.session.commit()
        assert db.session.get(type(world.asset), world.asset.id).community_status == \
            "council_run"
