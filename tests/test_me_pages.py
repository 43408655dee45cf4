"""My account: my activity, notifications, my data as JSON, and deleting my account."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from citizenideas.errors import AuthRequired
from citizenideas.extensions import db
from citizenideas.models import (
    ApiToken,
    Comment,
    Follow,
    Membership,
    Notification,
    Support,
    User,
    utcnow,
)
from citizenideas.services import engagement, inbox, privacy
from citizenideas.services.notifications import notify_user
from tests.conftest import csrf_token
from tests.factories import PASSWORD


@pytest.fixture
def resident(make, auth):
    user = make.user(email="resident@example.org", display_name="Rita")
    auth.sign_in(user.email)
    return user


def html(response) -> str:
    return response.get_data(as_text=True)


def notes_for(user, n: int):
    start = utcnow() - timedelta(hours=n)
    for i in range(n):
        note = notify_user(user, "status_change", f"Update {i:02d}", f"Body {i}")
        note.created_at = start + timedelta(hours=i)
    db.session.commit()


# ------------------------------------------------------------------ services

def test_notifications_are_listed_newest_first_and_paginated(make):
    user = make.user()
    notes_for(user, 25)
    notes_for(make.user(), 3)
    first, total = inbox.list_notifications(user, per_page=20)
    assert total == 25 and first[0].subject == "Update 24" and len(first) == 20
    second, _total = inbox.list_notifications(user, page=2, per_page=20)
    assert [n.subject for n in second][-1] == "Update 00"


def test_marking_read_touches_only_my_notifications(make):
    me, other = make.user(), make.user()
    notes_for(me, 3)
    notes_for(other, 2)
    mine = inbox.list_notifications(me)[0]
    assert inbox.mark_notifications_read(me, [mine[0].id]) == 1
    assert inbox.mark_notifications_read(other, [mine[1].id]) == 0
    assert inbox.list_notifications(me, unread_only=True)[1] == 2
    assert inbox.mark_notifications_read(me) == 2
    assert inbox.list_notifications(other, unread_only=True)[1] == 2


def test_export_holds_everything_about_me(make):
    me = make.user(display_name="Rita")
    idea = make.idea(author=me, title="Monthly repair cafe")
    other = make.idea()
    engagement.support_idea(me, other)
    engagement.post_comment(me, other, "Count me in")
    engagement.pledge_help(me, other, kind="time", message="Saturdays", hours="2")
    notify_user(me, "status_change", "An update", "Body")
    db.session.commit()
    data = privacy.export_my_data(me)
    json.dumps(data)  # JSON-ready
    assert data["account"]["email"] == me.email and data["account"]["display_name"] == "Rita"
    assert data["ideas"][0]["title"] == idea.title
    assert data["comments"][0]["body"] == "Count me in"
    assert data["supports"] == [{"idea_id": other.id, "created_at": data["supports"][0][
        "created_at"]}]
    assert data["pledges"][0]["hours"] == 2.0
    assert {f["idea_id"] for f in data["follows"]} == {other.id}
    assert data["notifications"][0]["subject"] == "An update"


def test_erasure_anonymises_the_account_and_keeps_contributions(make):
    me = make.user(display_name="Rita")
    org = make.organisation(members=[(me, "manager")])
    idea = make.idea(author=me)
    engagement.support_idea(me, idea)
    comment = engagement.post_comment(me, idea, "My comment stays")
    db.session.add(ApiToken(user_id=me.id, name="script", token_hash="h" * 64, prefix="ci_x"))
    notify_user(me, "status_change", "Pending email", "Body")
    db.session.commit()

    privacy.erase_account(me, password=PASSWORD)
    db.session.commit()

    assert me.email == f"deleted-{me.id}@invalid" and me.display_name == ""
    assert me.password_hash is None and me.deleted_at is not None and not me.is_active
    assert me.public_name == "Former resident"
    assert db.session.query(Follow).filter_by(user_id=me.id).count() == 0
    assert db.session.query(Membership).filter_by(organisation_id=org.id).count() == 0
    assert db.session.query(ApiToken).one().revoked_at is not None
    assert db.session.query(Notification).count() == 0
    assert db.session.get(Comment, comment.id).body == "My comment stays"
    assert db.session.query(Support).count() == 1 and idea.support_count == 1


def test_erasure_stops_an_email_a_sender_had_claimed_but_not_yet_sent(make):
    """A sender that died mid-batch leaves its rows ``sending``; once their lease runs out
    they would be claimed again. Erasing the account must stop them too."""
    me = make.user()
    notify_user(me, "status_change", "Claimed email", "Body")
    db.session.query(Notification).update({"email_state": "sending"})
    db.session.commit()

    privacy.erase_account(me, password=PASSWORD)
    db.session.commit()

    assert db.session.query(Notification).count() == 0


def test_inbox_and_privacy_need_a_signed_in_person():
    with pytest.raises(AuthRequired):
        inbox.list_notifications(None)
    with pytest.raises(AuthRequired):
        privacy.export_my_data(None)


# ------------------------------------------------------------------ pages

def test_my_page_lists_my_ideas_supports_pledges_and_follows(client, make, resident):
    mine = make.idea(author=resident, title="Monthly repair cafe")
    supported = make.idea(title="Benches for the square")
    helped = make.idea(title="Litter pick by the river")
    followed = make.idea(title="Library late opening")
    engagement.support_idea(resident, supported)
    engagement.pledge_help(resident, helped, kind="time", message="Saturday mornings")
    engagement.follow_idea(resident, followed)
    db.session.commit()
    page = html(client.get("/me"))
    for text in (mine.title, supported.title, helped.title, followed.title,
                 "Saturday mornings", "How often should we email you",
                 "Download everything we hold about you", "Delete your account"):
        assert text in page, text


def test_notification_preference_is_saved_from_my_page(client, resident):
    response = client.post("/me", data={"csrf_token": csrf_token(client, "/me"),
                                        "display_name": "Rita", "notify_pref": "daily"})
    assert response.status_code == 303
    assert db.session.get(User, resident.id).notify_pref == "daily"


def test_notifications_page_counts_opens_and_marks_all_read(client, resident):
    notes_for(resident, 3)
    page = html(client.get("/me/notifications"))
    assert "You have 3 unread notifications." in page
    assert page.index("Update 02") < page.index("Update 00")
    assert 'class="ci-count">3<span class="govuk-visually-hidden"> unread</span></span>' in page
    note = db.session.query(Notification).filter_by(subject="Update 01").one()
    opened = html(client.get(f"/me/notifications/{note.id}"))
    assert "Body 1" in opened
    assert inbox.list_notifications(resident, unread_only=True)[1] == 3
    response = client.post("/me/notifications/read",
                           data={"csrf_token": csrf_token(client, "/me")})
    assert response.status_code == 303
    assert "You have 0 unread notifications." in html(client.get("/me/notifications"))


def test_opening_a_notification_shows_it_and_leaves_it_unread_until_marked_with_a_post(
        client, resident):
    notes_for(resident, 2)
    note = db.session.query(Notification).filter_by(subject="Update 01").one()
    for _ in range(2):  # a link preview or prefetch opening it must not mark it read
        opened = html(client.get(f"/me/notifications/{note.id}"))
    assert "Body 1" in opened
    assert db.session.get(Notification, note.id).read_at is None
    assert inbox.list_notifications(resident, unread_only=True)[1] == 2
    form = opened[opened.index('action="/me/notifications/read"') - 40:]
    form = form[:form.index("</form>")]
    assert 'method="post"' in form and f'name="id" value="{note.id}"' in form
    assert "Mark as read" in form and 'name="csrf_token"' in form

    response = client.post("/me/notifications/read", data={
        "csrf_token": csrf_token(client, f"/me/notifications/{note.id}"), "id": str(note.id),
        "next": f"/me/notifications/{note.id}"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/me/notifications/{note.id}")
    assert db.session.get(Notification, note.id).read_at is not None
    assert inbox.list_notifications(resident, unread_only=True)[1] == 1
    again = html(client.get(f"/me/notifications/{note.id}"))
    assert "Mark as read" not in again and "Marked 1 notification as read." in again


def test_someone_elses_notification_is_not_found(client, make, resident):
    other = make.user()
    notes_for(other, 1)
    note = db.session.query(Notification).one()
    assert client.get(f"/me/notifications/{note.id}").status_code == 404
    assert note.read_at is None


def test_my_data_downloads_as_a_json_file(client, resident):
    response = client.get("/me/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.data)["account"]["email"] == "resident@example.org"


def test_deleting_my_account_needs_confirming_and_signs_me_out(client, make, resident, auth):
    idea = make.idea(author=resident, title="Monthly repair cafe")
    token = csrf_token(client, "/me/delete")
    refused = client.post("/me/delete", data={"csrf_token": token})
    assert refused.status_code == 422 and "Select yes" in html(refused)
    kept = client.post("/me/delete", data={"csrf_token": token, "confirm": "no"})
    assert kept.headers["Location"].endswith("/me")
    done = client.post("/me/delete", data={"csrf_token": token, "confirm": "yes",
                                           "password": PASSWORD})
    assert done.status_code == 303
    assert "Proposed by Former resident" in html(client.get(f"/ideas/{idea.id}"))
    assert client.get("/me").status_code == 302
    response = client.post("/sign-in", data={"email": "resident@example.org",
                                             "password": "correct-horse-battery",
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 422


def test_my_pages_need_signing_in(client):
    for path in ("/me", "/me/notifications", "/me/data.json", "/me/delete"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
