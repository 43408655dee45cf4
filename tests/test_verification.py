"""Residents verify outcomes: "Was it done?" (issue 14). Who is asked and who may answer, one
answer per person that can be changed, the tallies on the idea, /outcomes, /accountability,
the stats API, open data and the feed, and the disputed outcomes queue."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from citizenideas.errors import Conflict, NotAllowed, ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Notification, OutcomeVerification
from citizenideas.services import verification
from citizenideas.services.verification import verify_outcome

from .conftest import csrf_token
from .verification_world import World


@pytest.fixture
def world(make):
    return World(make)


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _notes(kind="status_change", *where):
    """Notifications of ``kind``; for status changes, only the outcome's ("now Delivered")."""
    if kind == "status_change":
        where = (*where, Notification.subject.contains("now Delivered"))
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind,
                                                              *where)))


# --- who is asked ------------------------------------------------------------------------------

def test_publishing_asks_each_person_with_a_stake_once_in_the_same_transaction(world):
    world.publish()
    notes = _notes()
    by_user = {}
    for note in notes:
        by_user.setdefault(note.user_id, []).append(note)
    for person in world.stakeholders:
        assert len(by_user[person.id]) == 1, person.display_name
        note = by_user[person.id][0]
        assert "Was it done?" in note.body and note.link.endswith("#verification")
        assert note.subject.endswith("now Delivered") and note.email_state == "pending"
    # A commenter hears the status change but is not asked; the moderator who published is
    # not told about their own action.
    assert [n.body for n in by_user[world.commenter.id]] and all(
        "Was it done?" not in n.body for n in by_user[world.commenter.id])
    assert world.moderator.id not in by_user and world.stranger.id not in by_user


def test_the_question_follows_each_persons_email_preference(make, world):
    world.follower.notify_pref = "daily"
    world.pledger.notify_pref = "off"
    db.session.commit()
    world.publish()
    states = {n.user_id: n.email_state for n in _notes()}
    assert states[world.follower.id] == "digest" and states[world.pledger.id] == "skipped"
    assert states[world.author.id] == "pending"


def test_a_refused_publication_asks_no_one(world):
    report = world.submit()
    from citizenideas.services import outcomes

    with pytest.raises(NotAllowed):
        outcomes.publish_outcome(world.partner, report)
    db.session.rollback()
    assert _count(Notification, Notification.body.contains("Was it done?")) == 0


# --- who may answer -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["author", "supporter", "follower", "pledger"])
def test_everyone_with_a_stake_may_answer(world, who):
    world.publish()
    found, created = verify_outcome(getattr(world, who), world.idea, "yes")
    db.session.commit()
    assert created and found.answer == "yes"


@pytest.mark.parametrize("who", ["stranger", "commenter", "partner", "moderator"])
def test_no_one_else_may_answer(world, who):
    world.publish()
    with pytest.raises(NotAllowed):
        verify_outcome(getattr(world, who), world.idea, "no")
    db.session.rollback()
    assert _count(OutcomeVerification) == 0


def test_the_delivering_partner_may_not_answer_even_as_a_supporter(make):
    world = World(make)
    from citizenideas.services import engagement

    engagement.follow_idea(world.partner, world.idea)
    db.session.commit()
    world.publish()
    with pytest.raises(NotAllowed):
        verify_outcome(world.partner, world.idea, "yes")


def test_before_the_outcome_is_published_an_answer_is_a_conflict(world):
    world.submit()
    with pytest.raises(Conflict):
        verify_outcome(world.supporter, world.idea, "yes")
    db.session.rollback()
    assert _count(OutcomeVerification) == 0


def test_an_answer_must_be_yes_partly_or_no_and_a_comment_follows_the_comment_rules(world):
    world.publish()
    with pytest.raises(ValidationFailed) as refused:
        verify_outcome(world.supporter, world.idea, "maybe", "x" * 5001)
    assert set(refused.value.errors) == {"answer", "comment"}
    db.session.rollback()
    found, _created = verify_outcome(world.supporter, world.idea, " PARTLY ",
                                     "  Only half the trees.\r\n\x07  ")
    assert found.answer == "partly" and found.comment == "Only half the trees."


# --- one answer, changeable --------------------------------------------------------------------

def test_changing_an_answer_updates_the_one_row(world):
    report = world.publish()
    first, created = verify_outcome(world.supporter, world.idea, "yes", "Lovely trees.")
    db.session.commit()
    second, created_again = verify_outcome(world.supporter, world.idea, "no", "They died.")
    db.session.commit()
    assert created and not created_again and first.id == second.id
    assert _count(OutcomeVerification) == 1
    assert (second.answer, second.comment) == ("no", "They died.")
    assert second.updated_at >= second.created_at
    db.session.refresh(report)
    assert verification.tally(report) == {"yes": 0, "partly": 0, "no": 1}


def test_the_tally_text_handles_plurals():
    assert verification.tally_text({"yes": 34, "partly": 5, "no": 2}) == \
        "34 residents say it was done, 5 partly, 2 not"
    assert verification.tally_text({"yes": 1, "partly": 0, "no": 1}) == \
        "1 resident says it was done, 0 partly, 1 not"
    assert "No residents" in verification.tally_text({"yes": 0, "partly": 0, "no": 0})


