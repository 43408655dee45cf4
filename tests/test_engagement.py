"""Supporting, commenting, offering help, following and reporting, through the services."""

from __future__ import annotations

import pytest

from citizenideas.errors import AuthRequired, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Comment, Flag, Follow, Notification, Pledge, StatusChange, Support
from citizenideas.services import engagement
from citizenideas.services.engagement import HIDDEN_AFTER_REPORTS
from citizenideas.services.lifecycle import change_status


def follows(user, idea) -> bool:
    return db.session.query(Follow).filter_by(user_id=user.id, idea_id=idea.id).count() == 1


def test_resident_supports_once_and_the_count_is_exact(make):
    resident, idea = make.user(), make.idea()
    assert engagement.support_idea(resident, idea) is True
    assert engagement.support_idea(resident, idea) is False
    db.session.commit()
    assert idea.support_count == 1
    assert db.session.query(Support).count() == 1
    assert follows(resident, idea)


def test_support_can_be_withdrawn(make):
    resident, idea = make.user(), make.idea()
    engagement.support_idea(resident, idea)
    assert engagement.withdraw_support(resident, idea) is True
    assert engagement.withdraw_support(resident, idea) is False
    db.session.commit()
    assert idea.support_count == 0 and db.session.query(Support).count() == 0


@pytest.mark.parametrize("status", ["submitted", "under_review", "accepted", "in_delivery"])
def test_supports_are_open_while_the_idea_is_live(make, status):
    assert engagement.support_idea(make.user(), make.idea(status=status))


@pytest.mark.parametrize("status", ["declined", "duplicate", "withdrawn", "delivered",
                                    "not_delivered"])
def test_supports_are_closed_otherwise(make, status):
    with pytest.raises(NotAllowed):
        engagement.support_idea(make.user(), make.idea(status=status))


def test_unverified_and_signed_out_people_cannot_take_part(app, make):
    idea = make.idea()
    unverified = make.user(verified=False)
    for action in (lambda u: engagement.support_idea(u, idea),
                   lambda u: engagement.post_comment(u, idea, "Hello"),
                   lambda u: engagement.pledge_help(u, idea, kind="time", message="Hi"),
                   lambda u: engagement.flag_content(u, idea, "Spam")):
        with pytest.raises(NotAllowed, match="Confirm your email"):
            action(unverified)
        with pytest.raises(AuthRequired):
            action(None)
    app.config["REQUIRE_VERIFIED_EMAIL"] = False
    assert engagement.support_idea(unverified, idea)


def test_comment_counts_follows_and_tells_only_the_author(make):
    author, resident, follower = make.user(), make.user(), make.user()
    idea = make.idea(author=author)
    engagement.follow_idea(follower, idea)
    comment = engagement.post_comment(resident, idea, "  I would love this.  ")
    db.session.commit()
    assert comment.body == "I would love this." and not comment.official
    assert idea.comment_count == 1
    assert follows(resident, idea)
    notes = db.session.query(Notification).filter_by(kind="comment").all()
    assert [n.user_id for n in notes] == [author.id]


@pytest.mark.parametrize("body, message", [("", "Enter a comment"),
                                           ("x" * 5001, "5,000 characters")])
def test_comment_is_validated(make, body, message):
    with pytest.raises(ValidationFailed) as raised:
        engagement.post_comment(make.user(), make.idea(), body)
    assert message in raised.value.errors["body"][0]


def test_pledge_records_an_offer_of_help_and_follows(make):
    resident, idea = make.user(), make.idea(status="accepted")
    pledge = engagement.pledge_help(resident, idea, kind="time",
                                    message="I can give two hours a week", hours="2.5")
    db.session.commit()
    assert (pledge.kind, float(pledge.hours)) == ("time", 2.5)
    assert follows(resident, idea)


@pytest.mark.parametrize("kind, message, hours, field", [
    ("money", "Some help", None, "kind"),
    ("time", "", None, "message"),
    ("time", "Some help", "lots", "hours"),
    ("time", "Some help", "-1", "hours"),
    ("time", "Some help", "20000", "hours"),
])
def test_pledge_is_validated(make, kind, message, hours, field):
    with pytest.raises(ValidationFailed) as raised:
        engagement.pledge_help(make.user(), make.idea(), kind=kind, message=message, hours=hours)
    assert field in raised.value.errors


