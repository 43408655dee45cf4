"""``flask seed-demo``: the Demo Borough council is complete, consistent and loaded once."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from citizenideas.demo import seed
from citizenideas.extensions import db
from citizenideas.models import (
    ASSET_KINDS,
    COMMUNITY_STATUSES,
    OUTCOME_RESULTS,
    STATUSES,
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
    StatusChange,
    Support,
    User,
    Ward,
)
from citizenideas.services.lifecycle import MESSAGE_REQUIRED, TRANSITIONS
from tests.conftest import csrf_token

DEMO_PASSWORD = "demo-pass-1234"
DEMO_ACCOUNTS = ["resident@example.org", "resident2@example.org", "resident3@example.org",
                 "moderator@example.org", "admin@example.org", "partner@example.org"]
COUNTED = [Ward, Category, CommunityAsset, Organisation, Membership, User, Idea, Support,
           Follow, Comment, Pledge, Flag, StatusChange, Claim, ProgressUpdate, OutcomeReport,
           Notification, ResponseTemplate]


@pytest.fixture
def seeded(app):
    assert seed() is True
    db.session.commit()
    return app


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def count_where(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in COUNTED}


def timelines() -> dict[int, list[StatusChange]]:
    rows = db.session.scalars(select(StatusChange).order_by(StatusChange.created_at,
                                                            StatusChange.id))
    by_idea = defaultdict(list)
    for row in rows:
        by_idea[row.idea_id].append(row)
    return by_idea


def test_demo_borough_has_its_places_partners_and_ideas(seeded):
    assert count(Ward) == 8
    assert all(re.fullmatch(r"E05\d{6}", w.ons_code) for w in db.session.scalars(select(Ward)))
    assert count(Category) == 8
    assert count(CommunityAsset) == 14  # 12, the Castle Inn and Brook Lane Car Park
    organisations = db.session.scalars(select(Organisation)).all()
    assert len(organisations) == 5 and all(o.is_verified for o in organisations)
    assert count(Idea) == 60
    statuses = Counter(db.session.scalars(select(Idea.status)))
    assert set(statuses) == set(STATUSES)


def test_assets_cover_every_community_status_with_register_details(seeded):
    assets = db.session.scalars(select(CommunityAsset)).all()
    assert {a.community_status for a in assets} == set(COMMUNITY_STATUSES)
    assert len({a.kind for a in assets}) >= 6 and {a.kind for a in assets} <= set(ASSET_KINDS)
    assert len({a.ward_id for a in assets}) >= 6
    for asset in assets:
        assert re.fullmatch(r"\d{12}", asset.uprn)
        assert asset.postcode and asset.address and asset.description
        assert asset.tenure in ("freehold", "leasehold")
        assert abs(asset.lat - 52.62) < 0.1 and abs(asset.lon + 1.69) < 0.1
    assert any(a.operator_organisation_id for a in assets)


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_each_demo_account_signs_in_with_the_demo_password(seeded, client, email):
    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD,
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def test_demo_accounts_have_their_roles_and_are_verified(seeded):
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert users["moderator@example.org"].role == "moderator"
    assert users["admin@example.org"].role == "admin"
    for email in ("resident@example.org", "resident2@example.org", "resident3@example.org",
                  "partner@example.org"):
        assert users[email].role == "resident" and users[email].ward_id is not None
    assert all(u.is_verified for u in users.values())
    assert len(users) >= 30


def test_partner_manages_a_verified_organisation(seeded):
    partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
    managed = [m.organisation for m in partner.memberships if m.role == "manager"]
    assert managed and managed[0].is_verified
    assert partner.verified_organisations() == managed


def test_counts_on_ideas_equal_their_supports_and_comments(seeded):
    supports = dict(db.session.execute(
        select(Support.idea_id, func.count()).group_by(Support.idea_id)).all())
    comments = dict(db.session.execute(
        select(Comment.idea_id, func.count()).group_by(Comment.idea_id)).all())
    for idea in db.session.scalars(select(Idea)):
        assert idea.support_count == supports.get(idea.id, 0), idea.reference
        assert idea.comment_count == comments.get(idea.id, 0), idea.reference
    assert count(Support) > 300


def test_every_timeline_follows_the_lifecycle_to_the_current_status(seeded):
    """As in the app, proposing writes no timeline row: the timeline starts at the first
    change from submitted, so only ideas still submitted have none."""
    ideas = {i.id: i for i in db.session.scalars(select(Idea))}
    by_idea = timelines()
    for idea in ideas.values():
        timeline = by_idea.get(idea.id, [])
        if not timeline:
            assert idea.status == "submitted", idea.reference
            continue
        assert timeline[-1].to_status == idea.status, idea.reference
        changes = [row for row in timeline if row.event == "status"]
        assert changes[0].from_status == "submitted"
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in TRANSITIONS[before.to_status], idea.reference
            if after.to_status in MESSAGE_REQUIRED or before.to_status == "declined":
                assert after.message, idea.reference
            expected_actor = idea.author_id if after.to_status == "withdrawn" else None
            if expected_actor:
                assert after.actor_id == expected_actor
        assert all(row.created_at > idea.created_at for row in timeline)
        assert idea.updated_at >= timeline[-1].created_at - timedelta(seconds=2)
    assert {i.status for i in ideas.values() if i.id in by_idea} == set(STATUSES) - {"submitted"}


def test_council_answers_on_weekdays(seeded):
    moderator = db.session.scalar(select(User).where(User.email == "moderator@example.org"))
    times = db.session.scalars(select(StatusChange.created_at).where(
        StatusChange.actor_id == moderator.id)).all()
    assert times and all(t.weekday() < 5 for t in times)


def test_response_decision_and_delivery_times_agree_with_the_timeline(seeded):
    staff = set(db.session.scalars(select(User.id).where(User.role != "resident")))
    by_idea = timelines()
    late = on_time = 0
    for idea in db.session.scalars(select(Idea)):
        timeline = [row for row in by_idea[idea.id] if row.event == "status"]
        responses = [row.created_at for row in timeline if row.actor_id in staff]
        assert idea.first_response_at == (responses[0] if responses else None), idea.reference
        decisions = [row.created_at for row in timeline
                     if row.to_status in ("accepted", "declined", "duplicate")]
        assert idea.decided_at == (decisions[0] if decisions else None), idea.reference
        if idea.status in OUTCOME_RESULTS:
            assert idea.delivered_at == timeline[-1].created_at
        else:
            assert idea.delivered_at is None
        if idea.first_response_at:
            days = (idea.first_response_at - idea.created_at).days
            late, on_time = late + (days > 20), on_time + (days <= 20)
    assert late >= 3 and on_time >= 20


def test_some_submitted_ideas_are_overdue_without_a_response(seeded):
    from citizenideas.models import utcnow

    waiting = db.session.scalars(select(Idea).where(Idea.status == "submitted")).all()
    overdue = [i for i in waiting if (utcnow() - i.created_at).days > 20]
    assert 1 <= len(overdue) < len(waiting)
    assert all(i.first_response_at is None for i in waiting)


def test_duplicates_point_at_the_idea_they_were_merged_into(seeded):
    duplicates = db.session.scalars(select(Idea).where(Idea.status == "duplicate")).all()
    assert duplicates
    for idea in duplicates:
        into = idea.merged_into
        assert into is not None and into.status != "duplicate"
        assert into.created_at < idea.created_at
        change, merged = idea.timeline[-2:]
        assert change.to_status == "duplicate" and into.reference in change.message
        assert change.related_idea_id == merged.related_idea_id == into.id
        assert merged.event == "merged"
        assert any(row.event == "merged_in" and row.related_idea_id == idea.id
                   for row in into.timeline)
        # As merge_idea does, supporters and followers moved to the idea merged into.
        assert idea.support_count == 0
        assert count_where(Follow, Follow.idea_id == idea.id) == 0
        assert count_where(Follow, Follow.idea_id == into.id,
                           Follow.user_id == idea.author_id) == 1


def test_every_delivered_idea_ends_with_a_published_outcome(seeded):
    finished = db.session.scalars(select(Idea).where(
        Idea.status.in_(OUTCOME_RESULTS))).all()
    assert len(finished) >= 10
    for idea in finished:
        report = db.session.scalar(select(OutcomeReport).where(OutcomeReport.idea_id == idea.id))
        assert report is not None and report.state == "published", idea.reference
        last = idea.timeline[-1]
        assert last.event == "status" and last.to_status == idea.status
        assert report.published_at == last.created_at == idea.delivered_at
        assert report.summary and report.story and report.published_by_id is not None
        assert report.result == idea.status


def test_outcomes_wait_for_publication_on_ideas_still_in_delivery(seeded):
    waiting = db.session.execute(
        select(OutcomeReport.state, Idea.status).join(Idea, OutcomeReport.idea_id == Idea.id)
        .where(OutcomeReport.state != "published")).all()
    assert sorted(waiting) == [("draft", "in_delivery"), ("submitted", "in_delivery")]


def test_claims_are_approved_for_deliveries_with_one_waiting_and_one_rejected(seeded):
    partner = db.session.scalar(select(User).where(User.email == "partner@example.org"))
    partner_orgs = {m.organisation_id for m in partner.memberships}
    claims = db.session.scalars(select(Claim)).all()
    pending = [c for c in claims if c.status == "pending"]
    assert len(pending) == 1 and pending[0].idea.status == "accepted"
    assert pending[0].organisation_id in partner_orgs
    rejected = [c for c in claims if c.status == "rejected"]
    assert len(rejected) == 1 and rejected[0].decision_message
    approved = [c for c in claims if c.status == "approved"]
    assert len(approved) >= 10
    for claim in approved:
        assert claim.idea.status in ("in_delivery", *OUTCOME_RESULTS)
        assert claim.decided_by.role == "moderator" and claim.plan
        assert claim.created_at < claim.decided_at
        # The approval is on the public timeline: the move into delivery, or for a second
        # partner joining a delivery already under way, a "claim_approved" entry.
        assert any(row.created_at == claim.decided_at and claim.organisation.name in row.message
                   and (row.to_status == "in_delivery" or row.event == "claim_approved")
                   for row in claim.idea.timeline), claim.idea.reference
    assert any(row.event == "claim_approved" for c in approved for row in c.idea.timeline)


def test_residents_follow_what_they_support_comment_on_or_offer_to_help_with(seeded):
    follows = set(db.session.execute(select(Follow.user_id, Follow.idea_id)).tuples())
    residents = set(db.session.scalars(select(User.id).where(User.role == "resident")))
    home = {i.id: i.merged_into_id or i.id for i in db.session.scalars(select(Idea))}
    taking_part = [*db.session.execute(select(Support.user_id, Support.idea_id)).tuples(),
                   *db.session.execute(select(Comment.author_id, Comment.idea_id)).tuples(),
                   *db.session.execute(select(Pledge.user_id, Pledge.idea_id)).tuples(),
                   *db.session.execute(select(Idea.author_id, Idea.id)).tuples()]
    for user_id, idea_id in taking_part:
        if user_id in residents:
            assert (user_id, home[idea_id]) in follows


def test_engagement_looks_lived_in(seeded):
    assert count(Follow) > 60 and count(Pledge) > 20 and count(ProgressUpdate) > 10
    assert {k for k in db.session.scalars(select(Pledge.kind))} >= {"time", "skills", "space",
                                                                   "equipment"}
    assert db.session.scalar(select(func.count()).select_from(Comment)
                             .where(Comment.official.is_(True))) > 5
    flags = db.session.scalars(select(Flag)).all()
    assert len(flags) >= 2 and all(f.resolved_at is None and f.target_type == "comment"
                                   for f in flags)
    assert count(ResponseTemplate) >= 4
    assert {t for t in db.session.scalars(select(ResponseTemplate.status))} >= {
        "accepted", "declined", "duplicate", "under_review"}


def test_resident_has_ideas_in_several_statuses_and_unread_news_already_emailed(seeded):
    resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
    statuses = set(db.session.scalars(select(Idea.status).where(Idea.author_id == resident.id)))
    assert len(statuses) >= 4
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == resident.id)).all()
    assert sum(n.read_at is None for n in notes) >= 3
    assert all(n.email_state == "sent" for n in notes)
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.email_state == "pending")) == 0


def test_references_are_unique_and_dated(seeded):
    references = list(db.session.scalars(select(Idea.reference)))
    assert len(set(references)) == 60
    assert all(re.fullmatch(r"DB-20\d\d-\d{4}", r) for r in references)


def test_seeding_twice_adds_nothing(seeded):
    before = counts()
    assert seed() is False
    db.session.commit()
    assert counts() == before


def test_seeding_is_deterministic(app):
    from tests.conftest import _empty_all_tables

    def snapshot():
        seed()
        db.session.commit()
        ideas = db.session.scalars(select(Idea).order_by(Idea.id)).all()
        return [(i.reference[8:], i.title, i.status, i.support_count, i.comment_count,
                 i.author.email, len(i.timeline)) for i in ideas]

    first = snapshot()
    db.session.remove()  # let go of this test's transaction before the tables are emptied
    _empty_all_tables(app)
    assert snapshot() == first


def test_seed_demo_if_empty_does_nothing_when_anyone_has_an_account(app, make):
    make.user(email="someone@example.org")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "nothing added" in result.output
    assert count(Idea) == 0 and count(Ward) == 0 and count(User) == 1


def test_seed_demo_loads_an_empty_database_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    db.session.expire_all()
    assert count(Idea) == 60
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "nothing added" in again.output and count(Idea) == 60


@pytest.mark.parametrize("path", ["/", "/ideas"])
def test_public_pages_render_with_the_demo_data(seeded, client, path):
    # No skip on 404: a missing home page or idea list is a broken site, not "not built yet".
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    html = response.get_data(as_text=True)
    titles = db.session.scalars(select(Idea.title).where(Idea.hidden.is_(False)))
    assert any(title in html for title in titles), f"{path} shows none of the demo ideas"


def test_assets_of_community_value_tell_their_story_through_records(seeded):
    from citizenideas.models import AcvNomination, AssetEvent, AssetFollow
    from citizenideas.services import community_value as acv
    from citizenideas.services import community_value_lists as lists

    def asset(name):
        return db.session.scalar(select(CommunityAsset).where(CommunityAsset.name == name))

    def events(place):
        return list(db.session.scalars(select(AssetEvent.event).where(
            AssetEvent.asset_id == place.id).order_by(AssetEvent.created_at, AssetEvent.id)))

    inn, library = asset("The Castle Inn"), asset("Northgate Library")
    scouts, car_park = asset("Castle Hill Scout and Guide Hall"), asset("Brook Lane Car Park")
    # Every listed status follows from a listing on record (the lido is another story's).
    for place in (inn, library, scouts):
        listing = acv.current_listing(place)
        assert place.community_status == "acv_listed" and listing is not None
        assert listing.owner_told_at is not None and listing.status_before_listing
    listing = acv.current_listing(inn)
    assert listing.organisation.name == "Friends of Castle Park"
    assert 300 < (acv.today() - listing.listed_on).days < 430
    assert events(inn) == ["nominated", "listed", "owner_told"]
    assert acv.current_listing(scouts).listed_on.year == 2024
    # The library is in its interim moratorium: the button is live.
    dates = acv.moratorium(acv.current_listing(library))
    assert dates.interim_open(acv.today())
    assert events(library)[-2:] == ["notice_of_sale", "intent_to_bid"]
    [refused] = lists.unsuccessful_rows()
    assert refused["asset"] == "Brook Lane Car Park" and refused["decision_reason"]
    assert car_park.community_status == "council_run"
    assert {row["asset"] for row in lists.listed_rows()} >= {
        "The Castle Inn", "Northgate Library", "Castle Hill Scout and Guide Hall"}
    # Written in the past, as the services write them, and nothing left to email.
    stamps = list(db.session.scalars(select(AssetEvent.created_at)))
    assert stamps and all(s < datetime.now(UTC) - timedelta(days=1) for s in stamps)
    assert db.session.scalar(select(func.count()).select_from(AcvNomination).where(
        AcvNomination.state == "nominated")) == 0
    assert count_where(Notification, Notification.email_state == "pending") == 0
    assert count(AssetFollow) >= 5
def test_transferred_places_report_every_year_with_one_report_overdue(seeded):
    from citizenideas.models import AccessComment, AssetEvent
    from citizenideas.services import asset_reports

    rows = {r.asset.name: r for r in asset_reports.transfers_reporting()}
    assert set(rows) == {"Elmstead Lido", "Millbrook Library", "Northgate Youth Hut"}
    lido = rows["Elmstead Lido"]
    assert lido.organisation.name == "Elmstead Lido Trust"
    assert lido.asset.community_status == "transferred"
    assert lido.asset.operator_organisation_id == lido.organisation.id
    assert [y.state for y in lido.years] == ["on_time", "on_time", "upcoming"]
    assert [y.state for y in rows["Millbrook Library"].years] == [
        "on_time", "on_time", "late", "on_time", "overdue", "upcoming"]
    assert [y.state for y in rows["Northgate Youth Hut"].years] == ["upcoming"]
    assert asset_reports.overdue_count() == 1
    assert db.session.scalar(select(func.count(AccessComment.id)).where(
        AccessComment.asset_id == lido.asset.id)) == 3
    events = [e.event for e in db.session.scalars(
        select(AssetEvent).where(AssetEvent.asset_id == lido.asset.id)
        .order_by(AssetEvent.created_at, AssetEvent.id))]
    assert events[:5] == ["transfer_requested", "transfer_stage", "transfer_stage",
                          "transfer_stage", "transferred"]
    assert events.count("report_published") == 2 and events.count("access_comment") == 3
    # The reminder has been sent for every report already due: cron sends nothing new.
    assert asset_reports.send_report_reminders() == 0
