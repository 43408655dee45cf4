"""The page and the API give every role the same answer about an idea's delivery records.

For every role (anonymous, a resident, the idea's author, a resident with an unconfirmed
email, a moderator, an admin, a member and a manager of the verified organisation delivering
the idea, a member of a verified organisation that does not deliver it, a member of an
unverified organisation) and for a visible and a hidden idea, these reads are compared:

- offers of help: the page ``/partners/ideas/<id>/volunteers`` and
  ``GET /api/v1/ideas/<id>/pledges``;
- the draft outcome report: the page ``/partners/ideas/<id>/outcome`` (which shows the draft
  in its form) and the ``outcome`` of ``GET /api/v1/ideas/<id>``;
- a pending claim: the pages that show a claim (``/council/claims/<id>`` for the council,
  the ``/partners`` dashboard for the claiming organisation) and the ``claims`` of
  ``GET /api/v1/ideas/<id>``.

How statuses map, so that "the same answer" is exact:

- a page that needs a signed-in user answers a visitor with a redirect to ``/sign-in``; the
  API answers 401. Both mean "sign in", and are compared as such;
- 403 on both means "signed in, but not allowed";
- 404 on both means "no such idea for you": a hidden idea looks missing to anyone who may not
  see it (only the council and its author may), on the page and in the API alike;
- where the API embeds a record in the idea (the draft outcome, a pending claim), "allowed"
  means the record is there, and "refused" means the page answered 302/403/404 or left it out
  and the API left it out (the idea itself is public, so the API still answers 200).

The decision this pins down: offers of help are seen by the organisations delivering the idea
and by the council (moderators and admins), on the page and in the API. Only a member of a
delivering organisation may message a volunteer, because the message goes out in the
organisation's name with its contact email for replies.
"""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.models import Claim, OutcomeReport, Pledge, utcnow

from .conftest import csrf_token

PLAN = "We will run weekly sessions in the community hall with our volunteers."
DRAFT = "Draft summary: twelve trees planted so far."

ROLES = ["anonymous", "resident", "author", "unverified", "moderator", "admin",
         "delivering_member", "delivering_manager", "other_partner", "unverified_org_member"]

# Who sees the offers of help on a visible idea: the decision, written out.
OFFERS_OF_HELP = {"anonymous": "sign in", "resident": "refused", "author": "refused",
                  "unverified": "refused", "moderator": "allowed", "admin": "allowed",
                  "delivering_member": "allowed", "delivering_manager": "allowed",
                  "other_partner": "refused", "unverified_org_member": "refused"}


@pytest.fixture
def world(make):
    """An idea in delivery by a verified organisation, with an offer of help, a draft outcome
    report and a pending claim from a second verified organisation."""

    class World:
        pass

    w = World()
    w.users = {
        "resident": make.user(),
        "author": make.user(),
        "unverified": make.user(verified=False),
        "moderator": make.user(role="moderator"),
        "admin": make.user(role="admin"),
        "delivering_member": make.user(),
        "delivering_manager": make.user(),
        "other_partner": make.user(),
        "unverified_org_member": make.user(),
    }
    u = w.users
    w.delivering = make.organisation(members=[(u["delivering_manager"], "manager"),
                                              (u["delivering_member"], "member")])
    w.other = make.organisation(members=[(u["other_partner"], "manager")])
    make.organisation(verified=False, members=[(u["unverified_org_member"], "manager")])
    w.ideas = {}
    w.pending = {}
    for hidden in (False, True):
        idea = make.idea(author=u["author"], status="in_delivery", hidden=hidden,
                         title=f"Plant trees on Elm Road {'(hidden)' if hidden else ''}")
        now = utcnow()
        db.session.add(Claim(idea_id=idea.id, organisation_id=w.delivering.id,
                             created_by_id=u["delivering_manager"].id, plan=PLAN,
                             status="approved", created_at=now, decided_at=now))
        pending = Claim(idea_id=idea.id, organisation_id=w.other.id,
                        created_by_id=u["other_partner"].id, plan=PLAN, status="pending",
                        created_at=now)
        db.session.add(pending)
        db.session.add(Pledge(idea_id=idea.id, user_id=u["resident"].id, kind="skills",
                              message="I can dig.", hours=2, created_at=now))
        db.session.add(OutcomeReport(idea_id=idea.id, organisation_id=w.delivering.id,
                                     author_id=u["delivering_manager"].id, state="draft",
                                     summary=DRAFT, created_at=now, updated_at=now))
        db.session.commit()
        w.ideas[hidden] = idea
        w.pending[hidden] = pending
    return w


def _page_answer(response) -> str:
    if response.status_code == 302 and "/sign-in" in response.headers["Location"]:
        return "sign in"
    return {200: "allowed", 403: "refused", 404: "not found"}.get(response.status_code,
                                                                  str(response.status_code))


def _api_answer(response) -> str:
    return {200: "allowed", 401: "sign in", 403: "refused", 404: "not found"}.get(
        response.status_code, str(response.status_code))


