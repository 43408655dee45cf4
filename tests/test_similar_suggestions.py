"""Similar ideas shown while proposing: only ideas open for support are offered as
alternatives to support; ideas already answered are listed apart with what happened to them,
never with a way to support them; and following a suggestion never loses the draft."""

from __future__ import annotations

import re

import pytest

from citizenideas.extensions import db
from citizenideas.models import Idea, StatusChange
from citizenideas.services.suggestions import suggest_alternatives
from tests.conftest import csrf_token

DESCRIPTION = "Neighbours meet once a month to fix bikes, toasters and clothes together."


def html(response) -> str:
    return response.get_data(as_text=True)


def answered(make, status: str, title: str, message: str = "", **kw) -> Idea:
    idea = make.idea(status=status, title=title, **kw)
    db.session.add(StatusChange(idea_id=idea.id, event="status", from_status="under_review",
                                to_status=status, message=message))
    db.session.commit()
    return idea


@pytest.fixture
def garden_ideas(make):
    """One garden idea open for support and one of each way an idea closes."""
    survivor = make.idea(status="accepted", title="Community garden on Elm Street")
    return {
        "open": survivor,
        "delivered": answered(make, "delivered", "Garden club at Elm Street school"),
        "declined": answered(make, "declined", "Garden on the Elm Street car park",
                             "The car park is needed for the market."),
        "not_delivered": answered(make, "not_delivered", "Roof garden for Elm Street flats",
                                  "The roof could not take the weight."),
        "merged": answered(make, "duplicate", "Elm Street garden for everyone",
                           "Merged with the same idea.", merged_into_id=survivor.id),
    }


@pytest.fixture
def resident(make, auth):
    user = make.user(email="resident@example.org", display_name="Rita")
    auth.sign_in(user.email)
    return user


def section(page: str, heading: str) -> str:
    """The part of the page from ``heading`` to the next heading."""
    start = page.index(heading)
    following = re.search(r"<h[1-3]", page[start + len(heading):])
    return page[start:start + len(heading) + (following.start() if following else len(page))]


# ------------------------------------------------------------------ the service


def test_suggestions_offer_only_ideas_open_for_support(app, garden_ideas):
    found = suggest_alternatives("Garden in Elm Street")
    assert [idea.id for idea in found.open] == [garden_ideas["open"].id]
    closed = {item.idea.id: item for item in found.closed}
    assert set(closed) == {garden_ideas[k].id for k in ("delivered", "declined",
                                                        "not_delivered", "merged")}
    assert closed[garden_ideas["declined"].id].message == "The car park is needed for the market."
    assert closed[garden_ideas["merged"].id].merged_into.id == garden_ideas["open"].id


def test_suggestions_for_a_title_like_nothing_are_empty(app, garden_ideas):
    found = suggest_alternatives("zzzz qqqq")
    assert not found and found.open == [] and found.closed == []


# ------------------------------------------------------------------ the live list (HTMX)


def test_the_live_list_offers_open_ideas_and_lists_answered_ones_apart(client, garden_ideas):
    body = html(client.get("/ideas/similar?title=garden+in+elm+street"))
    offered = section(body, "You could support")
    assert "Community garden on Elm Street" in offered
    assert "Garden club" not in offered and "car park" not in offered
    apart = section(body, "Already answered")
    assert "Garden club at Elm Street school" in apart and "Already delivered" in apart
    assert "Declined: The car park is needed for the market." in apart
    assert "Not delivered: The roof could not take the weight." in apart
    assert "Merged into" in apart and f'href="/ideas/{garden_ideas["open"].id}"' in apart
    assert "Support this" not in apart and "#support" not in apart


def test_suggestion_links_open_in_a_new_tab_so_the_draft_stays(client, garden_ideas):
    body = html(client.get("/ideas/similar?title=garden+in+elm+street"))
    links = re.findall(r"<a [^>]*>.*?</a>", body, re.S)
    assert links
    for link in links:
        assert 'target="_blank"' in link and "opens in new tab" in link, link


# ------------------------------------------------------------------ without JavaScript


def _draft(make, token):
    return {"csrf_token": token, "title": "Garden in Elm Street", "description": DESCRIPTION,
            "category_id": make.category().id, "ward_id": make.ward().id,
            "location_text": "Elm Street"}


def test_the_confirm_step_offers_support_only_on_open_ideas(client, make, resident,
                                                            garden_ideas):
    response = client.post("/ideas/new", data=_draft(make, csrf_token(client, "/ideas/new")))
    page = html(response)
    assert response.status_code == 200 and "Similar ideas already exist" in page
    assert page.count("Support this instead") == 1
    assert f'href="/ideas/{garden_ideas["open"].id}#support"' in page
    for key in ("delivered", "declined", "not_delivered", "merged"):
        assert f'/ideas/{garden_ideas[key].id}#support' not in page
    apart = section(page, "Already answered")
    assert "Already delivered" in apart and "The car park is needed" in apart
    assert db.session.query(Idea).count() == 5


def test_the_confirm_step_links_open_in_a_new_tab_and_can_go_back_to_the_form(
        client, make, resident, garden_ideas):
    fields = _draft(make, csrf_token(client, "/ideas/new"))
    page = html(client.post("/ideas/new", data=fields))
    main = page[page.index("<main"):]
    for link in re.findall(r"<a [^>]*href=\"/ideas/\d+[^>]*>.*?</a>", main, re.S):
        assert 'target="_blank"' in link and "opens in new tab" in link, link
    assert 'name="change"' in page
    back = client.post("/ideas/new", data={**fields, "confirmed": "1", "change": "1"})
    form = html(back)
    assert back.status_code == 200 and 'name="title"' in form
    assert 'value="Garden in Elm Street"' in form and DESCRIPTION in form
    assert 'name="location_text" type="text" value="Elm Street"' in form \
        or 'value="Elm Street"' in form
    assert db.session.query(Idea).count() == 5


def test_check_for_similar_ideas_shows_them_on_the_form_keeping_every_field(
        client, make, resident, garden_ideas):
    form_page = html(client.get("/ideas/new"))
    assert "Check for similar ideas" in form_page
    fields = _draft(make, csrf_token(client, "/ideas/new"))
    response = client.post("/ideas/new", data={**fields, "check": "1"})
    page = html(response)
    assert response.status_code == 200
    assert "<title>Error" not in page and "There is a problem" not in page
    assert 'value="Garden in Elm Street"' in page and DESCRIPTION in page
    assert "Community garden on Elm Street" in section(page, "You could support")
    assert "Already delivered" in section(page, "Already answered")
    assert db.session.query(Idea).count() == 5


def test_check_for_similar_ideas_with_nothing_similar_says_so(client, make, resident):
    fields = _draft(make, csrf_token(client, "/ideas/new"))
    page = html(client.post("/ideas/new", data={**fields, "title": "Tool library",
                                                "check": "1"}))
    assert "No similar ideas found" in page and 'value="Tool library"' in page
    assert db.session.query(Idea).count() == 0


def test_a_mistake_on_the_form_shows_the_similar_ideas_again_so_sending_goes_straight_on(
        client, make, resident, garden_ideas):
    fields = {**_draft(make, csrf_token(client, "/ideas/new")), "description": ""}
    response = client.post("/ideas/new", data=fields)
    page = html(response)
    assert response.status_code == 422 and "<title>Error: " in page
    assert "Already answered" in page and 'name="similar_seen" value="1"' in page
    sent = client.post("/ideas/new", data={**fields, "description": DESCRIPTION,
                                           "similar_seen": "1"})
    assert sent.status_code == 303 and db.session.query(Idea).count() == 6
