"""Nobody acts for someone else: organisation A cannot act for organisation B, residents
cannot change others' ideas, notifications and API tokens are private, and hidden ideas and
internal notes never leak through pages, the API, feeds or exports.

Each check goes through the service (the real guard) and, where there is one, the page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citizenideas.errors import AuthRequired, NotAllowed, NotFound
from citizenideas.extensions import db
from citizenideas.models import (
    ApiToken,
    Claim,
    Notification,
    OutcomeReport,
    ProgressUpdate,
    User,
    utcnow,
)
from citizenideas.services import (
    claims,
    engagement,
    ideas,
    lifecycle,
    notifications,
    outcomes,
    reports,
    tokens,
    triage,
)

from .conftest import csrf_token


@pytest.fixture
def two_orgs(make):
    """Organisation B delivers an accepted idea with a volunteer; A is another partner."""
    moderator = make.user(role="moderator", email="mod@example.org")
    alice = make.user(email="alice@example.org")   # member of A
    bob = make.user(email="bob@example.org")       # member of B
    org_a = make.organisation(name="Org A", members=[(alice, "manager")])
    org_b = make.organisation(name="Org B", members=[(bob, "manager")])
    idea = make.idea(status="accepted")
    volunteer = make.user(email="vol@example.org")
    pledge = engagement.pledge_help(volunteer, idea, kind="time",
                                    message="I can help on Saturdays.", hours=2)
    claim = claims.claim_idea(bob, idea, org_b, plan="We will build it over the summer.")
    claims.decide_claim(moderator, claim, "approve", "")
    db.session.commit()
    return {"moderator": moderator, "alice": alice, "bob": bob, "a": org_a, "b": org_b,
            "idea": idea, "pledge": pledge, "claim": claim}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_member_of_a_cannot_claim_for_b(two_orgs):
    with pytest.raises(NotAllowed):
        claims.claim_idea(two_orgs["alice"], two_orgs["idea"], two_orgs["b"],
                          plan="A plan that is long enough to count as a plan.")


def test_a_member_of_a_cannot_claim_for_b_through_the_page(client, auth, two_orgs):
    auth.sign_in("alice@example.org")
    idea = two_orgs["idea"]
    before = count(Claim)
    response = client.post(f"/partners/ideas/{idea.id}/claim", data={
        "organisation_id": two_orgs["b"].id, "plan": "A plan that is long enough to count.",
        "csrf_token": csrf_token(client, f"/partners/ideas/{idea.id}/claim")})
    assert response.status_code in (403, 422)
    assert count(Claim) == before


def test_a_member_of_a_cannot_withdraw_bs_claim(client, auth, two_orgs):
    with pytest.raises(NotAllowed):
        claims.withdraw_claim(two_orgs["alice"], two_orgs["claim"], "no")
    auth.sign_in("alice@example.org")
    claim_id = two_orgs["claim"].id
    response = client.post(f"/partners/claims/{claim_id}/withdraw",
                           data={"reason": "no", "csrf_token": csrf_token(client, "/sign-out")})
    assert response.status_code == 403
    assert db.session.get(Claim, claim_id).status == "approved"


def test_a_member_of_a_cannot_post_progress_or_an_outcome_for_b(client, auth, two_orgs):
    alice, idea, org_b = two_orgs["alice"], two_orgs["idea"], two_orgs["b"]
    with pytest.raises(NotAllowed):
        outcomes.post_progress_update(alice, idea, "We started.", organisation=org_b)
    with pytest.raises(NotAllowed):
        outcomes.post_progress_update(alice, idea, "We started.")
    with pytest.raises(NotAllowed):
        outcomes.save_outcome_report(alice, idea, result="delivered", summary="Done.",
                                     organisation=org_b)
    db.session.rollback()
    auth.sign_in("alice@example.org")
    token = csrf_token(client, "/sign-out")
    assert client.post(f"/partners/ideas/{idea.id}/progress", data={
        "body": "We started.", "organisation_id": org_b.id, "csrf_token": token}
    ).status_code == 403
    assert client.post(f"/partners/ideas/{idea.id}/outcome", data={
        "result": "delivered", "summary": "Done.", "organisation_id": org_b.id,
        "action": "submit", "csrf_token": token}).status_code == 403
    assert count(ProgressUpdate) == 0 and count(OutcomeReport) == 0


def test_nobody_signed_out_can_post_progress_as_an_organisation(two_orgs):
    with pytest.raises((AuthRequired, NotAllowed)):
        outcomes.post_progress_update(None, two_orgs["idea"], "We started.",
                                      organisation=two_orgs["b"])
    with pytest.raises((AuthRequired, NotAllowed)):
        outcomes.save_outcome_report(None, two_orgs["idea"], result="delivered",
                                     summary="Done.", organisation=two_orgs["b"])


def test_a_deactivated_moderator_cannot_post_progress_for_an_organisation(two_orgs):
    moderator = two_orgs["moderator"]
    moderator.deactivated_at = utcnow()
    db.session.flush()
    with pytest.raises((AuthRequired, NotAllowed)):
        outcomes.post_progress_update(moderator, two_orgs["idea"], "We started.",
                                      organisation=two_orgs["b"])


def test_a_member_of_a_cannot_see_or_message_bs_volunteers(client, auth, two_orgs):
    with pytest.raises(NotAllowed):
        claims.message_pledger(two_orgs["alice"], two_orgs["pledge"], two_orgs["b"], "Hi")
    with pytest.raises(NotAllowed):
        claims.message_pledger(two_orgs["alice"], two_orgs["pledge"], two_orgs["a"], "Hi")
    db.session.rollback()
    auth.sign_in("alice@example.org")
    idea, pledge = two_orgs["idea"], two_orgs["pledge"]
    page = client.get(f"/partners/ideas/{idea.id}/volunteers")
    assert page.status_code == 403
    assert "vol@example.org" not in page.get_data(as_text=True)
    before = count(Notification)
    response = client.post(f"/partners/pledges/{pledge.id}/message", data={
        "body": "Hello", "organisation_id": two_orgs["b"].id,
        "csrf_token": csrf_token(client, "/sign-out")})
    assert response.status_code == 403
    assert count(Notification) == before


def test_a_resident_cannot_edit_or_withdraw_anothers_idea(client, auth, make):
    owner = make.user(email="owner@example.org")
    make.user(email="other@example.org")
    idea = make.idea(author=owner)
    other = db.session.scalar(select(User).where(User.email == "other@example.org"))
    with pytest.raises(NotAllowed):
        ideas.edit_idea(other, idea, title="Taken over", description="x" * 40,
                        category_id=idea.category_id, ward_id=idea.ward_id)
    with pytest.raises(NotAllowed):
        ideas.withdraw_idea(other, idea, "Because")
    db.session.rollback()
    auth.sign_in("other@example.org")
    token = csrf_token(client, "/ideas/new")
    edit = client.post(f"/ideas/{idea.id}/edit", data={
        "title": "Taken over", "description": "x" * 40, "category_id": idea.category_id,
        "ward_id": idea.ward_id, "csrf_token": token})
    withdraw = client.post(f"/ideas/{idea.id}/withdraw",
                           data={"reason": "Because", "csrf_token": token})
    assert edit.status_code == 403 and withdraw.status_code == 403
    db.session.expire_all()
    assert idea.title != "Taken over" and idea.status == "submitted"


def test_another_persons_notification_is_not_found(client, auth, make):
    owner = make.user()
    make.user(email="snoop@example.org")
    notifications.notify_user(owner, "status", "Private subject", "Private body")
    db.session.commit()
    note = db.session.scalar(select(Notification))
    auth.sign_in("snoop@example.org")
    response = client.get(f"/me/notifications/{note.id}")
    assert response.status_code == 404
    assert "Private body" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_another_persons_api_token_cannot_be_revoked(client, auth, make):
    owner = make.user()
    snoop = make.user(email="snoop@example.org")
    token, raw = tokens.create_api_token(owner, "Owner's token")
    _mine, my_raw = tokens.create_api_token(snoop, "Mine")
    db.session.commit()
    with pytest.raises(NotFound):
        tokens.revoke_api_token(snoop, token.id)
    db.session.rollback()
    auth.sign_in("snoop@example.org")
    assert client.post(f"/me/tokens/{token.id}/revoke",
                       data={"csrf_token": csrf_token(client, "/me/tokens")}).status_code == 404
    response = client.delete(f"/api/v1/tokens/{token.id}",
                          headers={"Authorization": f"Bearer {my_raw}"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_a_signed_out_caller_cannot_revoke_or_list_tokens(make):
    token, _raw = tokens.create_api_token(make.user(), "Owner's token")
    with pytest.raises((AuthRequired, NotFound)):
        tokens.revoke_api_token(None, token.id)


@pytest.fixture
def hidden(make):
    moderator = make.user(role="moderator", email="mod@example.org")
    idea = make.idea(title="Secret hidden idea title", status="submitted")
    triage.add_internal_note(moderator, idea, "INTERNAL-NOTE-TEXT about the author")
    lifecycle.change_status(moderator, idea, "under_review", "")
    reports.hide_idea(moderator, idea, "Abusive")
    public = make.idea(title="Public idea title", status="submitted")
    triage.add_internal_note(moderator, public, "INTERNAL-NOTE-ON-PUBLIC")
    db.session.commit()
    return {"idea": idea, "public": public}


def test_hidden_ideas_and_internal_notes_never_leak(client, auth, make, hidden):
    idea, public = hidden["idea"], hidden["public"]
    make.user(email="resident@example.org")
    for who in (None, "resident@example.org"):
        if who:
            auth.sign_in(who)
        assert client.get(f"/ideas/{idea.id}").status_code == 404
        assert client.get(f"/api/v1/ideas/{idea.id}").status_code == 404
        for path in ("/ideas", "/ideas?q=Secret", "/api/v1/ideas", "/api/v1/ideas?q=Secret",
                     "/ideas.csv", "/ideas.json", "/feeds/ideas.atom",
                     "/feeds/status-changes.atom", f"/ideas/{public.id}",
                     f"/api/v1/ideas/{public.id}", "/"):
            text = client.get(path).get_data(as_text=True)
            assert "Secret hidden idea title" not in text, (who, path)
            assert "INTERNAL-NOTE" not in text, (who, path)


def test_the_author_of_a_hidden_idea_never_sees_internal_notes(client, auth, hidden):
    author_email = hidden["idea"].author.email
    auth.sign_in(author_email)
    for path in (f"/ideas/{hidden['idea'].id}", "/me/data.json"):
        response = client.get(path)
        assert "INTERNAL-NOTE" not in response.get_data(as_text=True), path
