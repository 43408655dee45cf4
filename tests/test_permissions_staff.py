"""Residents and partners get 403 on every council and admin page and action; anonymous
visitors are sent to sign in. The routes come from the app's URL map, so new ones are covered
automatically."""

from __future__ import annotations

import pytest

from citizenideas import create_app

from .conftest import csrf_token

STAFF_PREFIXES = ("/council", "/admin")


def _staff_routes() -> list[tuple[str, str]]:
    app = create_app({"APP_ENV": "test", "TESTING": True, "SECRET_KEY": "x",
                      "DATABASE_URL": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(STAFF_PREFIXES):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return sorted(set(routes))


ROUTES = _staff_routes()


def _path(rule: str) -> str:
    """Fill every URL variable with a plausible value (1, or the first allowed word)."""
    import re

    def value(match: re.Match) -> str:
        converter = match.group(1) or ""
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" )'\"")
        return "1"

    return re.sub(r"<(?:([^:>]+):)?[^>]+>", value, rule)


def test_the_staff_routes_are_found():
    rules = {rule for _method, rule in ROUTES}
    assert "/council" in rules and "/admin" in rules
    assert "/council/ideas/<int:idea_id>/merge" in rules
    assert "/admin/audit.csv" in rules


@pytest.fixture
def resident(make, auth, world):
    user = make.user(email="resident@example.org")
    auth.sign_in(user.email)
    return user


@pytest.fixture
def partner(make, auth, world):
    user = make.user(email="partner@example.org")
    make.organisation(members=[(user, "manager")])
    auth.sign_in(user.email)
    return user


def _request(client, method: str, rule: str):
    path = _path(rule)
    if method == "GET":
        return client.get(path)
    return client.open(path, method=method, data={"csrf_token": csrf_token(client, "/me")})


@pytest.fixture
def world(make):
    """One of everything a staff route can load, so that id 1 exists for each."""
    from citizenideas.extensions import db
    from citizenideas.models import Claim, Comment, Flag, OutcomeReport, ResponseTemplate

    author = make.user()
    idea = make.idea(author=author, status="accepted")
    org = make.organisation()
    make.asset()
    comment = Comment(idea_id=idea.id, author_id=author.id, body="A comment")
    db.session.add(comment)
    db.session.flush()
    db.session.add_all([
        Flag(reporter_id=author.id, idea_id=idea.id, target_type="comment",
             target_id=comment.id, reason="Rude"),
        Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=author.id, plan="Plan"),
        OutcomeReport(idea_id=idea.id, author_id=author.id, state="submitted",
                      result="delivered", summary="Done"),
        ResponseTemplate(status="declined", title="No", body="No budget."),
    ])
    db.session.commit()


@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_residents_get_403(client, world, resident, method, rule):
    assert _request(client, method, rule).status_code == 403


@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_partners_get_403(client, world, partner, method, rule):
    assert _request(client, method, rule).status_code == 403


@pytest.mark.parametrize(("method", "rule"), [r for r in ROUTES if r[0] == "GET"])
def test_anonymous_visitors_are_sent_to_sign_in(client, method, rule):
    response = client.get(_path(rule))
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("rule", ["/admin", "/admin/users", "/admin/audit", "/admin/settings"])
def test_moderators_get_403_in_admin(client, make, auth, rule):
    auth.sign_in(make.user(role="moderator").email)
    assert client.get(rule).status_code == 403


def test_moderators_and_admins_reach_the_dashboard(client, make, auth):
    auth.sign_in(make.user(role="moderator").email)
    assert client.get("/council").status_code == 200