# --- disputed ------------------------------------------------------------------------------------

def _disputed_notes(world):
    return _notes("outcome_disputed")


def test_more_no_than_yes_with_three_answers_is_disputed_and_the_partner_told_once(make, world):
    report = world.publish()
    extra = world.residents(make, 3)
    verify_outcome(world.author, world.idea, "no")
    verify_outcome(world.supporter, world.idea, "no")
    db.session.commit()
    assert report.disputed_at is None and _disputed_notes(world) == []  # only 2 answers
    verify_outcome(world.follower, world.idea, "partly")
    db.session.commit()
    assert report.disputed_at is not None
    notes = _disputed_notes(world)
    assert [n.user_id for n in notes] == [world.partner.id]
    # Later answers, even ones that end the dispute and start it again, tell no one again.
    verify_outcome(extra[0], world.idea, "yes")
    verify_outcome(extra[1], world.idea, "yes")
    db.session.commit()
    assert report.disputed_at is None
    verify_outcome(extra[2], world.idea, "no")
    db.session.commit()
    assert report.disputed_at is not None
    assert len(_disputed_notes(world)) == 1


def test_the_council_dashboard_lists_disputed_outcomes_with_answers(client, auth, world):
    world.publish()
    for person, answer, comment in ((world.author, "no", "Nothing was planted."),
                                    (world.supporter, "no", ""),
                                    (world.follower, "yes", "I saw the trees.")):
        verify_outcome(person, world.idea, answer, comment)
    db.session.commit()
    assert verification.disputed_count() == 1
    auth.sign_in(world.moderator.email)
    dashboard = client.get("/council").get_data(as_text=True)
    assert "Disputed outcomes (residents say it was not done): <strong>1</strong>" in dashboard
    page = client.get("/council/disputed")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 disputed outcome" in html
    assert world.idea.title in html and "Nothing was planted." in html
    assert "I saw the trees." in html and "Ada Author" in html and "Sam Supporter" in html
    assert "1 resident says it was done, 0 partly, 2 not" in html


