"""``flask seed-load --ideas N``: many ideas for benchmarks, whose rows agree with each other.

Small loads (a few hundred ideas) so the suite stays quick; the benchmark loads 100,000.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import (
    STATUSES,
    Claim,
    Comment,
    Follow,
    Idea,
    OutcomeReport,
    StatusChange,
    Support,
    User,
)
from citizenideas.seed_load import RESIDENT_EMAIL, seed_load
from citizenideas.services.lifecycle import TRANSITIONS

DEMO_IDEAS = 60


def load(app, *args: str):
    result = app.test_cli_runner().invoke(args=["seed-load", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def per_idea(column) -> dict[int, int]:
    return dict(db.session.execute(select(column, func.count()).group_by(column)).all())


def test_seed_load_adds_ideas_whose_counters_and_timelines_agree_with_their_rows(app):
    result = load(app, "--ideas", "300")
    assert "Added" in result.output and "300 ideas" in result.output

    ideas = list(db.session.scalars(select(Idea)))
    assert len(ideas) == DEMO_IDEAS + 300
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email.like(RESIDENT_EMAIL.replace("{:05d}", "%")))) == 500
    supports, comments = per_idea(Support.idea_id), per_idea(Comment.idea_id)
    for idea in ideas:
        assert idea.status in STATUSES
        assert idea.support_count == supports.get(idea.id, 0), idea.reference
        assert idea.comment_count == comments.get(idea.id, 0), idea.reference
    assert db.session.scalar(select(func.count()).select_from(Support)) > 300 * 4
    assert len({i.reference for i in ideas}) == len(ideas)

    timelines = defaultdict(list)
    for change in db.session.scalars(select(StatusChange).order_by(StatusChange.created_at,
                                                                   StatusChange.id)):
        timelines[change.idea_id].append(change)
    outcomes = {o.idea_id: o for o in db.session.scalars(select(OutcomeReport))}
    approved = {c.idea_id for c in db.session.scalars(
        select(Claim).where(Claim.status == "approved"))}
    loaded = [i for i in ideas if i.id > DEMO_IDEAS]
    for idea in loaded:
        status, reached = "submitted", {}
        for change in timelines[idea.id]:
            assert change.created_at >= idea.created_at
            if change.event == "status":
                assert change.from_status == status
                assert change.to_status in TRANSITIONS[status], (idea.reference, change)
                status = change.to_status
                reached.setdefault(status, change.created_at)
            else:
                assert change.from_status == change.to_status == status
        assert status == idea.status, idea.reference
        # Hiding an idea is not a response to it (lifecycle sets first_response_at only on
        # a staff status change), so a hidden, unanswered idea has none.
        staff = [c.created_at for c in timelines[idea.id]
                 if c.actor_id != idea.author_id and c.event != "hidden"]
        assert idea.first_response_at == (staff[0] if staff else None)
        assert idea.delivered_at == next(
            (reached[s] for s in ("delivered", "partly_delivered", "not_delivered")
             if s in reached), None)
        assert (idea.merged_into_id is not None) == (idea.status == "duplicate")
        if idea.id in approved:
            assert "in_delivery" in reached
        if idea.status in ("delivered", "partly_delivered", "not_delivered"):
            outcome = outcomes[idea.id]
            assert outcome.state == "published" and outcome.published_at == idea.delivered_at
            assert outcome.result == idea.status  # the published result is what it became
        elif idea.id in outcomes:
            assert idea.status == "in_delivery" and outcomes[idea.id].state != "published"
        if idea.hidden:
            assert timelines[idea.id][-1].event == "hidden"

    by_status = Counter(i.status for i in loaded)
    assert set(by_status) == set(STATUSES)
    assert sum(i.hidden for i in loaded) >= 1
    counts = sorted(i.support_count for i in loaded)
    assert counts[len(counts) // 2] < 10 < counts[-1] / 10  # a long tail
    assert max(i.comment_count for i in loaded) < 100       # no 10,000-comment idea this small
    assert db.session.scalar(select(func.count()).select_from(Follow).where(
        Follow.idea_id > DEMO_IDEAS)) == 300


def test_the_public_pages_still_render_after_a_load_with_a_long_idea(app, client):
    result = load(app, "--ideas", "300", "--big-comments", "400")
    big = db.session.scalars(select(Idea).order_by(Idea.comment_count.desc())).first()
    assert big.comment_count >= 400 and f"/ideas/{big.id}" in result.output
    assert not big.hidden and big.support_count > 100

    for path in ["/", "/ideas", "/ideas?page=10", "/ideas?sort=newest&page=5",
                 f"/ideas/{big.id}", "/accountability", "/feeds/ideas.atom", "/api/v1/ideas",
                 "/outcomes", "/assets"]:
        assert client.get(path).status_code == 200, path
    found = client.get("/ideas?q=library")
    assert found.status_code == 200 and "Library" in found.get_data(as_text=True)
    hidden = db.session.scalars(select(Idea).where(Idea.hidden.is_(True))).first()
    assert client.get(f"/ideas/{hidden.id}").status_code == 404


def test_a_second_load_adds_more_and_new_rows_still_get_their_own_ids(app, make):
    first = seed_load(40, residents=30)
    db.session.commit()
    second = seed_load(40, residents=30, random_seed=7)
    db.session.commit()
    assert first.rows["users"] == 30 and "users" not in second.rows  # residents reused
    assert db.session.scalar(select(func.count()).select_from(Idea)) == DEMO_IDEAS + 80
    newest = db.session.scalar(select(func.max(Idea.id)))
    idea = make.idea(title="Proposed after the load")  # a new user and idea: ids not taken
    assert idea.id > newest
