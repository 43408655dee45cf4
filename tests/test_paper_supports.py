"""Supports gathered on paper: recorded by staff with their evidence, shown beside the online
count, counted in the total that lists sort by, in open data, audited, removable with a
reason, and never lost when recorded at the same moment (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import AuditLog, Idea, PaperSupport, User
from citizenideas.services import engagement, ideas, paper_supports
from tests.concurrency import race

from .conftest import csrf_token

EVIDENCE = "Petition sheet at the library, 23 signatures"


def test_staff_record_paper_supports_and_they_count_in_the_total(app, make):
    moderator, resident = make.user(role="moderator"), make.user()
    idea = make.idea()
    engagement.support_idea(resident, idea)
    record = paper_supports.record_paper_supports(moderator, idea, count=23, evidence=EVIDENCE)
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.support_count, idea.paper_support_count, idea.total_support_count) == (1, 23, 24)
    assert (record.count, record.evidence, record.recorded_by_id) == (23, EVIDENCE, moderator.id)
    entry = db.session.scalar(select(AuditLog).where(
        AuditLog.action == "paper_supports_recorded"))
    assert entry.actor_id == moderator.id and entry.after["count"] == 23


def test_several_records_add_up_and_a_removal_takes_its_count_off(app, make):
    moderator = make.user(role="moderator")
    idea = make.idea()
    first = paper_supports.record_paper_supports(moderator, idea, count="23", evidence=EVIDENCE)
    paper_supports.record_paper_supports(moderator, idea, count=7, evidence="Letters at the hub")
    paper_supports.remove_paper_supports(moderator, first, "The sheet was counted twice")
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.paper_support_count, idea.total_support_count) == (7, 7)
    db.session.refresh(first)
    assert first.removed_by_id == moderator.id and first.removed_reason
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "paper_supports_removed"))
    with pytest.raises(Conflict):
        paper_supports.remove_paper_supports(moderator, first, "Again")


@pytest.mark.parametrize("count, evidence, field", [
    (0, EVIDENCE, "count"), (-3, EVIDENCE, "count"), ("many", EVIDENCE, "count"),
    (100_001, EVIDENCE, "count"), (5, "", "evidence"), (5, "x" * 501, "evidence"),
])
def test_a_count_and_its_evidence_are_checked(app, make, count, evidence, field):
    with pytest.raises(ValidationFailed) as caught:
        paper_supports.record_paper_supports(make.user(role="moderator"), make.idea(),
                                             count=count, evidence=evidence)
    assert set(caught.value.errors) == {field}


def test_a_removal_needs_a_reason(app, make):
    moderator = make.user(role="moderator")
    record = paper_supports.record_paper_supports(moderator, make.idea(), count=3,
                                                  evidence=EVIDENCE)
    with pytest.raises(ValidationFailed) as caught:
        paper_supports.remove_paper_supports(moderator, record, "  ")
    assert set(caught.value.errors) == {"reason"}


def test_residents_and_partners_cannot_record_or_remove_paper_supports(app, make):
    partner = make.user()
    make.organisation(members=[(partner, "manager")])
    idea = make.idea()
    record = paper_supports.record_paper_supports(make.user(role="moderator"), idea, count=3,
                                                  evidence=EVIDENCE)
    for who in (make.user(), partner):
        with pytest.raises(NotAllowed):
            paper_supports.record_paper_supports(who, idea, count=3, evidence=EVIDENCE)
        with pytest.raises(NotAllowed):
            paper_supports.remove_paper_supports(who, record, "No")


def test_lists_sort_by_the_total_of_online_and_paper_supports(app, make):
    moderator = make.user(role="moderator")
    online = make.idea(title="Online favourite idea", support_count=10)
    paper = make.idea(title="Paper petition idea")
    paper_supports.record_paper_supports(moderator, paper, count=30, evidence=EVIDENCE)
    db.session.commit()
    listed = ideas.search_ideas(None, sort="supports").items
    assert [i.id for i in listed] == [paper.id, online.id]
    assert [i.id for i in ideas.most_supported_open()] == [paper.id, online.id]


def test_the_idea_page_shows_on_paper_beside_online(app, client, make):
    idea = make.idea(support_count=4)
    paper_supports.record_paper_supports(make.user(role="moderator"), idea, count=23,
                                         evidence=EVIDENCE)
    db.session.commit()
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "27 supporters" in page and "4 online · 23 on paper" in page
    assert EVIDENCE not in page  # the evidence is the council's record


def test_open_data_and_the_api_carry_paper_supports_and_the_total(app, client, make):
    idea = make.idea(support_count=4)
    paper_supports.record_paper_supports(make.user(role="moderator"), idea, count=23,
                                         evidence=EVIDENCE)
    db.session.commit()
    [row] = list(csv.DictReader(io.StringIO(client.get("/ideas.csv").get_data(as_text=True))))
    assert (row["support_count"], row["paper_supports"], row["total"]) == ("4", "23", "27")
    data = client.get("/ideas.json").get_json()
    items = data["ideas"] if isinstance(data, dict) and "ideas" in data else data
    [item] = items if isinstance(items, list) else items["items"]
    assert (item["support_count"], item["paper_supports"], item["total"]) == (4, 23, 27)
    shown = client.get(f"/api/v1/ideas/{idea.id}").get_json()
    assert shown["support_count"] == 4  # unchanged meaning: online supports
    assert shown["supports"] == {"online": 4, "paper": 23, "total": 27}


def test_staff_record_and_remove_paper_supports_on_the_council_page(app, client, auth, make):
    make.user(role="moderator", email="mod@example.org")
    idea = make.idea()
    auth.sign_in("mod@example.org")
    path = f"/council/ideas/{idea.id}"
    token = csrf_token(client, path)
    refused = client.post(f"{path}/paper-supports",
                          data={"csrf_token": token, "count": "lots", "evidence": EVIDENCE})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'href="#count"' in body and f'value="{EVIDENCE}"' in body
    response = client.post(f"{path}/paper-supports",
                           data={"csrf_token": token, "count": "23", "evidence": EVIDENCE})
    assert response.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert EVIDENCE in page and "23 on paper" in page
    record = db.session.scalar(select(PaperSupport))
    refused = client.post(f"/council/paper-supports/{record.id}/remove",
                          data={"csrf_token": token, f"reason-{record.id}": ""})
    assert refused.status_code == 422 and f'href="#reason-{record.id}"' in refused.get_data(
        as_text=True)
    done = client.post(f"/council/paper-supports/{record.id}/remove",
                       data={"csrf_token": token, f"reason-{record.id}": "Counted twice"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).paper_support_count == 0


def _at_once(app, jobs) -> list[str]:
    """Run each job (a function of the session's objects) in its own thread and session."""
    _done, refused, errors = race(app, [lambda job=job: job for job in jobs], load_first=False)
    return errors + [repr(exc) for exc in refused]


def test_paper_records_and_online_supports_at_the_same_moment_all_count(app, make):
    moderator_id = make.user(role="moderator").id
    supporters = [make.user().id for _ in range(10)]
    idea_id = make.idea().id

    def paper(n):
        def job():
            return paper_supports.record_paper_supports(
                db.session.get(User, moderator_id), db.session.get(Idea, idea_id), count=n,
                evidence=f"Sheet {n}")
        return job

    def online(user_id):
        def job():
            return engagement.support_idea(db.session.get(User, user_id),
                                           db.session.get(Idea, idea_id))
        return job

    jobs = [paper(n) for n in range(1, 21)] + [online(u) for u in supporters]
    assert _at_once(app, jobs) == []
    db.session.expire_all()
    idea = db.session.get(Idea, idea_id)
    recorded = db.session.scalar(select(func.sum(PaperSupport.count)))
    assert idea.paper_support_count == recorded == sum(range(1, 21))
    assert idea.support_count == 10
    assert idea.total_support_count == 10 + sum(range(1, 21))


def test_two_moderators_removing_one_record_at_once_take_it_off_once(app, make):
    moderator_ids = [make.user(role="moderator").id for _ in range(2)]
    idea = make.idea()
    record_id = paper_supports.record_paper_supports(
        db.session.get(User, moderator_ids[0]), idea, count=23, evidence=EVIDENCE).id
    db.session.commit()
    refused: list[str] = []

    def remove(user_id):
        def job():
            try:
                return paper_supports.remove_paper_supports(
                    db.session.get(User, user_id), paper_supports.get_paper_supports(record_id),
                    "Duplicate sheet")
            except Conflict:
                refused.append("conflict")
                raise
        return job

    errors = _at_once(app, [remove(u) for u in moderator_ids])
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).paper_support_count == 0
    assert len(refused) == 1 and len(errors) == 1 and "Conflict" in errors[0]


def test_merging_a_duplicate_moves_its_paper_supports_to_the_idea_kept(app, make):
    from citizenideas.services.merging import merge_idea

    moderator = make.user(role="moderator")
    kept, duplicate = make.idea(support_count=0), make.idea()
    paper_supports.record_paper_supports(moderator, kept, count=5, evidence="Sheet A")
    paper_supports.record_paper_supports(moderator, duplicate, count=23, evidence=EVIDENCE)
    removed = paper_supports.record_paper_supports(moderator, duplicate, count=4,
                                                   evidence="Sheet C")
    paper_supports.remove_paper_supports(moderator, removed, "Counted twice")
    merge_idea(moderator, duplicate, kept, "The same bench.")
    db.session.commit()
    db.session.expire_all()
    kept, duplicate = db.session.get(Idea, kept.id), db.session.get(Idea, duplicate.id)
    assert (kept.paper_support_count, kept.total_support_count) == (28, 28)
    assert duplicate.paper_support_count == 0
    assert db.session.scalar(select(func.count(PaperSupport.id)).where(
        PaperSupport.idea_id == kept.id)) == 3
