"""What the form fuzzer and the property tests found, pinned as plain examples."""

from __future__ import annotations

import lxml.etree
import pytest

from citizenideas.extensions import db
from citizenideas.models import Idea

from .conftest import csrf_token


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_TEST_ERRORS"] = False


@pytest.mark.parametrize("into", ["\u00b2", "#\u00b9\u00b2", "\u0661\u0662",
                                  "99999999999999999999"])
def test_merging_into_a_number_that_is_not_an_id_is_a_form_error(client, make, auth,
                                                                  no_propagation, into):
    moderator = make.user(role="moderator")
    idea = make.idea()
    auth.sign_in(moderator.email)
    response = client.post(f"/council/ideas/{idea.id}/merge", data={
        "into": into, "merge_message": "The same idea.",
        "csrf_token": csrf_token(client, f"/council/ideas/{idea.id}")})
    assert response.status_code == 422
    assert db.session.get(Idea, idea.id).status == "submitted"


def test_an_idea_whose_title_is_only_control_characters_keeps_the_feed_working(client, make):
    idea = make.idea(title="\x01\x02\x03")  # stored some other way than the cleaned forms
    response = client.get("/feeds/ideas.atom")
    assert response.status_code == 200
    feed = lxml.etree.fromstring(response.data)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = {e.findtext(f"{atom}id"): e.findtext(f"{atom}title")
              for e in feed.iter(f"{atom}entry")}
    assert any(key.endswith(f"idea/{idea.id}") and title for key, title in titles.items())


ODD_NUMBERS = ["\u00b2", "\u00b9\u00b2", "99999999999999999999999"]


@pytest.mark.parametrize("junk", ODD_NUMBERS)
def test_marking_odd_notification_numbers_read_is_not_a_server_error(client, make, auth,
                                                                     no_propagation, junk):
    auth.sign_in(make.user().email)
    response = client.post("/me/notifications/read", data={
        "id": junk, "csrf_token": csrf_token(client, "/me")})
    assert response.status_code == 303


@pytest.mark.parametrize("junk", ODD_NUMBERS)
def test_odd_numbers_in_council_forms_and_filters_are_not_a_server_error(
        client, make, auth, no_propagation, junk):
    admin = make.user(role="admin")
    idea = make.idea()
    auth.sign_in(admin.email)
    token = csrf_token(client, f"/council/ideas/{idea.id}")
    response = client.post("/council/bulk-status", data={
        "idea_ids": junk, "bulk_status": "under_review", "csrf_token": token})
    assert response.status_code < 500
    response = client.post(f"/council/ideas/{idea.id}/status", data={
        "action": "use_template", "template_id": junk, "csrf_token": token})
    assert response.status_code == 422
    response = client.post("/admin/settings", data={
        "RESPONSE_TARGET_DAYS": junk, "csrf_token": token})
    assert response.status_code == 422
    for query in (f"assignee={junk}", f"age={junk}", "age=99999999"):
        assert client.get(f"/council?{query}").status_code == 200, query