def test_the_council_idea_page_shows_every_answer_with_names(client, auth, world):
    world.publish()
    verify_outcome(world.pledger, world.idea, "partly", "")
    verify_outcome(world.follower, world.idea, "yes", "Looks great.")
    db.session.commit()
    auth.sign_in(world.moderator.email)
    html = client.get(f"/council/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Was it done? Residents\u2019 answers" in html or "Was it done? Residents' answers" \
        in html or "Was it done? Residents&#39; answers" in html
    assert "Pat Pledger" in html and "Fay Follower" in html and "Looks great." in html
    assert "\u201cWas it done?\u201d" in html


def test_residents_and_partners_may_not_see_the_disputed_queue(client, auth, world):
    auth.sign_in(world.partner.email)
    assert client.get("/council/disputed").status_code == 403


# --- the idea page ------------------------------------------------------------------------

def test_the_idea_page_asks_a_stakeholder_and_shows_their_answer(client, auth, world):
    world.publish()
    auth.sign_in(world.supporter.email)
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Was it done?" in html and 'id="verification-form"' in html
    assert "No residents have said yet whether it was done." in html
    token = csrf_token(client, f"/ideas/{world.idea.id}")
    answered = client.post(f"/ideas/{world.idea.id}/verification",
                           data={"csrf_token": token, "answer": "partly",
                                 "comment": "Half the trees are in."})
    assert answered.status_code == 303
    assert answered.headers["Location"].endswith(f"/ideas/{world.idea.id}#verification")
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Thank you. Your answer has been saved." in html
    assert "You said: Partly." in html and "Change my answer" in html
    assert "0 residents say it was done, 1 partly, 0 not" in html
    assert "Half the trees are in." in html and "Sam Supporter" in html
    changed = client.post(f"/ideas/{world.idea.id}/verification",
                          data={"csrf_token": token, "answer": "yes", "comment": ""})
    assert changed.status_code == 303
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Your answer has been changed." in html and "You said: Yes." in html
    assert "1 resident says it was done, 0 partly, 0 not" in html
    assert "Half the trees are in." not in html


def test_htmx_swaps_the_section_and_announces(client, auth, world):
    world.publish()
    auth.sign_in(world.author.email)
    token = csrf_token(client, f"/ideas/{world.idea.id}")
    response = client.post(f"/ideas/{world.idea.id}/verification",
                           data={"csrf_token": token, "answer": "yes"},
                           headers={"HX-Request": "true", "HX-Target": "verification"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<section id=\"verification\"")
    assert 'id="ci-announce" data-hx-swap-oob="innerHTML">Thank you. Your answer has been saved.' \
        in html
    assert "You said: Yes." in html
    refused = client.post(f"/ideas/{world.idea.id}/verification",
                          data={"csrf_token": token, "answer": ""},
                          headers={"HX-Request": "true", "HX-Target": "verification"})
    assert refused.status_code == 422 and "Choose yes, partly or no." in refused.get_data(
        as_text=True)


def test_a_mistake_without_js_shows_the_form_again_with_the_error(client, auth, world):
    world.publish()
    auth.sign_in(world.pledger.email)
    token = csrf_token(client, f"/ideas/{world.idea.id}")
    response = client.post(f"/ideas/{world.idea.id}/verification",
                           data={"csrf_token": token, "comment": "No answer chosen."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose yes, partly or no." in html
    assert "No answer chosen." in html


def test_a_stranger_gets_403_and_before_publication_409_on_the_page(client, auth, make):
    world = World(make)
    world.submit()
    auth.sign_in(world.supporter.email)
    token = csrf_token(client, f"/ideas/{world.idea.id}")
    early = client.post(f"/ideas/{world.idea.id}/verification",
                        data={"csrf_token": token, "answer": "yes"})
    assert early.status_code == 409
    world.publish()
    auth.sign_out()
    auth.sign_in(world.stranger.email)
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Was it done?" in html and 'id="verification-form"' not in html
    token = csrf_token(client, f"/ideas/{world.idea.id}")
    refused = client.post(f"/ideas/{world.idea.id}/verification",
                          data={"csrf_token": token, "answer": "yes"})
    assert refused.status_code == 403


def test_a_visitor_is_offered_sign_in(client, world):
    world.publish()
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Sign in to say whether it was done" in html


# --- tallies everywhere -------------------------------------------------------------------------

def _answer_34_5_2(make, world):
    """Enough answers for the example in the issue, spread over many residents."""
    people = world.residents(make, 41)
    for i, person in enumerate(people):
        verify_outcome(person, world.idea, "yes" if i < 34 else "partly" if i < 39 else "no")
    db.session.commit()


def test_the_tally_shows_on_the_idea_and_on_outcomes(client, make, world):
    world.publish()
    _answer_34_5_2(make, world)
    text = "34 residents say it was done, 5 partly, 2 not"
    assert text in client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert text in client.get("/outcomes").get_data(as_text=True)


def test_accountability_shows_the_confirmed_share_right_after_an_answer(client, make, world):
    from citizenideas.services.stats import accountability_figures

    world.publish()
    other = World(make, title="Benches by the lock")
    other.publish()
    before = client.get("/accountability").get_data(as_text=True)  # cached figures
    assert "Outcomes residents confirm" in before
    verify_outcome(world.supporter, world.idea, "yes")
    verify_outcome(other.supporter, other.idea, "no")
    db.session.commit()
    html = client.get("/accountability").get_data(as_text=True)
    assert "50% (1 of 2 outcomes residents answered about)" in html
    assert "1 yes, 0 partly, 1 no" in html
    totals = accountability_figures()["totals"]
    assert totals["outcomes_answered_by_residents"] == 2
    assert totals["outcomes_confirmed_by_residents"] == 1
    assert totals["residents_confirmed_share"] == 0.5
    assert totals["outcomes_disputed_by_residents"] == 0
    verify_outcome(world.author, world.idea, "yes")
    db.session.commit()
    assert "2 yes, 0 partly, 1 no" in client.get("/accountability").get_data(as_text=True)


def test_the_stats_api_carries_the_figures(client, world):
    world.publish()
    verify_outcome(world.supporter, world.idea, "partly")
    db.session.commit()
    totals = client.get("/api/v1/stats").get_json()["totals"]
    assert totals["verification_partly"] == 1 and totals["outcomes_answered_by_residents"] == 1
    assert totals["outcomes_confirmed_by_residents"] == 0
    assert totals["residents_confirmed_share"] == 0.0


def test_open_data_carries_the_tally(client, make, world):
    world.publish()
    _answer_34_5_2(make, world)
    rows = list(csv.DictReader(io.StringIO(client.get("/outcomes.csv").get_data(as_text=True))))
    assert (rows[0]["residents_say_done"], rows[0]["residents_say_partly"],
            rows[0]["residents_say_not_done"]) == ("34", "5", "2")
    item = client.get("/outcomes.json").get_json()["items"][0]
    assert (item["residents_say_done"], item["residents_say_partly"],
            item["residents_say_not_done"]) == (34, 5, 2)
    summary = client.get("/accountability.csv?table=summary").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(summary)))
    assert row["verification_yes"] == "34" and row["outcomes_confirmed_by_residents"] == "1"


def test_the_outcomes_feed_mentions_the_tally(client, make, world):
    world.publish()
    _answer_34_5_2(make, world)
    feed = client.get("/feeds/outcomes.atom").get_data(as_text=True)
    assert "34 residents say it was done, 5 partly, 2 not" in feed


def test_my_data_export_includes_my_answers(world):
    from citizenideas.services.privacy import export_my_data

    world.publish()
    verify_outcome(world.pledger, world.idea, "no", "I never heard from them.")
    db.session.commit()
    answers = export_my_data(world.pledger)["outcome_answers"]
    assert [(a["idea_id"], a["answer"], a["comment"]) for a in answers] == [
        (world.idea.id, "no", "I never heard from them.")]
