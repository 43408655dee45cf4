"""A client generated from the OpenAPI document (openapi-python-client, as an API user would
make one) logs in and reads public data without a token, and demands one for the rest."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import typing

import httpx
import pytest

PACKAGE = "citizenideas_api_client"


@pytest.fixture
def generated(tmp_path, client):
    """The generated client package, imported from a temporary directory."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(client.get("/api/v1/openapi.json").get_json()))
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatting: nothing but the generator runs
    subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path",
                    str(document), "--config", str(config), "--output-path", str(tmp_path / "out")],
                   check=True, capture_output=True, timeout=60)
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _client_type(module) -> str:
    hints = typing.get_type_hints(module.sync_detailed)
    return " | ".join(sorted(t.__name__ for t in typing.get_args(hints["client"])
                             or (hints["client"],)))


def test_a_generated_client_logs_in_and_reads_without_a_token_and_needs_one_to_propose(
        generated, app, make):
    from tests.factories import PASSWORD

    tokens = importlib.import_module(PACKAGE + ".api.tokens.post_api_v1_tokens")
    list_ideas = importlib.import_module(PACKAGE + ".api.ideas.get_api_v1_ideas")
    propose = importlib.import_module(PACKAGE + ".api.ideas.post_api_v1_ideas")
    models = importlib.import_module(PACKAGE + ".models")
    assert _client_type(tokens) == "AuthenticatedClient | Client"
    assert _client_type(list_ideas) == "AuthenticatedClient | Client"
    assert _client_type(propose) == "AuthenticatedClient"

    person = make.user(email="generated@example.org")
    make.idea(status="accepted", title="Community fridge at the library")
    anonymous = generated.Client(base_url="http://localhost").set_httpx_client(
        httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://localhost"))
    login = tokens.sync_detailed(client=anonymous, body=models.TokenIn(
        email=person.email, password=PASSWORD, name="Generated client"))
    assert login.status_code == 201 and login.parsed.token.startswith("ci_")
    ideas = list_ideas.sync_detailed(client=anonymous)
    assert ideas.status_code == 200
    assert [i.title for i in ideas.parsed.items] == ["Community fridge at the library"]
