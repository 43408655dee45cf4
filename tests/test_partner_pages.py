"""Partner, claim-review, outcome-review and organisation pages, through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import (
    AuditLog,
    Claim,
    Membership,
    Notification,
    Organisation,
    OutcomeReport,
    Pledge,
    ProgressUpdate,
)
from citizenideas.services import claims, outcomes

from .conftest import csrf_token

PLAN = "We will run weekly sessions in the community hall with our volunteers."


@pytest.fixture
def world(make):
    class World:
        pass

    w = World()
    w.author = make.user()
    w.moderator = make.user(role="moderator", email="mod@example.org")
    w.admin = make.user(role="admin", email="admin@example.org")
    w.partner = make.user(email="partner@example.org")
    w.org = make.organisation(name="Elm Park Friends", members=[(w.partner, "manager")])
    w.idea = make.idea(author=w.author, status="accepted", title="Plant trees on Elm Road")
    return w


def _post(client, path, data, page=None):
    token = csrf_token(client, page or path)
    return client.post(path, data={**data, "csrf_token": token})


def _sign_out(client):
    """Sign out with the token from the sign-out page (conftest's Auth.sign_out reads it from
    /sign-in, which redirects a signed-in user)."""
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _approve(world):
    claim = claims.claim_idea(world.partner, world.idea, world.org, plan=PLAN)
    claims.decide_claim(world.moderator, claim, "approve", "")
    db.session.commit()
    return claim


# ------------------------------------------------------------------------- permissions

@pytest.mark.parametrize("path", ["/council/claims", "/council/outcomes"])
def test_council_queues_are_for_moderators_only(world, client, auth, path):
    assert client.get(path).status_code == 302  # to sign in
    auth.sign_in(world.partner.email)
    assert client.get(path).status_code == 403
    _sign_out(client)
    auth.sign_in(world.moderator.email)
    assert client.get(path).status_code == 200


def test_admin_organisation_pages_are_for_admins_only(world, client, auth):
    auth.sign_in(world.moderator.email)
    assert client.get("/admin/organisations").status_code == 403
    token = csrf_token(client, "/sign-out")
    assert client.post(f"/admin/organisations/{world.org.id}/verify",
                       data={"csrf_token": token, "action": "unverify"}).status_code == 403


@pytest.mark.parametrize("path", ["/partners/ideas/{id}/claim", "/partners/ideas/{id}/volunteers",
                                  "/partners/ideas/{id}/progress",
                                  "/partners/ideas/{id}/outcome"])
def test_residents_get_403_on_partner_idea_pages(world, client, auth, make, path):
    resident = make.user()
    auth.sign_in(resident.email)
    assert client.get(path.format(id=world.idea.id)).status_code == 403


@pytest.mark.parametrize("path", ["/partners/ideas/{id}/volunteers",
                                  "/partners/ideas/{id}/progress",
                                  "/partners/ideas/{id}/outcome"])
def test_an_organisation_that_does_not_deliver_gets_403(world, client, auth, path):
    auth.sign_in(world.partner.email)  # verified org, but no approved claim
    assert client.get(path.format(id=world.idea.id)).status_code == 403


def test_members_of_an_unverified_organisation_cannot_claim(world, client, auth, make):
    member = make.user()
    make.organisation(verified=False, members=[(member, "manager")])
    auth.sign_in(member.email)
    assert client.get(f"/partners/ideas/{world.idea.id}/claim").status_code == 403


def test_a_non_member_cannot_claim_for_someone_elses_organisation(world, client, auth, make):
    outsider = make.user()
    make.organisation(members=[(outsider, "manager")])
    auth.sign_in(outsider.email)
    response = _post(client, f"/partners/ideas/{world.idea.id}/claim",
                     {"organisation_id": world.org.id, "plan": PLAN})
    assert response.status_code == 403
    assert _count(Claim) == 0


def test_non_members_cannot_see_an_organisations_page(world, client, auth, make):
    auth.sign_in(make.user().email)
    assert client.get(f"/organisations/{world.org.id}").status_code == 403


# ------------------------------------------------------------------------ organisations

def test_a_resident_registers_an_organisation_and_an_admin_verifies_it(client, auth, make):
    resident = make.user()
    admin = make.user(role="admin")
    auth.sign_in(resident.email)
    response = _post(client, "/organisations/new", {
        "name": "Hall Trust", "registered_number": "", "description":
        "We run the community hall on Mill Lane.", "website": "https://hall.example.org",
        "contact_email": "hall@example.org"})
    assert response.status_code == 303
    org = db.session.scalar(select(Organisation))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for the council to verify" in page
    _sign_out(client)
    auth.sign_in(admin.email)
    listing = client.get("/admin/organisations?show=unverified").get_data(as_text=True)
    assert "Hall Trust" in listing
    response = _post(client, f"/admin/organisations/{org.id}/verify", {"action": "verify"},
                     page=f"/organisations/{org.id}")
    assert response.status_code == 303
    db.session.refresh(org)
    assert org.is_verified
    assert db.session.scalar(select(AuditLog.action)) == "organisation.verify"
    listing = client.get("/admin/organisations?show=unverified").get_data(as_text=True)
    assert f'href="/organisations/{org.id}"' not in listing


def test_bad_organisation_details_show_errors_and_write_nothing(client, auth, make):
    auth.sign_in(make.user().email)
    response = _post(client, "/organisations/new", {
        "name": "", "description": "short", "website": "not a url",
        "contact_email": "nope"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#website"' in html
    assert _count(Organisation) == 0


def test_a_manager_invites_someone_who_accepts_while_signed_in(world, client, auth, make):
    auth.sign_in(world.partner.email)
    response = _post(client, f"/organisations/{world.org.id}/invitations",
                     {"email": "newbie@example.org"}, page=f"/organisations/{world.org.id}")
    assert response.status_code == 303
    link = db.session.scalar(select(Notification.link).where(Notification.kind == "invitation"))
    path = re.sub(r"^https?://[^/]+", "", link)
    _sign_out(client)
    newbie = make.user(email="newbie@example.org")
    auth.sign_in(newbie.email)
    assert client.get(path).status_code == 200
    assert _post(client, path, {}).status_code == 303
    assert db.session.scalar(select(Membership).where(Membership.user_id == newbie.id))
    assert _post(client, path, {}, page="/sign-out").status_code == 400


def test_a_forwarded_invitation_does_not_let_another_account_join(world, client, auth, make):
    auth.sign_in(world.partner.email)
    _post(client, f"/organisations/{world.org.id}/invitations",
          {"email": "invited@example.org"}, page=f"/organisations/{world.org.id}")
    link = db.session.scalar(select(Notification.link).where(Notification.kind == "invitation"))
    path = re.sub(r"^https?://[^/]+", "", link)
    _sign_out(client)
    stranger = make.user(email="stranger@example.org")
    auth.sign_in(stranger.email)
    response = _post(client, path, {})
    assert response.status_code == 403
    assert "sent to a different email address" in response.get_data(as_text=True)
    assert not db.session.scalar(select(Membership).where(Membership.user_id == stranger.id))
    invited = make.user(email="invited@example.org")
    _sign_out(client)
    auth.sign_in(invited.email)
    assert _post(client, path, {}).status_code == 303  # the link was not used up


def test_removing_the_last_manager_is_refused_on_the_page(world, client, auth):
    auth.sign_in(world.partner.email)
    response = _post(client, f"/organisations/{world.org.id}/members/{world.partner.id}/remove",
                     {}, page=f"/organisations/{world.org.id}")
    assert response.status_code == 422
    assert "last manager" in response.get_data(as_text=True)
    assert _count(Membership) == 1


# ------------------------------------------------------------------------------- claims

def test_open_for_delivery_filters_by_ward_and_shows_pledges(world, client, make):
    ward = make.ward(name="Riverside")
    make.idea(status="accepted", title="Riverside benches", ward=ward)
    make.idea(status="submitted", title="Not yet accepted")
    db.session.add(Pledge(idea_id=world.idea.id, user_id=world.author.id, kind="time",
                          message="Saturday mornings", hours=3))
    db.session.commit()
    html = client.get("/partners/open").get_data(as_text=True)
    assert "Plant trees on Elm Road" in html and "Riverside benches" in html
    assert "Not yet accepted" not in html and "1 offer of help" in html
    html = client.get(f"/partners/open?ward={ward.id}").get_data(as_text=True)
    assert "Riverside benches" in html and "Plant trees on Elm Road" not in html


def test_a_partner_claims_and_a_moderator_approves_through_the_pages(world, client, auth):
    auth.sign_in(world.partner.email)
    path = f"/partners/ideas/{world.idea.id}/claim"
    response = _post(client, path, {"organisation_id": world.org.id, "plan": PLAN,
                                    "expected_start-day": "1", "expected_start-month": "3",
                                    "expected_start-year": "2027"})
    assert response.status_code == 303
    assert "Waiting for a decision" in client.get("/partners").get_data(as_text=True)
    _sign_out(client)
    auth.sign_in(world.moderator.email)
    claim = db.session.scalar(select(Claim))
    assert "Elm Park Friends" in client.get("/council/claims").get_data(as_text=True)
    page = f"/council/claims/{claim.id}"
    response = _post(client, page, {"decision": "reject", "message": ""})
    assert response.status_code == 422
    response = _post(client, page, {"decision": "approve", "message": "Go for it."})
    assert response.status_code == 303
    db.session.refresh(world.idea)
    assert world.idea.status == "in_delivery"


@pytest.mark.parametrize("form, field", [
    ({"plan": "short"}, "plan"),
    ({"plan": PLAN, "expected_start-day": "31", "expected_start-month": "2",
      "expected_start-year": "2027"}, "expected_start"),
    ({"plan": PLAN, "expected_start-day": "2", "expected_start-month": "3",
      "expected_start-year": "2027", "expected_end-day": "1", "expected_end-month": "3",
      "expected_end-year": "2027"}, "expected_end"),
])
def test_bad_claims_are_shown_on_the_form(world, client, auth, form, field):
    auth.sign_in(world.partner.email)
    response = _post(client, f"/partners/ideas/{world.idea.id}/claim",
                     {"organisation_id": world.org.id, **form})
    assert response.status_code == 422
    assert f'href="#{field}"' in response.get_data(as_text=True)
    assert _count(Claim) == 0


def test_claiming_a_submitted_idea_is_refused_on_the_form(world, client, auth, make):
    idea = make.idea(status="submitted")
    auth.sign_in(world.partner.email)
    assert "Only accepted ideas" in client.get(f"/partners/ideas/{idea.id}/claim").get_data(
        as_text=True)
    response = _post(client, f"/partners/ideas/{idea.id}/claim",
                     {"organisation_id": world.org.id, "plan": PLAN}, page="/sign-out")
    assert response.status_code == 409  # a conflict with the idea's state (issue 9)
    assert "Only accepted ideas" in response.get_data(as_text=True)
    assert _count(Claim) == 0


def test_a_partner_withdraws_a_claim_from_the_dashboard(world, client, auth):
    claim = _approve(world)
    auth.sign_in(world.partner.email)
    path = f"/partners/claims/{claim.id}/withdraw"
    assert path in client.get("/partners").get_data(as_text=True)
    response = _post(client, path, {"reason": "Our funding fell through."})
    assert response.status_code == 303
    db.session.refresh(claim)
    assert claim.status == "withdrawn"


# -------------------------------------------------------------- volunteers and progress

def test_volunteers_page_shows_names_never_emails_and_messages_go_out(world, client, auth,
                                                                      make):
    volunteer = make.user(email="secret.volunteer@example.org", display_name="Val")
    pledge = Pledge(idea_id=world.idea.id, user_id=volunteer.id, kind="skills",
                    message="I am a gardener", hours=4)
    db.session.add(pledge)
    db.session.commit()
    _approve(world)
    auth.sign_in(world.partner.email)
    html = client.get(f"/partners/ideas/{world.idea.id}/volunteers").get_data(as_text=True)
    assert "Val" in html and "I am a gardener" in html
    assert "secret.volunteer" not in html
    response = _post(client, f"/partners/pledges/{pledge.id}/message",
                     {"body": "Could you start on Saturday?", "organisation_id": world.org.id})
    assert response.status_code == 303
    note = db.session.scalar(select(Notification).where(Notification.kind == "pledger_message"))
    assert note.user_id == volunteer.id and note.reply_to == world.org.contact_email


def test_a_partner_posts_progress_that_appears_on_the_idea_page(world, client, auth):
    _approve(world)
    auth.sign_in(world.partner.email)
    response = _post(client, f"/partners/ideas/{world.idea.id}/progress",
                     {"body": "The first ten trees are in the ground."})
    assert response.status_code == 303
    assert _count(ProgressUpdate) == 1
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "The first ten trees are in the ground." in html


# ----------------------------------------------------------------------------- outcomes

OUTCOME = {"result": "delivered", "summary": "Twenty trees planted along Elm Road.",
           "people_reached": "350", "volunteer_hours": "120", "spend_pounds": "1250.50",
           "funding_source": "Ward grant", "story": "Neighbours came with spades.",
           "lessons": "Order trees early."}


def test_absurd_outcome_figures_are_shown_as_field_errors(world, client, auth):
    _approve(world)
    auth.sign_in(world.partner.email)
    response = _post(client, f"/partners/ideas/{world.idea.id}/outcome",
                     {**OUTCOME, "people_reached": "-5", "spend_pounds": "99999999",
                      "action": "submit"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#people_reached"' in html and 'href="#spend_pounds"' in html
    assert _count(OutcomeReport) == 0


def test_draft_submit_return_and_publish_through_the_pages(world, client, auth):
    _approve(world)
    auth.sign_in(world.partner.email)
    path = f"/partners/ideas/{world.idea.id}/outcome"
    assert _post(client, path, {**OUTCOME, "action": "draft"}).status_code == 303
    assert "Outcome reports to finish" in client.get("/partners").get_data(as_text=True)
    assert _post(client, path, {**OUTCOME, "action": "submit"}).status_code == 303
    report = db.session.scalar(select(OutcomeReport))
    assert report.state == "submitted"
    _sign_out(client)
    auth.sign_in(world.moderator.email)
    assert "Plant trees on Elm Road" in client.get("/council/outcomes").get_data(as_text=True)
    review = f"/council/outcomes/{report.id}"
    response = _post(client, f"{review}/return", {"note": ""}, page=review)
    assert response.status_code == 422
    assert _post(client, f"{review}/return", {"note": "Add the story please."},
                 page=review).status_code == 303
    _sign_out(client)
    auth.sign_in(world.partner.email)
    assert "Add the story please." in client.get(path).get_data(as_text=True)
    assert _post(client, path, {**OUTCOME, "action": "submit"}).status_code == 303
    _sign_out(client)
    auth.sign_in(world.moderator.email)
    assert _post(client, f"{review}/publish", {}, page=review).status_code == 303
    db.session.refresh(world.idea)
    assert world.idea.status == "delivered"
    response = _post(client, f"{review}/publish", {}, page="/sign-out")
    assert response.status_code == 409
    assert "already been published" in response.get_data(as_text=True)
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert "Twenty trees planted along Elm Road." in html


def test_the_council_publishes_an_outcome_itself_from_the_same_form(world, client, auth):
    auth.sign_in(world.moderator.email)
    path = f"/partners/ideas/{world.idea.id}/outcome"
    assert "Publish outcome" in client.get(path).get_data(as_text=True)
    response = _post(client, path, {**OUTCOME, "action": "publish"})
    assert response.status_code == 303
    db.session.refresh(world.idea)
    assert world.idea.status == "delivered"
    assert db.session.scalar(select(OutcomeReport.state)) == "published"


# --------------------------------------------------------------------- queries per page

def _queries(client, path) -> int:
    """Queries one page costs, starting like a fresh request (nothing cached: the test and
    the client share one app context, so one session)."""
    from flask import g
    from sqlalchemy import event

    db.session.commit()
    db.session.expunge_all()
    g.__dict__.clear()
    seen = []

    def counter(*_args, **_kw):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return len(seen)


def _more_claims(make, n, author_id, partner_id, org_id):
    from citizenideas.models import User

    author, partner = db.session.get(User, author_id), db.session.get(User, partner_id)
    own_org = db.session.get(Organisation, org_id)
    for i in range(n):
        member = make.user()
        org = make.organisation(members=[(member, "manager")])
        idea = make.idea(status="accepted")
        db.session.add(Pledge(idea_id=idea.id, user_id=author.id, kind="time",
                              message="Happy to help"))
        db.session.commit()
        claims.claim_idea(member, idea, org, plan=PLAN)
        if i % 2:
            claim = claims.claim_idea(partner, idea, own_org, plan=PLAN)
            claim.status, claim.decided_at = "approved", claim.created_at
            idea.status = "in_delivery"
            db.session.add(ProgressUpdate(idea_id=idea.id, organisation_id=own_org.id,
                                          author_id=partner.id, body="Going well"))
            db.session.add(OutcomeReport(idea_id=idea.id, organisation_id=own_org.id,
                                         author_id=partner.id, state="draft"))
    db.session.commit()


@pytest.mark.parametrize("who, path", [
    ("moderator", "/council/claims"), ("partner", "/partners"), ("partner", "/partners/open"),
    ("admin", "/admin/organisations"),
])
def test_list_pages_cost_the_same_queries_whatever_the_number_of_rows(world, client, auth,
                                                                      make, who, path):
    ids = (world.author.id, world.partner.id, world.org.id)
    auth.sign_in(getattr(world, who).email)
    _more_claims(make, 2, *ids)
    few = _queries(client, path)
    _more_claims(make, 6, *ids)
    assert _queries(client, path) == few


def test_the_outcome_form_is_refused_for_an_idea_not_accepted_or_in_delivery(world, client,
                                                                            auth, make):
    idea = make.idea(status="declined")
    auth.sign_in(world.moderator.email)
    response = client.get(f"/partners/ideas/{idea.id}/outcome")
    assert response.status_code == 409
    assert "accepted or in delivery" in response.get_data(as_text=True)


def test_withdrawing_the_only_approved_claim_from_the_page_reopens_the_idea(world, client,
                                                                          auth):
    claim = _approve(world)
    auth.sign_in(world.partner.email)
    response = _post(client, f"/partners/claims/{claim.id}/withdraw",
                     {"reason": "Our funding fell through."})
    assert response.status_code == 303
    db.session.refresh(world.idea)
    assert world.idea.status == "accepted"
    html = client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)
    assert ("The partner delivering this idea has stopped. The idea is open for another "
            "partner to claim.") in html
    assert "Our funding fell through." in html


def test_a_partner_cannot_withdraw_from_an_idea_it_delivered(world, client, auth):
    claim = _approve(world)
    report = outcomes.save_outcome_report(world.partner, world.idea, result="delivered",
                                          summary="Twenty trees planted.", submit=True)
    outcomes.publish_outcome(world.moderator, report)
    db.session.commit()
    auth.sign_in(world.partner.email)
    path = f"/partners/claims/{claim.id}/withdraw"
    assert path not in client.get("/partners").get_data(as_text=True)
    response = _post(client, path, {"reason": "Changed our minds."})
    assert response.status_code == 409
    assert "its record is closed" in response.get_data(as_text=True)
    db.session.refresh(claim)
    db.session.refresh(world.idea)
    assert claim.status == "approved" and world.idea.status == "delivered"
    assert "withdrew" not in client.get(f"/ideas/{world.idea.id}").get_data(as_text=True)


def test_only_the_organisations_members_can_withdraw_its_claim(world, client, auth, make):
    claim = _approve(world)
    auth.sign_in(make.user().email)
    assert client.get(f"/partners/claims/{claim.id}/withdraw").status_code == 403
    response = _post(client, f"/partners/claims/{claim.id}/withdraw", {}, page="/sign-out")
    assert response.status_code == 403
    db.session.refresh(claim)
    assert claim.status == "approved"