def test_pledges_are_closed_once_an_idea_is_decided_against(make):
    with pytest.raises(NotAllowed):
        engagement.pledge_help(make.user(), make.idea(status="declined"), kind="time",
                               message="Too late?")


def test_follow_and_unfollow_are_idempotent(make):
    resident, idea = make.user(verified=False), make.idea()
    assert engagement.follow_idea(resident, idea) is True
    assert engagement.follow_idea(resident, idea) is False
    assert engagement.unfollow_idea(resident, idea) is True
    assert engagement.unfollow_idea(resident, idea) is False


def test_followers_hear_about_status_changes(make):
    follower, moderator = make.user(), make.user(role="moderator")
    idea = make.idea()
    engagement.follow_idea(follower, idea)
    change_status(moderator, idea, "accepted", "Good idea.")
    db.session.commit()
    note = db.session.query(Notification).filter_by(user_id=follower.id).one()
    assert note.kind == "status_change" and note.subject.endswith(": now Accepted")


def test_a_flag_needs_a_reason_and_counts_once_per_person(make):
    reporter, idea = make.user(), make.idea()
    with pytest.raises(ValidationFailed) as raised:
        engagement.flag_content(reporter, idea, "   ")
    assert "reason" in raised.value.errors
    first = engagement.flag_content(reporter, idea, "Advertising")
    again = engagement.flag_content(reporter, idea, "Still advertising")
    db.session.commit()
    assert first.id == again.id and first.reason == "Advertising"
    assert db.session.query(Flag).count() == 1


def test_an_idea_is_hidden_after_three_reports_from_different_people(make):
    idea = make.idea()
    reporter = make.user()
    for _ in range(3):
        engagement.flag_content(reporter, idea, "Offensive")
    assert not idea.hidden
    engagement.flag_content(make.user(), idea, "Offensive")
    engagement.flag_content(make.user(), idea, "Offensive")
    db.session.commit()
    assert idea.hidden and idea.hidden_reason == HIDDEN_AFTER_REPORTS
    assert [e.event for e in db.session.query(StatusChange).filter_by(idea_id=idea.id)] == [
        "hidden"]


def test_a_comment_is_hidden_at_the_threshold_setting(app, make):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    idea = make.idea()
    comment = engagement.post_comment(make.user(), idea, "Buy cheap watches")
    engagement.flag_content(make.user(), idea, "Spam", comment=comment)
    assert not comment.hidden
    engagement.flag_content(make.user(), idea, "Spam", comment=comment)
    db.session.commit()
    assert comment.hidden and comment.hidden_reason == HIDDEN_AFTER_REPORTS
    assert not idea.hidden


def test_resolved_flags_do_not_count_towards_hiding(make):
    from citizenideas.models import utcnow

    idea = make.idea()
    for _ in range(2):
        flag = engagement.flag_content(make.user(), idea, "Rude")
        flag.resolved_at, flag.resolution = utcnow(), "dismissed"
    engagement.flag_content(make.user(), idea, "Rude")
    assert not idea.hidden


def test_flagging_a_comment_from_another_idea_is_refused(make):
    idea, other = make.idea(), make.idea()
    comment = engagement.post_comment(make.user(), other, "Hello")
    with pytest.raises(ValidationFailed):
        engagement.flag_content(make.user(), idea, "Rude", comment=comment)


def test_hidden_idea_takes_no_supports_comments_or_pledges(make):
    idea = make.idea(hidden=True)
    resident = make.user()
    with pytest.raises(NotAllowed):
        engagement.support_idea(resident, idea)
    with pytest.raises(NotAllowed):
        engagement.post_comment(resident, idea, "Hello")
    with pytest.raises(NotAllowed):
        engagement.pledge_help(resident, idea, kind="time", message="Hi")
    assert db.session.query(Comment).count() == db.session.query(Pledge).count() == 0
