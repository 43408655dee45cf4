"""A resident takes back an offer of help: from the idea page or their account page. The
delivering partners stop seeing it and are told; once an outcome is published the record is
closed."""

from __future__ import annotations

import re

import pytest

from citizenideas.errors import Conflict, NotAllowed
from citizenideas.extensions import db
from citizenideas.models import Claim, Notification, Pledge, utcnow
from citizenideas.permissions import can
from citizenideas.services import delivery_lists, engagement
from tests.conftest import csrf_token


def html(response) -> str:
    return response.get_data(as_text=True)


def deliver(idea, org, by) -> None:
    db.session.add(Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=by.id,
                         plan="We will run it every Saturday morning.", status="approved",
                         decided_at=utcnow()))
    db.session.commit()


@pytest.fixture
def scene(make):
    class Scene:
        resident = make.user(email="resident@example.org", display_name="Rita")
        partner = make.user(display_name="Pat")
        bystander = make.user(display_name="Bea")  # in an organisation not delivering it
        idea = make.idea(status="in_delivery", title="Repair cafe")
    Scene.org = make.organisation(members=[(Scene.partner, "manager")])
    Scene.other_org = make.organisation(members=[(Scene.bystander, "manager")])
    deliver(Scene.idea, Scene.org, Scene.partner)
    Scene.pledge = engagement.pledge_help(Scene.resident, Scene.idea, kind="time",
                                          message="Two hours a week", hours="2")
    db.session.commit()
    return Scene


def test_a_resident_withdraws_their_offer_and_the_delivering_partner_is_told(scene):
    assert can(scene.resident, "withdraw_pledge", scene.pledge)
    engagement.withdraw_pledge(scene.resident, scene.pledge)
    db.session.commit()

    assert db.session.get(Pledge, scene.pledge.id).withdrawn_at is not None
    assert delivery_lists.offers_of_help(scene.partner, scene.idea) == []
    told = db.session.query(Notification).filter_by(kind="pledge_withdrawn").all()
    assert [n.user_id for n in told] == [scene.partner.id]
    assert "Rita" in told[0].body and "Repair cafe" in told[0].subject

    # Withdrawing again changes nothing and tells no one again.
    engagement.withdraw_pledge(scene.resident, scene.pledge)
    db.session.commit()
    assert db.session.query(Notification).filter_by(kind="pledge_withdrawn").count() == 1


def test_only_the_person_who_offered_can_withdraw_it(scene, make):
    for someone in (scene.partner, make.user(role="moderator"), make.user()):
        assert not can(someone, "withdraw_pledge", scene.pledge)
        with pytest.raises(NotAllowed):
            engagement.withdraw_pledge(someone, scene.pledge)
        db.session.rollback()
    assert db.session.get(Pledge, scene.pledge.id).withdrawn_at is None


def test_an_offer_cannot_be_withdrawn_once_the_outcome_is_published(scene):
    scene.idea.status = "delivered"
    db.session.commit()
    assert not can(scene.resident, "withdraw_pledge", scene.pledge)
    with pytest.raises(Conflict):
        engagement.withdraw_pledge(scene.resident, scene.pledge)
    db.session.rollback()
    assert db.session.get(Pledge, scene.pledge.id).withdrawn_at is None


def test_the_idea_page_lists_my_offer_with_a_withdraw_button_that_works_without_js(
        scene, client, auth):
    auth.sign_in(scene.resident.email)
    page = html(client.get(f"/ideas/{scene.idea.id}"))
    action = f"/ideas/{scene.idea.id}/pledges/{scene.pledge.id}/withdraw"
    assert "Two hours a week" in page and f'action="{action}"' in page
    assert "Withdraw this offer" in page

    done = client.post(action, data={"csrf_token": csrf_token(client, f"/ideas/{scene.idea.id}")})
    assert done.status_code == 303 and done.headers["Location"].endswith("#pledge")
    page = html(client.get(f"/ideas/{scene.idea.id}"))
    assert "You have withdrawn your offer of help" in page
    assert "Two hours a week" not in page
    assert db.session.get(Pledge, scene.pledge.id).withdrawn_at is not None


def test_with_htmx_the_withdraw_button_swaps_only_the_offer_region(scene, client, auth):
    auth.sign_in(scene.resident.email)
    token = csrf_token(client, f"/ideas/{scene.idea.id}")
    response = client.post(f"/ideas/{scene.idea.id}/pledges/{scene.pledge.id}/withdraw",
                           data={"csrf_token": token}, headers={"HX-Request": "true"})
    body = html(response)
    assert response.status_code == 200 and "<main" not in body
    assert 'id="pledge"' in body and "You have withdrawn your offer of help" in body
    assert "Two hours a week" not in body


def test_the_partner_volunteers_page_no_longer_shows_a_withdrawn_offer(scene, client, auth):
    engagement.withdraw_pledge(scene.resident, scene.pledge)
    db.session.commit()
    auth.sign_in(scene.partner.email)
    page = html(client.get(f"/partners/ideas/{scene.idea.id}/volunteers"))
    assert "Rita" not in page and "Two hours a week" not in page


def test_my_account_page_offers_a_withdraw_button_for_each_open_offer(scene, client, auth):
    auth.sign_in(scene.resident.email)
    page = html(client.get("/me"))
    action = f"/me/pledges/{scene.pledge.id}/withdraw"
    assert f'action="{action}"' in page
    done = client.post(action, data={"csrf_token": csrf_token(client, "/me")})
    assert done.status_code == 303 and done.headers["Location"].endswith("/me#my-pledges")
    page = html(client.get("/me"))
    assert "You have withdrawn your offer of help" in page
    assert f'action="{action}"' not in page
    assert re.search(r"Repair cafe</a>.*Withdrawn", page, re.S)


def test_no_withdraw_button_once_the_record_is_closed(scene, client, auth):
    scene.idea.status = "delivered"
    db.session.commit()
    auth.sign_in(scene.resident.email)
    assert "/withdraw" not in html(client.get("/me")).split('id="my-pledges"')[1].split(
        'id="my-follows"')[0]
    refused = client.post(f"/me/pledges/{scene.pledge.id}/withdraw",
                          data={"csrf_token": csrf_token(client, "/me")})
    assert refused.status_code == 303
    assert "record is closed" in html(client.get("/me"))
    assert db.session.get(Pledge, scene.pledge.id).withdrawn_at is None


def test_someone_elses_offer_cannot_be_withdrawn_from_the_pages(scene, client, auth, make):
    other = make.user()
    auth.sign_in(other.email)
    token = csrf_token(client, "/me")
    assert client.post(f"/me/pledges/{scene.pledge.id}/withdraw",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/ideas/{scene.idea.id}/pledges/{scene.pledge.id}/withdraw",
                       data={"csrf_token": token}).status_code == 403
    assert db.session.get(Pledge, scene.pledge.id).withdrawn_at is None
