"""API fixtures: a caller that sends JSON with a bearer token, and ready-made people."""

from __future__ import annotations

import pytest

from citizenideas.extensions import db
from citizenideas.services.tokens import create_api_token


class Api:
    """Calls /api/v1 as someone (by bearer token) or as nobody."""

    def __init__(self, client):
        self.client = client
        self._tokens: dict[int, str] = {}

    def token(self, user) -> str:
        if user.id not in self._tokens:
            _token, raw = create_api_token(user, "tests")
            db.session.commit()
            self._tokens[user.id] = raw
        return self._tokens[user.id]

    def headers(self, user=None) -> dict:
        return {"Authorization": f"Bearer {self.token(user)}"} if user is not None else {}

    def call(self, method: str, path: str, user=None, json=None, **kw):
        response = self.client.open("/api/v1" + path, method=method, json=json,
                                    headers=self.headers(user) | kw.pop("headers", {}), **kw)
        db.session.expire_all()  # the test's session sees what the request committed
        return response

    def get(self, path, user=None, **kw):
        return self.call("GET", path, user, **kw)

    def post(self, path, user=None, json=None, **kw):
        return self.call("POST", path, user, json=json, **kw)

    def patch(self, path, user=None, json=None, **kw):
        return self.call("PATCH", path, user, json=json, **kw)

    def put(self, path, user=None, json=None, **kw):
        return self.call("PUT", path, user, json=json, **kw)

    def delete(self, path, user=None, **kw):
        return self.call("DELETE", path, user, **kw)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def people(make):
    """A resident, an unverified resident, a moderator, an admin and a partner (member of a
    verified organisation), plus a stranger partner of another verified organisation."""

    class People:
        resident = make.user(display_name="Rita Resident")
        unverified = make.user(verified=False)
        moderator = make.user(role="moderator", display_name="Mo Moderator")
        admin = make.user(role="admin")
        partner = make.user(display_name="Pat Partner")
        other_partner = make.user()

    People.org = make.organisation(name="Friends of the Park",
                                   members=[(People.partner, "manager")])
    People.other_org = make.organisation(members=[(People.other_partner, "manager")])
    return People
