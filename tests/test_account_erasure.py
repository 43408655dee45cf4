"""Deleting an account: the current password is asked for again, and the person's name does
not stay behind in notifications (theirs are removed; others' that name them are scrubbed)."""

from __future__ import annotations

import pytest

from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Notification, User
from citizenideas.services import engagement, organisations, privacy
from citizenideas.services.notifications import email_address, notify_user
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def html(response) -> str:
    return response.get_data(as_text=True)


def test_erasing_an_account_needs_the_current_password(make):
    me = make.user(display_name="Rita")
    with pytest.raises(ValidationFailed) as refused:
        privacy.erase_account(me, password="not my password")
    assert "password" in refused.value.errors
    db.session.rollback()
    with pytest.raises(ValidationFailed) as empty:
        privacy.erase_account(me, password="")
    assert empty.value.errors["password"] == ["Enter your password"]
    db.session.rollback()
    assert db.session.get(User, me.id).deleted_at is None

    privacy.erase_account(me, password=PASSWORD)
    db.session.commit()
    assert db.session.get(User, me.id).deleted_at is not None


def test_erasing_an_account_removes_the_persons_own_notifications(make):
    me = make.user(display_name="Rosalind Quill", email="rosalind@example.org")
    notify_user(me, "status_change", "Hello Rosalind Quill", "Your idea moved on.")
    notify_user(me, "verify", "Confirm Rosalind Quill", "Link", email_always=True)
    # An invitation sent to their address before they had an account.
    email_address("rosalind@example.org", "invitation", "Join us", "Link")
    db.session.commit()

    privacy.erase_account(me, password=PASSWORD)
    db.session.commit()

    assert db.session.query(Notification).count() == 0


def test_erasing_an_account_scrubs_the_name_from_notifications_held_for_others(make):
    author = make.user(display_name="Sam")
    me = make.user(display_name="Rosalind Quill")
    manager = make.user(display_name="Maya")
    idea = make.idea(author=author, status="accepted")
    engagement.post_comment(me, idea, "Count me in, Sam.")
    org = make.organisation(members=[(manager, "manager")])
    organisations.invite_member(manager, org, me.email)
    db.session.commit()
    # Joining tells the manager "Rosalind Quill joined ...".
    invite = db.session.query(Notification).filter_by(kind="invitation").one()
    raw = invite.link.rsplit("/", 1)[-1]
    organisations.accept_invitation(me, raw)
    unrelated = make.user(display_name="Quill")  # a different person whose name is a part
    notify_user(manager, "status_change", "Quill's idea moved on", "Quill says hello.")
    db.session.commit()
    held = [n for n in db.session.query(Notification).filter(Notification.user_id != me.id)
            if "Rosalind Quill" in n.subject + n.body]
    assert {n.kind for n in held} == {"comment", "member_joined"}

    privacy.erase_account(me, password=PASSWORD)
    db.session.commit()

    for note in db.session.query(Notification):
        assert "Rosalind" not in note.subject + note.body
    comment_note = db.session.query(Notification).filter_by(kind="comment").one()
    assert comment_note.body.startswith("Former resident commented on your idea")
    assert "Count me in, Sam." in comment_note.body
    other = db.session.query(Notification).filter_by(kind="status_change").one()
    assert other.subject == "Quill's idea moved on" and other.body == "Quill says hello."
    assert unrelated.deleted_at is None


def test_the_delete_page_asks_for_the_password_and_refuses_a_wrong_one(client, make, auth):
    me = make.user(email="resident@example.org", display_name="Rita")
    auth.sign_in(me.email)
    page = client.get("/me/delete")
    assert 'name="password"' in html(page) and 'autocomplete="current-password"' in html(page)
    token = csrf_token(client, "/me/delete")

    wrong = client.post("/me/delete", data={"csrf_token": token, "confirm": "yes",
                                            "password": "not-my-password"})
    assert wrong.status_code == 422
    body = html(wrong)
    assert "Your password is not correct" in body and 'href="#password"' in body
    assert "not-my-password" not in body
    assert db.session.get(User, me.id).deleted_at is None

    missing = client.post("/me/delete", data={"csrf_token": token, "confirm": "yes"})
    assert missing.status_code == 422 and "Enter your password" in html(missing)

    done = client.post("/me/delete", data={"csrf_token": token, "confirm": "yes",
                                           "password": PASSWORD})
    assert done.status_code == 303
    assert db.session.get(User, me.id).deleted_at is not None
    assert client.get("/me").status_code == 302


def test_wrong_passwords_on_the_delete_page_count_as_failed_sign_ins(client, make, auth, app,
                                                                   rate_limited):
    app.config["RATELIMIT_SIGN_IN"] = "2 per minute"
    me = make.user(email="resident@example.org")
    auth.sign_in(me.email)
    token = csrf_token(client, "/me/delete")
    for _ in range(2):
        wrong = client.post("/me/delete", data={"csrf_token": token, "confirm": "yes",
                                                "password": "a wrong guess"})
        assert wrong.status_code == 422
    stopped = client.post("/me/delete", data={"csrf_token": token, "confirm": "yes",
                                              "password": PASSWORD})
    assert stopped.status_code == 429
    assert db.session.get(User, me.id).deleted_at is None
