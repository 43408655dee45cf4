"""Bad input never gives a 500: numbers too big for the database, NUL bytes and control
characters in what people type, in URLs, query strings and forms."""

from __future__ import annotations

import pytest

BIG = "99999999999999999999999"


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_TEST_ERRORS"] = False


@pytest.mark.parametrize("path", [
    f"/ideas/{BIG}", f"/assets/{BIG}", f"/organisations/{BIG}", f"/api/v1/ideas/{BIG}",
    f"/api/v1/assets/{BIG}", f"/ideas?ward={BIG}&category={BIG}&page={BIG}",
    f"/outcomes?ward_id={BIG}&page={BIG}", f"/ideas.csv?ward_id={BIG}&category_id={BIG}",
    f"/accountability?ward_id={BIG}", f"/assets?ward_id={BIG}&page={BIG}",
    f"/api/v1/ideas?page={BIG}", f"/api/v1/ideas?ward_id={BIG}", "/ideas?q=%00",
    "/ideas?q=%0b%ff", "/ideas/similar?title=%00park"])
def test_huge_numbers_and_odd_characters_in_urls_are_never_a_server_error(
        client, no_propagation, path):
    assert client.get(path).status_code < 500


def test_huge_ids_in_a_signed_in_persons_urls_are_not_found(client, make, auth,
                                                            no_propagation):
    make.user(email="mod@example.org", role="moderator")
    auth.sign_in("mod@example.org")
    for path in (f"/me/notifications/{BIG}", f"/council/ideas/{BIG}",
                 f"/partners/ideas/{BIG}/volunteers"):
        assert client.get(path).status_code == 404, path


def test_a_huge_category_number_on_the_idea_form_is_a_form_error(client, make, auth,
                                                                 no_propagation):
    from .conftest import csrf_token

    make.user(email="sam@example.org")
    ward = make.ward()
    auth.sign_in("sam@example.org")
    response = client.post("/ideas/new", data={
        "title": "A bench by the pond", "description": "A bench for people to rest on near "
        "the pond in the park.", "category_id": BIG, "ward_id": str(ward.id),
        "csrf_token": csrf_token(client, "/ideas/new")})
    assert response.status_code == 422


def test_control_characters_in_an_idea_never_break_the_page_or_the_feeds(client, make, auth,
                                                                         no_propagation):
    from sqlalchemy import select

    from citizenideas.extensions import db
    from citizenideas.models import Idea

    from .conftest import csrf_token

    make.user(email="sam@example.org")
    ward, category = make.ward(), make.category()
    auth.sign_in("sam@example.org")
    client.post("/ideas/new", data={
        "title": "A bench\x00 by\x0b the\x1b pond", "description": "A bench for people to "
        "rest on\x00 near the pond\x0c in the park.", "category_id": str(category.id),
        "ward_id": str(ward.id), "location_text": "By\x00 the gate",
        "csrf_token": csrf_token(client, "/ideas/new")})
    idea = db.session.scalar(select(Idea))
    if idea is not None:  # accepted with the control characters removed, or refused
        assert "\x00" not in idea.title + idea.description
        assert client.get(f"/ideas/{idea.id}").status_code == 200
    for path in ("/feeds/ideas.atom", "/ideas", "/ideas.csv", "/ideas.json"):
        assert client.get(path).status_code == 200, path
