"""Community asset transfer on the pages, with JavaScript off (the test client): ask from
the asset page, the request's page (public parts for everyone, questions and capacity for the
organisation and the council), stage actions with reasons, the council's and the partner's
lists, and the asset form showing a status that follows from records as read-only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citizenideas.extensions import db
from citizenideas.models import TransferRequest, utcnow
from citizenideas.services import asset_transfer as transfers
from citizenideas.services import asset_transfer_questions as transfer_questions

from .conftest import csrf_token
from .test_asset_transfer import FIELDS


@pytest.fixture
def world(make):
    class World:
        staff = make.user(role="moderator")
        member = make.user()
        resident = make.user()
        outsider = make.user()
    World.org = make.organisation(name="St Anne's Trust", members=[(World.member, "manager")])
    World.other = make.organisation(name="Other Trust", members=[(World.outsider, "member")])
    World.asset = make.asset(name="St Anne's Hall", kind="hall")
    World.idea = make.idea(title="A community hub at the hall")
    return World


def submitted(world) -> TransferRequest:
    request = transfers.submit_transfer_request(world.member, world.asset, world.org, **FIELDS)
    db.session.commit()
    return request


def test_a_member_asks_from_the_asset_page_and_the_form_keeps_what_was_typed(client, auth,
                                                                          world):
    auth.sign_in(world.member.email)
    page = client.get(f"/assets/{world.asset.id}").get_data(as_text=True)
    assert "Ask to take on this place" in page
    assert "No organisation has asked to take on this place." in page
    path = f"/assets/{world.asset.id}/transfer-request"
    token = csrf_token(client, path)
    half = client.post(path, data={"csrf_token": token, "organisation_id": world.org.id,
                                   "proposed_use": "A café <b>and</b> rooms for groups, open "
                                                   "to all.", "ideas": "NOPE-1"})
    html = half.get_data(as_text=True)
    assert half.status_code == 422
    assert "There is a problem" in html and 'href="#beneficiaries"' in html
    assert "A café &lt;b&gt;and&lt;/b&gt; rooms" in html  # kept, and escaped
    assert "There is no idea NOPE-1." in html
    sent = client.post(path, data={"csrf_token": token, "organisation_id": world.org.id,
                                   "ideas": world.idea.reference, **FIELDS})
    assert sent.status_code == 303
    request = db.session.scalar(select(TransferRequest))
    assert sent.headers["Location"].endswith(f"/transfer-requests/{request.id}")
    page = client.get(f"/assets/{world.asset.id}").get_data(as_text=True)
    assert "Request from St Anne&#39;s Trust" in page and "Received" in page
    assert "A community hub at the hall" in page
    mine = client.get("/partners/transfer-requests").get_data(as_text=True)
    assert "St Anne&#39;s Hall" in mine
    assert "Your requests to take on places" in client.get("/partners").get_data(as_text=True)


def test_residents_and_visitors_are_not_offered_the_form_and_are_refused(client, auth, world):
    path = f"/assets/{world.asset.id}/transfer-request"
    assert client.get(path).status_code == 302  # sign in first
    auth.sign_in(world.resident.email)
    assert "Ask to take on this place" not in client.get(
        f"/assets/{world.asset.id}").get_data(as_text=True)
    assert client.get(path).status_code == 403
    auth.sign_out()
    auth.sign_in(world.outsider.email)
    token = csrf_token(client, path)
    # A member of another organisation cannot ask for one they do not belong to.
    refused = client.post(path, data={"csrf_token": token, "organisation_id": world.org.id,
                                      **FIELDS})
    assert refused.status_code == 422 and db.session.scalar(select(TransferRequest)) is None


def test_the_request_page_shows_public_parts_to_everyone_and_private_ones_to_the_two_sides(
        client, auth, world):
    request = submitted(world)
    transfer_questions.ask_for_information(world.staff, request, "Send us your five-year budget.")
    db.session.commit()
    path = f"/transfer-requests/{request.id}"
    public = client.get(path).get_data(as_text=True)
    assert "Free entry; rooms at half" in public and FIELDS["proposed_use"] in public
    assert FIELDS["capacity_money"] not in public and "five-year budget" not in public
    assert "Record the stage" not in public and "Withdraw the request" not in public
    auth.sign_in(world.outsider.email)
    assert "five-year budget" not in client.get(path).get_data(as_text=True)
    auth.sign_out()
    auth.sign_in(world.member.email)
    page = client.get(path).get_data(as_text=True)
    assert FIELDS["capacity_money"].replace("'", "&#39;") in page
    assert "five-year budget" in page and "Send the answer" in page
    assert "Withdraw the request" in page and "Record the stage" not in page
    waiting = client.get("/partners/transfer-requests").get_data(as_text=True)
    assert "the council asked on" in waiting
    [question] = request.info_requests
    token = csrf_token(client, path)
    answer_path = f"{path}/questions/{question.id}/answer"
    empty = client.post(answer_path, data={"csrf_token": token, f"answer-{question.id}": ""})
    assert empty.status_code == 422 and "Enter your answer." in empty.get_data(as_text=True)
    done = client.post(answer_path, data={"csrf_token": token,
                                          f"answer-{question.id}": "Balanced in every year."})
    assert done.status_code == 303
    db.session.refresh(question)
    assert question.answer == "Balanced in every year."


def test_staff_move_the_request_with_a_reason_and_a_transfer_sets_the_status(client, auth,
                                                                         world):
    request = submitted(world)
    auth.sign_in(world.staff.email)
    listing = client.get("/council/asset-transfers").get_data(as_text=True)
    assert "St Anne&#39;s Hall" in listing and "Received: <strong>1</strong>" in listing
    assert "Community asset transfer requests" in client.get("/council").get_data(as_text=True)
    path = f"/transfer-requests/{request.id}"
    token = csrf_token(client, path)

    def post(stage, **data):
        return client.post(f"{path}/stage", data={"csrf_token": token, "stage": stage,
                                                  "expected_stage": request.stage, **data})

    assert post("under_assessment").status_code == 303
    no_reason = post("approved", message="")
    assert no_reason.status_code == 422
    assert "Enter the reason for the decision: it is published." in no_reason.get_data(
        as_text=True)
    assert post("approved", message="It meets the policy.").status_code == 303
    stale = client.post(f"{path}/stage", data={"csrf_token": token, "stage": "declined",
                                               "message": "No.", "expected_stage": "received"})
    assert stale.status_code == 409
    assert "You already moved this request to Approved." in stale.get_data(as_text=True)
    done = post("transferred", terms="A 25-year lease at a peppercorn rent.",
                transferred_on=utcnow().date().isoformat())
    assert done.status_code == 303
    db.session.expire_all()
    asset = db.session.get(type(world.asset), world.asset.id)
    assert asset.community_status == "transferred"
    assert asset.operator_organisation_id == world.org.id
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "A 25-year lease at a peppercorn rent." in page
    edit = client.get(f"/assets/{asset.id}/edit").get_data(as_text=True)
    assert 'name="community_status"' not in edit and 'name="operator_organisation_id"' not in edit
    assert "This status follows from the place&#39;s community asset transfer requests" in edit
    # Saving the form keeps the status and operator it does not post.
    token = csrf_token(client, f"/assets/{asset.id}/edit")
    saved = client.post(f"/assets/{asset.id}/edit", data={
        "csrf_token": token, "name": "St Anne's Community Hall", "kind": "hall",
        "address": "", "postcode": "", "uprn": "", "ward_id": "", "lat": "", "lon": "",
        "tenure": "", "description": ""})
    assert saved.status_code == 303
    db.session.refresh(asset)
    assert (asset.name, asset.community_status, asset.operator_organisation_id) == (
        "St Anne's Community Hall", "transferred", world.org.id)


def test_residents_cannot_post_a_stage(client, auth, world):
    request = submitted(world)
    auth.sign_in(world.member.email)
    token = csrf_token(client, f"/transfer-requests/{request.id}")
    refused = client.post(f"/transfer-requests/{request.id}/stage",
                          data={"csrf_token": token, "stage": "approved", "message": "Yes."})
    assert refused.status_code == 403
    assert client.get("/council/asset-transfers").status_code == 403
    db.session.refresh(request)
    assert request.stage == "received"


def test_the_organisation_withdraws_and_the_status_goes_back(client, auth, world):
    request = submitted(world)
    auth.sign_in(world.member.email)
    token = csrf_token(client, f"/transfer-requests/{request.id}")
    done = client.post(f"/transfer-requests/{request.id}/withdraw",
                       data={"csrf_token": token, "withdraw_message": "We found a home."})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(TransferRequest, request.id).stage == "withdrawn"
    assert db.session.get(type(world.asset), world.asset.id).community_status == "council_run"
    page = client.get(f"/transfer-requests/{request.id}").get_data(as_text=True)
    assert "Withdrawn" in page and "We found a home." in page


def test_the_asset_form_offers_only_the_statuses_staff_type(client, auth, world):
    auth.sign_in(world.staff.email)
    form = client.get("/assets/new").get_data(as_text=True)
    assert 'value="council_run"' in form and 'value="community_run"' in form
    assert 'value="transferred"' not in form and 'value="acv_listed"' not in form
    token = csrf_token(client, "/assets/new")
    refused = client.post("/assets/new", data={"csrf_token": token, "name": "Hut",
                                               "kind": "hall",
                                               "community_status": "transferred"})
    assert refused.status_code == 422
    assert "Choose who runs the place: the council or the community." in refused.get_data(
        as_text=True)


def test_the_lists_cost_the_same_queries_for_two_requests_as_for_twelve(client, auth, world,
                                                                        make):
    from citizenideas.models import CommunityAsset, Idea, User

    from .test_council_pages import count_queries

    staff_email, member_email = world.staff.email, world.member.email
    member_id, asset_id, idea_id = world.member.id, world.asset.id, world.idea.id

    def add_requests(n):
        for _ in range(n):
            member = db.session.get(User, member_id)
            org = make.organisation(members=[(member, "member")])
            db.session.expire(member)
            transfers.submit_transfer_request(
                db.session.get(User, member_id), db.session.get(CommunityAsset, asset_id), org,
                ideas=[db.session.get(Idea, idea_id).reference], **FIELDS)
            db.session.commit()

    def costs():
        auth.sign_in(staff_email)
        council = count_queries(client, "/council/asset-transfers")
        place = count_queries(client, f"/assets/{asset_id}")
        auth.sign_out()
        auth.sign_in(member_email)
        partner = count_queries(client, "/partners/transfer-requests")
        auth.sign_out()
        return council, place, partner

    add_requests(2)
    few = costs()
    add_requests(10)
    assert costs() == few, few


def test_the_council_list_is_paged_and_keeps_its_stage(client, auth, world, make):
    """More open requests than fit on a page: 25 a page, oldest stage change first, every one
    reachable (the list used to stop at 500 without saying so), the stage kept across
    pages."""
    from citizenideas.models import CommunityAsset, User

    staff_email, member_id, asset_id = world.staff.email, world.member.id, world.asset.id
    names = []
    for n in range(27):
        member = db.session.get(User, member_id)
        org = make.organisation(name=f"Trust number {n:02d}", members=[(member, "member")])
        db.session.expire(member)
        transfers.submit_transfer_request(db.session.get(User, member_id),
                                          db.session.get(CommunityAsset, asset_id), org,
                                          **FIELDS)
        db.session.commit()
        names.append(f"Trust number {n:02d}")
    auth.sign_in(staff_email)
    first = client.get("/council/asset-transfers").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert names[24] in first and names[25] not in first
    assert first.index(names[0]) < first.index(names[24])
    second = client.get("/council/asset-transfers?page=2").get_data(as_text=True)
    assert names[25] in second and names[26] in second and names[0] not in second
    staged = client.get("/council/asset-transfers?stage=received").get_data(as_text=True)
    assert "Page 1 of 2" in staged
    assert 'href="/council/asset-transfers?stage=received&amp;page=2"' in staged
    past = client.get("/council/asset-transfers?stage=received&page=9")
    assert past.status_code in (302, 303)
    assert "page=2" in past.headers["Location"] and "stage=received" in past.headers["Location"]
