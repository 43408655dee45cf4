"""Property-based testing of the whole API with schemathesis, in-process against the WSGI app.

Every operation in the OpenAPI document is called with generated data, valid and invalid
(positive and negative modes), once by an anonymous caller and once by a moderator with a
token. No server error, no response that breaks the document, no accepted invalid input.
Deterministic (derandomized) and small, so the run is quick and repeatable.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import update

from citizenideas.extensions import db
from citizenideas.models import ApiToken

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          negative_data_rejection]
# Small by default so the suite stays quick; API_FUZZ_EXAMPLES=200 for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))


@pytest.fixture
def seeded(app, make):
    """A little of everything, so generated small ids sometimes hit real rows."""
    moderator = make.user(role="moderator")
    ward, category = make.ward(), make.category()
    author = make.user()
    make.idea(author=author, ward=ward, category=category, status="accepted")
    make.asset(ward=ward)
    make.organisation(members=[(author, "manager")])
    return moderator


@pytest.fixture
def api_schema(app, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES,
        deterministic=True, database="none", allow_x00=True)
    return schema


@pytest.fixture
def moderator_headers(api, seeded) -> dict:
    return api.headers(seeded)


@pytest.fixture(autouse=True)
def _pytest_node_id_for_schemathesis(request):
    """schemathesis 4.32 renames the test node through ``node._nodeid``, which pytest 9.2 no
    longer has; give it one (reporting only)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_anonymous_callers_never_break_the_api(case):
    case.call_and_validate()
    db.session.rollback()


@schema.parametrize()
def test_authenticated_callers_never_break_the_api(case, seeded, moderator_headers):
    # A generated DELETE /tokens/{id} may revoke the caller's own token: keep it working.
    db.session.execute(update(ApiToken).where(ApiToken.user_id == seeded.id)
                       .values(revoked_at=None))
    db.session.commit()
    case.call_and_validate(headers=moderator_headers)
    db.session.rollback()
