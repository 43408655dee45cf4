"""Moderation services: the lifecycle, merging, hiding, flags, official replies, bulk
changes, assets on ideas, and an audit entry for every staff action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import (
    STATUSES,
    AuditLog,
    Comment,
    Flag,
    Follow,
    Idea,
    InternalNote,
    Notification,
    StatusChange,
    Support,
    utcnow,
)
from citizenideas.services import council_dashboard, merging, reports, triage
from citizenideas.services.lifecycle import (
    AUTHOR_ONLY,
    CLAIM_ENDED_ONLY,
    OUTCOME_ONLY,
    TRANSITIONS,
    change_status,
    message_required,
)

ALLOWED = [(a, b) for a in STATUSES for b in sorted(TRANSITIONS[a])]
REFUSED = [(a, b) for a in STATUSES for b in STATUSES if b not in TRANSITIONS[a]]


@pytest.fixture
def moderator(make):
    return make.user(role="moderator")


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def support(idea, *users):
    for user in users:
        db.session.add(Support(user_id=user.id, idea_id=idea.id))
    db.session.flush()
    idea.support_count = db.session.scalar(
        select(func.count(Support.id)).where(Support.idea_id == idea.id))
    db.session.commit()


# --- Lifecycle --------------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_transition_is_made(make, moderator, from_status, to_status):
    idea = make.idea(status=from_status)
    actor = idea.author if to_status in AUTHOR_ONLY else moderator
    change = change_status(actor, idea, to_status, "A public reason.",
                           via_outcome=to_status in OUTCOME_ONLY,
                           via_claim_ended=(from_status, to_status) in CLAIM_ENDED_ONLY)
    db.session.commit()
    assert idea.status == to_status
    assert (change.from_status, change.to_status, change.message) == (
        from_status, to_status, "A public reason.")


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_every_refused_transition_changes_nothing(make, moderator, from_status, to_status):
    idea = make.idea(status=from_status)
    actor = idea.author if to_status in AUTHOR_ONLY else moderator
    with pytest.raises((Conflict, NotAllowed)) as caught:
        change_status(actor, idea, to_status, "A public reason.", via_outcome=True)
    if to_status not in AUTHOR_ONLY:
        assert isinstance(caught.value, Conflict)
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == from_status
    assert db.session.scalar(select(func.count(StatusChange.id))) == 0


@pytest.mark.parametrize("to_status", sorted(OUTCOME_ONLY))
def test_delivered_and_not_delivered_need_a_published_outcome(make, moderator, to_status):
    idea = make.idea(status="in_delivery")
    with pytest.raises(Conflict):
        change_status(moderator, idea, to_status, "Done.")


def test_an_idea_in_delivery_goes_back_to_accepted_only_when_its_last_partner_withdraws(
        make, moderator):
    idea = make.idea(status="in_delivery")
    with pytest.raises(Conflict) as caught:
        change_status(moderator, idea, "accepted", "We will find another partner.")
    assert "last partner delivering it withdraws" in caught.value.detail
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "in_delivery"
    with pytest.raises(Conflict):
        triage.bulk_change_status(moderator, [idea], "accepted", "")


@pytest.mark.parametrize(("from_status", "to_status"),
                         [(a, b) for a, b in ALLOWED if message_required(a, b)])
def test_a_public_message_is_required(make, moderator, from_status, to_status):
    idea = make.idea(status=from_status)
    with pytest.raises(ValidationFailed) as caught:
        change_status(moderator, idea, to_status, "  ", via_outcome=to_status in OUTCOME_ONLY)
    assert "message" in caught.value.errors


def test_message_required_for_declined_duplicate_not_delivered_and_reopened():
    assert {b for a, b in ALLOWED if message_required(a, b) and a != "declined"} == {
        "declined", "duplicate", "not_delivered"}
    assert message_required("declined", "under_review")


def test_first_response_and_decision_times_are_set_exactly_once(make, moderator):
    idea = make.idea()
    change_status(moderator, idea, "under_review", "")
    first = idea.first_response_at
    assert first is not None and idea.decided_at is None
    change_status(moderator, idea, "declined", "No budget.")
    decided = idea.decided_at
    assert decided is not None and idea.first_response_at == first
    change_status(moderator, idea, "under_review", "Reopened: budget found.")
    change_status(moderator, idea, "accepted", "")
    assert idea.first_response_at == first and idea.decided_at == decided
    triage.post_official_reply(moderator, idea, "Another reply.")
    assert idea.first_response_at == first


def test_an_official_reply_is_the_first_response_and_notifies_the_audience(make, moderator):
    idea = make.idea()
    follower = make.user()
    db.session.add(Follow(user_id=follower.id, idea_id=idea.id))
    db.session.commit()
    comment = triage.post_official_reply(moderator, idea, "Thanks, we are looking at it.")
    db.session.commit()
    assert comment.official and idea.first_response_at is not None
    assert idea.comment_count == 1
    notified = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "official_reply")))
    assert notified == {idea.author_id, follower.id}
    assert audit_actions() == ["idea.official_reply"]


def test_status_changes_are_audited_and_public(make, moderator):
    idea = make.idea()
    change_status(moderator, idea, "accepted", "Yes.")
    entry = db.session.scalar(select(AuditLog))
    assert (entry.action, entry.before, entry.after["status"]) == (
        "idea.status", {"status": "submitted"}, "accepted")


# --- Merging ----------------------------------------------------------------------------


def test_merging_moves_supporters_and_followers_without_double_counting(make, moderator):
    target, duplicate = make.idea(title="Keep"), make.idea(title="Merge me")
    both, only_dup, only_target = make.user(), make.user(), make.user()
    support(target, both, only_target)
    support(duplicate, both, only_dup)
    db.session.add_all([Follow(user_id=both.id, idea_id=target.id),
                        Follow(user_id=both.id, idea_id=duplicate.id),
                        Follow(user_id=only_dup.id, idea_id=duplicate.id)])
    db.session.commit()

    change = merging.merge_idea(moderator, duplicate, target, "Same idea as the other one.")
    db.session.commit()

    assert change.to_status == "duplicate" and change.related_idea_id == target.id
    assert duplicate.status == "duplicate" and duplicate.merged_into_id == target.id
    assert target.support_count == 3 and duplicate.support_count == 0
    supporters = set(db.session.scalars(select(Support.user_id).where(
        Support.idea_id == target.id)))
    assert supporters == {both.id, only_dup.id, only_target.id}
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.idea_id == target.id)))
    assert followers == {both.id, only_dup.id}
    events = {(e.idea_id, e.event) for e in db.session.scalars(select(StatusChange))}
    assert {(duplicate.id, "merged"), (target.id, "merged_in"),
            (duplicate.id, "status")} <= events
    assert "idea.merge" in audit_actions()


def test_merging_needs_a_message_and_a_real_other_idea(make, moderator):
    idea, other = make.idea(), make.idea()
    with pytest.raises(ValidationFailed):
        merging.merge_idea(moderator, idea, other, "")
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        merging.merge_idea(moderator, idea, idea, "Same.")
    with pytest.raises(ValidationFailed):
        merging.merge_idea(moderator, idea, None, "Same.")


def test_cannot_merge_into_a_duplicate_or_merge_a_decided_idea(make, moderator):
    a, b, c = make.idea(), make.idea(), make.idea()
    merging.merge_idea(moderator, a, b, "Same.")
    db.session.commit()
    with pytest.raises(Conflict):
        merging.merge_idea(moderator, c, a, "Same.")
    accepted = make.idea(status="accepted")
    with pytest.raises(Conflict):
        merging.merge_idea(moderator, accepted, b, "Same.")


def test_find_idea_by_reference_or_number(make):
    idea = make.idea()
    assert merging.find_idea(idea.reference.lower()) == idea
    assert merging.find_idea(str(idea.id)) == idea
    assert merging.find_idea(f"#{idea.id}") == idea
    assert merging.find_idea("nothing") is None


# --- Hiding and flags -------------------------------------------------------------------


def comment_on(make, idea, body="A comment"):
    comment = Comment(idea_id=idea.id, author_id=make.user().id, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment


def flag(idea, target_type, target_id, reporter):
    item = Flag(reporter_id=reporter.id, idea_id=idea.id, target_type=target_type,
                target_id=target_id, reason="Offensive")
    db.session.add(item)
    db.session.commit()
    return item


def test_hiding_and_unhiding_an_idea_tells_the_author_and_the_timeline(make, moderator):
    idea = make.idea()
    with pytest.raises(ValidationFailed):
        reports.hide_idea(moderator, idea, "")
    reports.hide_idea(moderator, idea, "Contains a phone number")
    assert idea.hidden and idea.hidden_reason == "Contains a phone number"
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == idea.author_id)).kind == "idea_hidden"
    reports.unhide_idea(moderator, idea)
    assert not idea.hidden
    events = list(db.session.scalars(select(StatusChange.event).order_by(StatusChange.id)))
    assert events == ["hidden", "unhidden"]
    assert audit_actions() == ["idea.hide", "idea.unhide"]


def test_hiding_and_unhiding_a_comment(make, moderator):
    comment = comment_on(make, make.idea())
    reports.hide_comment(moderator, comment, "Abuse")
    assert comment.hidden and comment.hidden_reason == "Abuse"
    told = db.session.scalar(select(Notification).where(Notification.user_id == comment.author_id))
    assert told.kind == "comment_hidden" and "Reason: Abuse" in told.body
    reports.unhide_comment(moderator, comment)
    assert not comment.hidden
    assert audit_actions() == ["comment.hide", "comment.unhide"]


def test_upholding_a_flag_hides_the_comment(make, moderator):
    idea = make.idea()
    comment = comment_on(make, idea)
    item = flag(idea, "comment", comment.id, make.user())
    reports.resolve_flag(moderator, item, "upheld", "Breaks the rules")
    assert item.resolution == "upheld" and item.resolved_by_id == moderator.id
    assert comment.hidden
    assert audit_actions() == ["flag.resolve", "comment.hide"]
    with pytest.raises(Conflict):
        reports.resolve_flag(moderator, item, "dismissed")


def test_dismissing_the_last_flag_shows_an_auto_hidden_item_again(make, moderator):
    idea = make.idea()
    first, second = flag(idea, "idea", idea.id, make.user()), flag(idea, "idea", idea.id,
                                                                      make.user())
    idea.hidden, idea.hidden_reason = True, "Hidden automatically after reports"
    db.session.commit()
    reports.resolve_flag(moderator, first, "dismissed")
    assert idea.hidden  # one report is still open
    reports.resolve_flag(moderator, second, "dismissed")
    assert not idea.hidden


def test_dismissing_a_flag_keeps_an_item_a_moderator_hid(make, moderator):
    idea = make.idea()
    comment = comment_on(make, idea)
    item = flag(idea, "comment", comment.id, make.user())
    reports.hide_comment(moderator, comment, "Personal details")
    reports.resolve_flag(moderator, item, "dismissed")
    assert comment.hidden


def test_upholding_a_flag_never_tells_the_author_the_internal_note(make, moderator):
    idea = make.idea()
    comment = comment_on(make, idea)
    item = flag(idea, "comment", comment.id, make.user())
    reports.resolve_flag(moderator, item, "upheld", note="Repeat offender, watch this account")
    told = db.session.scalar(select(Notification).where(Notification.user_id == comment.author_id))
    assert comment.hidden and "Repeat offender" not in told.body
    assert "Repeat offender" not in (comment.hidden_reason or "")
    assert item.resolution_note == "Repeat offender, watch this account"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "flag.resolve"))
    assert "Repeat offender" in str(entry.after)


def test_upholding_a_flag_sends_the_message_to_the_author(make, moderator):
    idea = make.idea()
    item = flag(idea, "idea", idea.id, make.user())
    reports.resolve_flag(moderator, item, "upheld", note="Staff only",
                         message="It names a private person.")
    told = db.session.scalar(select(Notification).where(Notification.user_id == idea.author_id))
    assert "It names a private person." in told.body and "Staff only" not in told.body
    assert idea.hidden_reason == "It names a private person."
    public = " ".join(db.session.scalars(select(StatusChange.message)))
    assert "Staff only" not in public


def test_upholding_a_report_on_an_item_already_hidden_sends_the_message(make, moderator):
    idea = make.idea()
    comment = comment_on(make, idea)
    item = flag(idea, "comment", comment.id, make.user())
    comment.hidden, comment.hidden_reason = True, "Hidden automatically after reports"
    db.session.commit()
    reports.resolve_flag(moderator, item, "upheld", message="Please keep it civil.")
    told = db.session.scalar(select(Notification).where(Notification.user_id == comment.author_id))
    assert "Please keep it civil." in told.body


def test_a_message_to_the_author_is_refused_when_dismissing(make, moderator):
    idea = make.idea()
    item = flag(idea, "idea", idea.id, make.user())
    with pytest.raises(ValidationFailed) as failed:
        reports.resolve_flag(moderator, item, "dismissed", message="You are fine")
    assert "message" in failed.value.errors and item.resolved_at is None


def test_a_message_to_the_author_over_300_characters_is_refused(make, moderator):
    idea = make.idea()
    item = flag(idea, "idea", idea.id, make.user())
    with pytest.raises(ValidationFailed) as failed:
        reports.resolve_flag(moderator, item, "upheld", message="x" * 301)
    assert "message" in failed.value.errors and not idea.hidden and item.resolved_at is None


def test_a_flag_needs_a_decision(make, moderator):
    idea = make.idea()
    item = flag(idea, "idea", idea.id, make.user())
    with pytest.raises(ValidationFailed):
        reports.resolve_flag(moderator, item, "maybe")


# --- Assign, notes, assets, bulk --------------------------------------------------------


def test_assigning_to_staff_only(make, moderator):
    idea = make.idea()
    triage.assign_idea(moderator, idea, moderator)
    assert idea.assignee_id == moderator.id
    with pytest.raises(ValidationFailed):
        triage.assign_idea(moderator, idea, make.user())
    triage.assign_idea(moderator, idea, None)
    assert idea.assignee_id is None
    entries = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "idea.assign")))
    assert [e.after["assignee_id"] for e in entries] == [moderator.id, None]


def test_internal_notes_are_for_staff_only(make, moderator):
    idea = make.idea()
    note = triage.add_internal_note(moderator, idea, "Ring the parks team")
    assert isinstance(note, InternalNote)
    with pytest.raises(NotAllowed):
        triage.add_internal_note(idea.author, idea, "Let me in")
    with pytest.raises(NotAllowed):
        triage.internal_notes(idea.author, idea)
    assert [n.body for n in triage.internal_notes(moderator, idea)] == ["Ring the parks team"]
    assert audit_actions() == ["idea.note"]


def test_linking_and_unlinking_assets(make, moderator):
    idea, asset = make.idea(), make.asset(name="Riverside Park")
    triage.link_asset(moderator, idea, asset)
    triage.link_asset(moderator, idea, asset)
    assert idea.assets == [asset]
    triage.unlink_asset(moderator, idea, asset)
    assert idea.assets == []
    assert audit_actions() == ["idea.link_asset", "idea.unlink_asset"]
    asset.retired_at = asset.created_at
    with pytest.raises(ValidationFailed):
        triage.link_asset(moderator, idea, asset)


def test_bulk_change_applies_to_all_or_none(make, moderator):
    a, b, decided = make.idea(), make.idea(), make.idea(status="accepted")
    with pytest.raises(Conflict) as caught:
        triage.bulk_change_status(moderator, [a, decided, b], "declined", "No budget.")
    assert decided.reference in caught.value.detail and a.reference not in caught.value.detail
    db.session.rollback()
    assert {db.session.get(Idea, i.id).status for i in (a, b)} == {"submitted"}
    with pytest.raises(ValidationFailed):
        triage.bulk_change_status(moderator, [a, b], "declined", "")
    changes = triage.bulk_change_status(moderator, [a, b], "declined", "No budget.")
    assert [c.to_status for c in changes] == ["declined", "declined"]
    assert audit_actions().count("idea.status") == 2


def test_residents_cannot_moderate(make):
    resident = make.user()
    idea = make.idea()
    for call in (lambda: reports.hide_idea(resident, idea, "x"),
                 lambda: merging.merge_idea(resident, idea, make.idea(), "x"),
                 lambda: triage.assign_idea(resident, idea, None),
                 lambda: triage.bulk_change_status(resident, [idea], "accepted", "x"),
                 lambda: council_dashboard.queue_counts(resident)):
        with pytest.raises(NotAllowed):
            call()


def test_queue_counts_take_one_query_once_the_idea_counts_are_cached(make, moderator):
    from sqlalchemy import event

    from citizenideas.services.site import site_settings

    make.idea()
    make.idea(status="under_review")
    site_settings()
    db.session.refresh(moderator)
    queries = []

    def count(*args):
        queries.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = council_dashboard.queue_counts(moderator)
        on_first = len(queries)
        again = council_dashboard.queue_counts(moderator)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert first == again
    assert first["new"] == 1 and first["under_review"] == 1
    # Counting: the counts and the data version, the idea counts, and the figures shared by
    # every process (services/figures_cache.py): read, claim, store.
    assert on_first == 2 + 3 and len(queries) - on_first == 1


def test_queue_counts_change_at_once_after_a_status_change(make, moderator):
    idea = make.idea()
    old = make.idea(created_at=utcnow() - timedelta(days=400))
    db.session.commit()
    assert council_dashboard.queue_counts(moderator)["new"] == 2
    assert council_dashboard.queue_counts(moderator)["overdue"] == 1
    change_status(moderator, idea, "under_review", "")
    db.session.commit()
    counts = council_dashboard.queue_counts(moderator)
    assert (counts["new"], counts["under_review"], counts["overdue"]) == (1, 1, 1)
    merging.merge_idea(moderator, old, idea, "Same place.")
    db.session.commit()
    counts = council_dashboard.queue_counts(moderator)
    assert (counts["new"], counts["under_review"], counts["overdue"]) == (0, 1, 0)


def test_dismissing_reports_restores_a_comment_hidden_automatically_by_reports(app, make,
                                                                               moderator):
    from citizenideas.services.engagement import flag_content

    idea = make.idea()
    comment = comment_on(make, idea, "Perfectly fine comment")
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    flags = [flag_content(make.user(), idea, "I do not like it", comment) for _n in range(2)]
    db.session.commit()
    assert comment.hidden
    for item in flags:
        reports.resolve_flag(moderator, item, "dismissed", "Nothing wrong with it")
    assert not comment.hidden
    assert "comment.unhide" in audit_actions()


def test_a_moderator_withdrawing_their_own_idea_is_not_a_council_response(make, moderator):
    idea = make.idea(author=moderator)
    change_status(moderator, idea, "withdrawn", "")
    assert idea.status == "withdrawn" and idea.first_response_at is None
