"""Assisted digital: staff record ideas for residents who are not online. The resident's name
and contact details reach staff only; with an email address they hear about changes like an
account holder and can claim the idea by registering; without one, each change waits on the
council's "to contact" list, with a printable letter."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import (
    AuditLog,
    Follow,
    Idea,
    IdeaRepresentation,
    Notification,
    ResidentContact,
)
from citizenideas.services import accounts, assisted, ideas, privacy
from citizenideas.services.lifecycle import change_status
from citizenideas.services.notifications import idea_audience

from .accounts_support import confirm_email, latest_link, new_client, path_of
from .conftest import csrf_token
from .test_email_outbox import Inbox, free_port

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.q@example.org"
PHONE = "01632 960 123"
SECRETS = (NAME, "Zephyrine", "Quillfeather", EMAIL, PHONE, "960 123")
DESCRIPTION = "A bench by the bus stop on Mill Lane, so older neighbours can rest while waiting."


@pytest.fixture
def place(make):
    return {"ward": make.ward("Millbrook"), "category": make.category("Streets")}


def record(actor, place, *, email=EMAIL, phone=PHONE, channel="phone", **kw) -> Idea:
    idea = ideas.propose_idea(
        actor, title=kw.pop("title", "A bench at the Mill Lane bus stop"),
        description=DESCRIPTION, category_id=place["category"].id, ward_id=place["ward"].id,
        on_behalf_of={"name": NAME, "channel": channel, "email": email, "phone": phone}, **kw)
    db.session.commit()
    return idea


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback (aiosmtpd), as the outbox tests use."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TIMEOUT=5)
    yield inbox
    controller.stop()


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), f"{secret!r} in {where}"


# --- Recording ------------------------------------------------------------------------------


def test_a_moderator_records_an_idea_for_a_resident_who_phoned(app, make, place):
    moderator = make.user(role="moderator")
    idea = record(moderator, place)
    representation = db.session.scalar(select(IdeaRepresentation))
    assert (representation.idea_id, representation.name, representation.channel,
            representation.email, representation.phone) == (idea.id, NAME, "phone", EMAIL, PHONE)
    assert representation.recorded_by_id == moderator.id and idea.on_behalf
    assert idea.status == "submitted" and idea.reference
    # The staff member stands in as author but neither follows it nor hears about it.
    assert db.session.scalar(select(func.count(Follow.id))) == 0
    assert moderator not in idea_audience(idea)
    entry = db.session.scalar(select(AuditLog).where(
        AuditLog.action == "idea_recorded_for_resident"))
    assert entry.actor_id == moderator.id and entry.target_id == idea.id
    assert_no_secret(json.dumps(entry.after), "the audit log")


def test_a_resident_cannot_record_an_idea_for_someone_else(app, make, place):
    from citizenideas.errors import NotAllowed

    with pytest.raises(NotAllowed):
        record(make.user(), place)
    assert db.session.scalar(select(func.count(Idea.id))) == 0


@pytest.mark.parametrize("resident, field", [
    ({"name": "", "channel": "phone"}, "on_behalf_of_name"),
    ({"name": "A" * 201, "channel": "phone"}, "on_behalf_of_name"),
    ({"name": "Ann", "channel": "pigeon"}, "on_behalf_of_channel"),
    ({"name": "Ann", "channel": "email"}, "on_behalf_of_email"),
    ({"name": "Ann", "channel": "letter", "email": "not an address"}, "on_behalf_of_email"),
    ({"name": "Ann", "channel": "phone", "phone": "call me"}, "on_behalf_of_phone"),
    ({"name": "Ann", "channel": "phone", "phone": "12345"}, "on_behalf_of_phone"),
])
def test_the_resident_s_details_are_checked_with_errors_by_field(app, make, place, resident,
                                                                 field):
    from citizenideas.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        ideas.propose_idea(make.user(role="moderator"), title="A bench at the bus stop",
                           description=DESCRIPTION, category_id=place["category"].id,
                           ward_id=place["ward"].id, on_behalf_of=resident)
    assert set(caught.value.errors) == {field}


def test_the_record_page_is_on_the_dashboard_and_records_an_idea(app, client, auth, make, place):
    make.user(role="moderator", email="mod@example.org")
    auth.sign_in("mod@example.org")
    dashboard = client.get("/council").get_data(as_text=True)
    assert "Record an idea for a resident" in dashboard and "/council/ideas/record" in dashboard
    page = client.get("/council/ideas/record")
    assert page.status_code == 200 and "Record an idea for a resident" in page.get_data(True)
    response = client.post("/council/ideas/record", data={
        "csrf_token": csrf_token(client, "/council/ideas/record"),
        "on_behalf_of_name": NAME, "on_behalf_of_channel": "letter",
        "on_behalf_of_email": "", "on_behalf_of_phone": PHONE,
        "title": "A bench at the Mill Lane bus stop", "description": DESCRIPTION,
        "category_id": place["category"].id, "ward_id": place["ward"].id})
    assert response.status_code == 303
    idea = db.session.scalar(select(Idea))
    assert response.headers["Location"].endswith(f"/council/ideas/{idea.id}")
    representation = db.session.scalar(select(IdeaRepresentation))
    assert (representation.channel, representation.email) == ("letter", None)
    triage = client.get(f"/council/ideas/{idea.id}").get_data(as_text=True)
    assert NAME in triage and PHONE in triage and "Letter" in triage
    public = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert NAME in public  # staff see who it was recorded for on the idea page too


def test_the_record_page_keeps_what_was_typed_and_shows_errors_by_field(app, client, auth, make,
                                                                        place):
    make.user(role="moderator", email="mod@example.org")
    auth.sign_in("mod@example.org")
    response = client.post("/council/ideas/record", data={
        "csrf_token": csrf_token(client, "/council/ideas/record"),
        "on_behalf_of_name": "", "on_behalf_of_channel": "email",
        "on_behalf_of_phone": "call me", "title": "A bench at the Mill Lane bus stop",
        "description": "too short", "category_id": place["category"].id,
        "ward_id": place["ward"].id})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for anchor in ("#on_behalf_of_name", "#on_behalf_of_email", "#on_behalf_of_phone",
                   "#description"):
        assert f'href="{anchor}"' in body, anchor
    assert 'value="A bench at the Mill Lane bus stop"' in body and 'value="call me"' in body
    assert db.session.scalar(select(func.count(Idea.id))) == 0


@pytest.mark.parametrize("role, status", [("resident", 403), ("partner", 403)])
def test_residents_and_partners_cannot_open_the_assisted_pages(app, client, auth, make, role,
                                                               status):
    user = make.user(email="someone@example.org")
    if role == "partner":
        make.organisation(members=[(user, "manager")])
    auth.sign_in("someone@example.org")
    for path in ("/council/ideas/record", "/council/to-contact"):
        assert client.get(path).status_code == status, path


# --- Never in public output -----------------------------------------------------------------


def test_the_name_and_contact_never_reach_public_output(app, client, make, place):
    moderator = make.user(role="moderator")
    idea = record(moderator, place)
    change_status(moderator, idea, "accepted", "We will put a bench there in spring.")
    db.session.commit()
    other = make.user(email="other@example.org", display_name="Olly Other")
    outputs = {}
    for path in ("/", f"/ideas/{idea.id}", "/ideas", "/ideas?q=bench", "/ideas?q=Zephyrine",
                 "/ideas.csv", "/ideas.json", "/feeds/ideas.atom", "/feeds/status-changes.atom",
                 "/accountability", "/api/v1/ideas", f"/api/v1/ideas/{idea.id}",
                 "/api/v1/ideas?q=Zephyrine"):
        response = client.get(path)
        assert response.status_code == 200, path
        outputs[path] = response.get_data(as_text=True)
    page = outputs[f"/ideas/{idea.id}"]
    assert "Recorded by the council on behalf of a resident" in page
    assert moderator.display_name not in page
    assert "bench" in outputs["/ideas?q=bench"].lower()
    # A search for the resident's name finds nothing (the page repeats the words searched for).
    assert json.loads(outputs.pop("/api/v1/ideas?q=Zephyrine"))["total"] == 0
    assert "Mill Lane" not in outputs.pop("/ideas?q=Zephyrine")
    shown = json.loads(outputs[f"/api/v1/ideas/{idea.id}"])
    assert shown["author"] == "Recorded by the council on behalf of a resident"
    assert shown["recorded_on_behalf"] is True and shown["on_behalf_of"] is None
    outputs["the recorder's data export"] = json.dumps(privacy.export_my_data(moderator),
                                                       default=str)
    outputs["another resident's data export"] = json.dumps(privacy.export_my_data(other),
                                                           default=str)
    for where, text in outputs.items():
        assert_no_secret(text, where)


def test_a_resident_signed_in_sees_no_name_on_the_page_or_through_the_api(app, client, auth,
                                                                          make, place):
    idea = record(make.user(role="moderator"), place)
    make.user(email="rita@example.org")
    auth.sign_in("rita@example.org")
    assert_no_secret(client.get(f"/ideas/{idea.id}").get_data(as_text=True), "the idea page")
    assert client.get(f"/council/ideas/{idea.id}").status_code == 403


# --- Keeping the resident told --------------------------------------------------------------


def test_with_an_email_the_resident_is_emailed_each_change_like_an_account_holder(app, make,
                                                                                  place, smtp):
    from citizenideas.notify.outbox import send_pending

    moderator, other = make.user(role="moderator"), make.user(role="moderator")
    idea = record(moderator, place)
    change_status(other, idea, "under_review", "")
    db.session.commit()
    assert send_pending()[0] >= 1
    delivered = [(to, msg["Subject"]) for to, msg in smtp.messages]
    assert any(to == [EMAIL] for to, _subject in delivered), delivered
    assert not any(to == [moderator.email] for to, _subject in delivered)
    # Nothing for the to-contact list: the resident is told by email.
    assert assisted.contacts_due(other)[1] == 0


def test_registering_with_the_same_email_makes_the_idea_theirs(app, make, place):
    moderator = make.user(role="moderator")
    idea = record(moderator, place)
    user, created = accounts.register_user(EMAIL.upper(), "Zeph", "lantern-orchard-quietly")
    db.session.commit()
    assert created and db.session.get(Idea, idea.id).author_id == moderator.id  # not yet
    response = confirm_email(new_client(app), path_of(latest_link("verify_email")))
    assert response.status_code == 303
    db.session.expire_all()
    idea = db.session.get(Idea, idea.id)
    assert idea.author_id == user.id and not idea.on_behalf
    representation = db.session.scalar(select(IdeaRepresentation))
    assert representation.claimed_by_id == user.id and representation.channel == "phone"
    assert db.session.scalar(select(Follow.id).where(Follow.user_id == user.id))
    assert user in idea_audience(idea)
    # Now an account holder: told in the app, not at the recorded address twice.
    change_status(moderator, idea, "under_review", "")
    db.session.commit()
    notes = list(db.session.scalars(select(Notification).where(
        Notification.kind == "status_change")))
    assert [n.user_id for n in notes] == [user.id]
    assert not [n for n in notes if n.to_email]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "idea_claimed_by_resident"))


def test_someone_who_registers_with_another_address_claims_nothing(app, make, place):
    idea = record(make.user(role="moderator"), place)
    accounts.register_user("someone.else@example.org", "Sam", "lantern-orchard-quietly")
    db.session.commit()
    confirm_email(new_client(app), path_of(latest_link("verify_email")))
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).on_behalf


def test_erasing_the_claimed_account_forgets_the_resident_s_details(app, make, place):
    from tests.factories import PASSWORD

    idea = record(make.user(role="moderator"), place)
    user = make.user(email=EMAIL)
    assisted.claim_represented_ideas(user)
    privacy.erase_account(user, password=PASSWORD)
    db.session.commit()
    representation = db.session.scalar(select(IdeaRepresentation))
    assert (representation.name, representation.email, representation.phone) == (
        "Former resident", None, None)
    assert representation.idea_id == idea.id


def test_without_an_email_each_change_waits_on_the_to_contact_list(app, client, auth, make,
                                                                   place):
    moderator = make.user(role="moderator", email="mod@example.org")
    idea = record(moderator, place, email=None)
    record(moderator, place, email=None, phone=None, channel="letter",
           title="Planters on the High Street")
    change_status(moderator, idea, "accepted", "We will put a bench there in spring.")
    db.session.commit()
    due, total = assisted.contacts_due(moderator)
    assert total == 1 and due[0].idea.id == idea.id and due[0].change.to_status == "accepted"
    assert not db.session.scalar(select(Notification).where(Notification.to_email.is_not(None)))

    auth.sign_in("mod@example.org")
    dashboard = client.get("/council").get_data(as_text=True)
    assert "1 change to tell a resident about" in dashboard and NAME in dashboard
    assert PHONE in dashboard
    change_id = due[0].change.id
    letter = client.get(f"/council/to-contact/{change_id}/letter")
    text = letter.get_data(as_text=True)
    assert letter.status_code == 200 and "@media print" in text
    for expected in (f"Dear {NAME},", "A bench at the Mill Lane bus stop", "Accepted",
                     "We will put a bench there in spring.", app.config["COUNCIL_NAME"]):
        assert expected in text, expected

    response = client.post(f"/council/to-contact/{change_id}/contacted", data={
        "csrf_token": csrf_token(client, "/council/to-contact")})
    assert response.status_code == 303
    assert assisted.contacts_due(moderator)[1] == 0
    assert db.session.scalar(select(ResidentContact)).contacted_by_id == moderator.id
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "resident_contacted"))
    # Marking it again changes nothing.
    assert assisted.mark_contacted(moderator, change_id) is False
    assert db.session.scalar(select(func.count(ResidentContact.id))) == 1


def test_the_dashboard_shows_the_oldest_ten_changes_to_tell_and_counts_them_all(
        client, auth, make, place):
    """Twelve changes to tell residents about: the dashboard shows the oldest ten, says
    there are twelve, and links to the full list (one query gives both)."""
    moderator = make.user(role="moderator", email="mod@example.org")
    titles = [f"Idea number {n:02d} for the park" for n in range(12)]
    for title in titles:
        change_status(moderator, record(moderator, place, email=None, title=title),
                      "accepted", "Yes.")
        db.session.commit()
    due, total = assisted.contacts_due(moderator, limit=10)
    assert total == 12 and [d.idea.title for d in due] == titles[:10]
    auth.sign_in("mod@example.org")
    html = client.get("/council").get_data(as_text=True)
    assert "12 changes to tell residents about" in html
    assert "Residents to contact by phone or post: <strong>12</strong>" in html
    assert titles[9] in html and titles[10] not in html
    assert "See every change to tell residents about" in html
    assert assisted.contacts_due(moderator, limit=100)[1] == 12


def test_a_resident_cannot_see_the_to_contact_list_or_a_letter(app, client, auth, make, place):
    moderator = make.user(role="moderator")
    idea = record(moderator, place, email=None)
    change = change_status(moderator, idea, "accepted", "Yes.")
    db.session.commit()
    make.user(email="rita@example.org")
    auth.sign_in("rita@example.org")
    assert client.get(f"/council/to-contact/{change.id}/letter").status_code == 403
    response = client.post(f"/council/to-contact/{change.id}/contacted",
                           data={"csrf_token": csrf_token(client, "/ideas/new")})
    assert response.status_code == 403


def test_a_resident_with_email_hears_when_their_idea_is_merged(app, make, place):
    from citizenideas.services.merging import merge_idea

    moderator = make.user(role="moderator")
    idea = record(moderator, place)
    kept = make.idea(title="Benches along Mill Lane")
    merge_idea(moderator, idea, kept, "The same bench.")
    db.session.commit()
    [note] = db.session.scalars(select(Notification).where(Notification.to_email == EMAIL))
    assert note.kind == "merged" and "Benches along Mill Lane" in note.body


def test_a_merge_is_one_change_to_tell_a_resident_without_email(app, make, place):
    from citizenideas.services.merging import merge_idea

    moderator = make.user(role="moderator")
    idea = record(moderator, place, email=None)
    merge_idea(moderator, idea, make.idea(title="Benches along Mill Lane"), "The same bench.")
    db.session.commit()
    due, total = assisted.contacts_due(moderator)
    assert total == 1 and due[0].change.to_status == "duplicate"