def _sign_in(client, auth, world, role):
    if role != "anonymous":
        auth.sign_in(world.users[role].email)


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
@pytest.mark.parametrize("role", ROLES)
def test_page_and_api_agree_on_who_sees_offers_of_help(world, client, auth, role, hidden):
    idea = world.ideas[hidden]
    _sign_in(client, auth, world, role)
    page = _page_answer(client.get(f"/partners/ideas/{idea.id}/volunteers"))
    api = _api_answer(client.get(f"/api/v1/ideas/{idea.id}/pledges"))
    assert page == api, (role, page, api)
    if not hidden:
        assert page == OFFERS_OF_HELP[role]


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
@pytest.mark.parametrize("role", ROLES)
def test_page_and_api_agree_on_who_sees_the_draft_outcome_report(world, client, auth, role,
                                                                 hidden):
    idea = world.ideas[hidden]
    _sign_in(client, auth, world, role)
    response = client.get(f"/partners/ideas/{idea.id}/outcome")
    on_page = response.status_code == 200 and DRAFT in response.get_data(as_text=True)
    api = client.get(f"/api/v1/ideas/{idea.id}")
    in_api = api.status_code == 200 and (api.get_json()["outcome"] or {}).get("summary") == DRAFT
    assert on_page == in_api, (role, response.status_code, api.status_code)
    expected = role in ("moderator", "admin") or (
        not hidden and role in ("delivering_member", "delivering_manager"))
    assert on_page == expected


@pytest.mark.parametrize("role", ROLES)
def test_page_and_api_agree_on_who_sees_a_pending_claim(world, client, auth, role):
    idea, claim = world.ideas[False], world.pending[False]
    _sign_in(client, auth, world, role)
    council = client.get(f"/council/claims/{claim.id}")
    dashboard = client.get("/partners").get_data(as_text=True)
    on_page = council.status_code == 200 or f"/partners/claims/{claim.id}/withdraw" in dashboard
    claims = client.get(f"/api/v1/ideas/{idea.id}").get_json()["claims"]
    in_api = claim.id in [c["id"] for c in claims]
    assert on_page == in_api, role
    assert on_page == (role in ("moderator", "admin", "other_partner"))


@pytest.mark.parametrize("role", ROLES)
def test_only_a_delivering_organisation_is_offered_to_message_a_volunteer(world, client, auth,
                                                                          role):
    idea = world.ideas[False]
    pledge = db.session.scalar(db.select(Pledge).where(Pledge.idea_id == idea.id))
    _sign_in(client, auth, world, role)
    may_message = role in ("delivering_member", "delivering_manager")
    page = client.get(f"/partners/ideas/{idea.id}/volunteers")
    link = f"/partners/pledges/{pledge.id}/message"
    assert (link in page.get_data(as_text=True)) == may_message
    form = client.get(link)
    assert (form.status_code == 200) == may_message
    if role == "moderator":
        assert form.status_code == 403


def test_a_partner_in_two_delivering_organisations_must_say_which_one_posts(world, client,
                                                                            auth):
    """No guess: with two delivering organisations and none named, the update is refused with
    a field error (page and API alike), and nothing is written."""
    idea = world.ideas[False]
    member = _second_organisation(world)
    auth.sign_in(member.email)
    api = client.post(f"/api/v1/ideas/{idea.id}/updates",
                      json={"body": "We have started planting."},
                      headers={"X-CSRFToken": csrf_token(client, "/sign-out")})
    assert api.status_code == 422, api.get_json()
    assert "organisation_id" in api.get_json()["errors"]
    page = client.post(f"/partners/ideas/{idea.id}/progress",
                       data={"body": "We have started planting.",
                             "csrf_token": csrf_token(client, "/sign-out")})
    assert page.status_code == 422
    html = client.get(f"/partners/ideas/{idea.id}/progress").get_data(as_text=True)
    assert world.delivering.name in html and world.other.name in html  # a real choice
    named = client.post(f"/api/v1/ideas/{idea.id}/updates",
                        json={"body": "We have started planting.",
                              "organisation_id": world.other.id},
                        headers={"X-CSRFToken": csrf_token(client, "/sign-out")})
    assert named.status_code == 201
    assert named.get_json()["organisation"]["name"] == world.other.name


def _second_organisation(world):
    """other_partner also joins the delivering organisation, and other's claim is approved:
    two delivering organisations for one person."""
    from citizenideas.models import Membership

    member = world.users["other_partner"]
    world.pending[False].status = "approved"
    db.session.add(Membership(user_id=member.id, organisation_id=world.delivering.id,
                              role="member"))
    db.session.commit()
    return member


def test_a_partner_in_two_organisations_must_choose_which_one_offers(world, client, auth,
                                                                     make):
    member = world.users["other_partner"]
    from citizenideas.models import Membership

    db.session.add(Membership(user_id=member.id, organisation_id=world.delivering.id,
                              role="member"))
    accepted = make.idea(status="accepted")
    db.session.commit()
    auth.sign_in(member.email)
    form = client.get(f"/partners/ideas/{accepted.id}/claim").get_data(as_text=True)
    assert "checked" not in form  # no organisation picked for them
    before = db.session.scalar(db.select(db.func.count(Claim.id)))
    response = client.post(f"/partners/ideas/{accepted.id}/claim",
                           data={"plan": PLAN, "csrf_token": csrf_token(client, "/sign-out")})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Claim.id))) == before


def test_a_partner_in_two_delivering_organisations_must_choose_who_messages(world, client,
                                                                            auth):
    member = _second_organisation(world)
    idea = world.ideas[False]
    pledge = db.session.scalar(db.select(Pledge).where(Pledge.idea_id == idea.id))
    auth.sign_in(member.email)
    response = client.post(f"/partners/pledges/{pledge.id}/message",
                           data={"body": "Could you start on Saturday?",
                                 "csrf_token": csrf_token(client, "/sign-out")})
    assert response.status_code == 422
    assert "Choose which of your organisations" in response.get_data(as_text=True)
