"""A page number past the end of a list (an old bookmark, a link from when the list was
longer) takes the person to the last page, keeping their filters, instead of a page that says
"53 ideas found" and "No ideas match" at once. The API keeps answering an empty page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from citizenideas.extensions import db
from citizenideas.models import Flag, Notification, utcnow


def _target(response) -> tuple[str, dict]:
    location = urlsplit(response.headers["Location"])
    return location.path, parse_qs(location.query)


def test_ideas_page_past_the_end_redirects_to_the_last_page_keeping_the_filters(client, make):
    ward = make.ward()
    for n in range(45):
        make.idea(title=f"Benches for the park number {n}", ward=ward)
    response = client.get(f"/ideas?page=999&q=benches&ward={ward.id}&sort=newest")
    assert response.status_code == 303
    path, args = _target(response)
    assert path == "/ideas"
    assert args == {"page": ["3"], "q": ["benches"], "ward": [str(ward.id)],
                    "sort": ["newest"]}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "45 ideas found" in html.replace("\n", " ") or "45 ideas" in html
    assert "No ideas match" not in html
    assert "Benches for the park number" in html


def test_the_last_page_itself_and_an_empty_list_are_not_redirected(client, make):
    for n in range(21):
        make.idea(title=f"Planters on the high street {n}")
    assert client.get("/ideas?page=2").status_code == 200
    assert client.get("/ideas?page=1&q=nothing-like-this").status_code == 200


def test_an_empty_list_past_the_end_goes_to_page_one(client, make):
    response = client.get("/ideas?page=4&q=nothing-like-this")
    assert response.status_code == 303
    assert _target(response) == ("/ideas", {"page": ["1"], "q": ["nothing-like-this"]})


def test_an_htmx_request_past_the_end_also_gets_the_last_page(client, make):
    for n in range(3):
        make.idea(title=f"Community fridge {n}")
    response = client.get("/ideas?page=7", headers={"HX-Request": "true"})
    assert response.status_code == 303
    assert _target(response)[1]["page"] == ["1"]


def test_the_api_still_answers_an_empty_page_past_the_end(client, make):
    make.idea()
    response = client.get("/api/v1/ideas?page=50")
    assert response.status_code == 200


@pytest.fixture
def moderator(make, auth):
    user = make.user(role="admin", email="admin@example.org")
    auth.sign_in(user.email)
    return user


def test_the_council_lists_redirect_past_the_end_too(client, make, moderator):
    idea = make.idea()
    db.session.add(Flag(idea_id=idea.id, target_type="idea", target_id=idea.id,
                        reporter_id=make.user().id, reason="Rude words", created_at=utcnow()))
    db.session.commit()
    for path, last in (("/council?page=9&status=all", {"page": ["1"], "status": ["all"]}),
                       ("/council/flags?page=9", {"page": ["1"]}),
                       ("/admin/users?page=9&role=admin", {"page": ["1"], "role": ["admin"]}),
                       ("/admin/audit?page=9", {"page": ["1"]}),
                       ("/assets?page=9", {"page": ["1"]})):
        response = client.get(path)
        assert response.status_code == 303, path
        assert _target(response) == (urlsplit(path).path, last), path


def test_a_residents_notifications_past_the_end_go_to_the_last_page(client, make, auth):
    user = make.user(email="resident@example.org")
    for n in range(3):
        db.session.add(Notification(user_id=user.id, kind="status_change", subject=f"News {n}",
                                    body="Something happened.", created_at=utcnow()))
    db.session.commit()
    auth.sign_in(user.email)
    response = client.get("/me/notifications?page=30")
    assert response.status_code == 303
    assert _target(response) == ("/me/notifications", {"page": ["1"]})
