"""Single sign-on for council staff, against a real OpenID Connect provider on loopback
(tests/oidc_provider.py): the browser's round trip is driven with the test client for our
side and HTTP requests to the provider for its side."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from citizenideas.config import load_config
from citizenideas.extensions import db
from citizenideas.models import AuditLog, User

from .conftest import Auth, csrf_token
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, ProviderServer, s256


@pytest.fixture(scope="module")
def provider_server():
    server = ProviderServer()
    yield server
    server.stop()


@pytest.fixture
def provider(app, provider_server):
    """The provider, reset, with the app configured to use it."""
    provider = provider_server.provider
    provider.reset()
    app.extensions.pop("citizenideas.sso", None)  # discovery read afresh for each test
    app.config.update(OIDC_ISSUER=provider.url, OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET=CLIENT_SECRET)
    return provider


def go_to_provider(client, next_url: str | None = None) -> str:
    """Press "Sign in with your council account": the provider's authorisation address."""
    response = client.get("/sign-in/council", query_string={"next": next_url} if next_url
                          else None)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def approve_at_provider(authorize_url: str) -> str:
    """The provider approves and answers with our callback address (path and query)."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in_with_council_account(client, next_url: str | None = None):
    """The whole round trip; the response to the provider's redirect back to us."""
    return client.get(approve_at_provider(go_to_provider(client, next_url)))


def signed_in_email(client) -> str | None:
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    if not user_id:
        return None
    return db.session.get(User, int(user_id.split(":")[0])).email


def audit_entries(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


# --- the button ------------------------------------------------------------------------

def test_the_sign_in_page_has_no_council_button_when_single_sign_on_is_not_set_up(client):
    page = client.get("/sign-in").text
    assert "Sign in with your council account" not in page
    assert client.get("/sign-in/council").status_code == 404
    assert client.get("/sign-in/council/callback?code=x&state=y").status_code == 404


@pytest.mark.parametrize("missing", ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"])
def test_every_one_of_issuer_client_id_and_secret_is_needed(app, client, provider, missing):
    app.config[missing] = ""
    assert "Sign in with your council account" not in client.get("/sign-in").text
    assert client.get("/sign-in/council").status_code == 404


def test_the_sign_in_page_offers_the_council_account_as_a_plain_link(client, provider):
    page = client.get("/sign-in?next=/council").text
    assert "Sign in with your council account" in page
    assert 'href="/sign-in/council?next=/council"' in page
    assert 'data-hx-boost="false"' in page


def test_the_button_label_can_be_configured(app, client, provider):
    app.config["OIDC_BUTTON_LABEL"] = "Sign in with Testshire staff account"
    assert "Sign in with Testshire staff account" in client.get("/sign-in").text


# --- success ---------------------------------------------------------------------------

def test_a_moderator_signs_in_with_the_council_account(client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    response = sign_in_with_council_account(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert signed_in_email(client) == "moderator@example.org"
    assert client.get("/council").status_code == 200
    [entry] = audit_entries("sso.sign_in")
    moderator = db.session.scalar(select(User).where(User.email == "moderator@example.org"))
    assert entry.actor_id == entry.target_id == moderator.id
    assert entry.after["issuer"] == provider.url
    assert entry.after["subject"] == "provider-user-1"
    assert entry.after["provider_mfa_trusted"] is False


def test_the_audit_says_when_the_providers_mfa_stands_for_the_second_factor(app, client, make,
                                                                           provider):
    app.config["OIDC_TRUSTED_MFA"] = True
    make.user(role="moderator", email="moderator@example.org")
    provider.person.amr = ["pwd", "mfa"]
    assert sign_in_with_council_account(client).status_code == 303
    [entry] = audit_entries("sso.sign_in")
    assert entry.after["provider_mfa_trusted"] is True
    assert entry.after["methods"] == ["pwd", "mfa"]


def test_with_second_factors_required_the_council_account_still_needs_a_code(app, client,
                                                                             make, provider):
    # Single sign-on ends where a password does: without OIDC_TRUSTED_MFA, a moderator must
    # still set up (or give) their own code before any staff page opens.
    app.config["STAFF_2FA_REQUIRED"] = True
    make.user(role="moderator", email="moderator@example.org")
    response = sign_in_with_council_account(client)
    assert response.status_code == 303
    assert response.headers["Location"] in ("/second-factor/set-up", "/sign-in/code")
    assert signed_in_email(client) is None
    assert client.get("/council").status_code in (302, 303)


def test_with_the_providers_mfa_trusted_no_code_is_asked(app, client, make, provider):
    app.config["STAFF_2FA_REQUIRED"] = True
    app.config["OIDC_TRUSTED_MFA"] = True
    make.user(role="moderator", email="moderator@example.org")
    response = sign_in_with_council_account(client)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert signed_in_email(client) == "moderator@example.org"
    assert client.get("/council").status_code == 200
    assert audit_entries("user.sign_in_second_factor")


def test_the_request_uses_pkce_s256_a_state_and_a_nonce(client, make, provider):
    make.user(role="admin", email="moderator@example.org")
    sign_in_with_council_account(client)
    [asked] = provider.authorize_requests
    assert asked["code_challenge_method"] == "S256"
    assert asked["state"] and asked["nonce"] and asked["code_challenge"]
    assert set(asked["scope"].split()) >= {"openid", "email"}
    [exchange] = provider.token_requests
    assert s256(exchange["code_verifier"]) == asked["code_challenge"]
    assert exchange["auth"] == "basic" and "client_secret" not in exchange


def test_discovery_is_read_once_for_many_sign_ins(app, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    for _ in range(3):
        assert sign_in_with_council_account(app.test_client()).status_code == 303
    assert provider.discovery_requests == 1


def test_the_email_matches_whatever_its_case(client, make, provider):
    make.user(role="admin", email="amira.admin@example.org")
    provider.person.email = "Amira.Admin@EXAMPLE.org"
    assert sign_in_with_council_account(client).status_code == 303
    assert signed_in_email(client) == "amira.admin@example.org"


def test_an_organisation_manager_signs_in_with_the_council_account(client, make, provider):
    manager = make.user(email="manager@example.org")
    make.organisation(members=[(manager, "manager")])
    provider.person.email = "manager@example.org"
    assert sign_in_with_council_account(client).status_code == 303
    assert signed_in_email(client) == "manager@example.org"


def test_next_is_carried_through_the_round_trip(client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    response = sign_in_with_council_account(client, next_url="/council?tab=new")
    assert response.headers["Location"] == "/council?tab=new"


@pytest.mark.parametrize("unsafe", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_an_unsafe_next_ends_on_the_home_page(client, make, provider, unsafe):
    make.user(role="moderator", email="moderator@example.org")
    response = sign_in_with_council_account(client, next_url=unsafe)
    assert response.headers["Location"] == "/"


def test_someone_already_signed_in_goes_straight_to_next(client, make, auth, provider):
    make.user(role="moderator", email="someone@example.org")
    auth.sign_in("someone@example.org")
    response = client.get("/sign-in/council?next=/council")
    assert (response.status_code, response.headers["Location"]) == (302, "/council")
    assert provider.authorize_requests == []


def test_next_cannot_be_changed_on_the_way_back(client, make, provider):
    """The callback takes where to go from the session (saved with the state), not from
    anything the provider or a link adds to the address."""
    make.user(role="moderator", email="moderator@example.org")
    back = approve_at_provider(go_to_provider(client, "/council"))
    response = client.get(back + "&next=/me")
    assert response.headers["Location"] == "/council"


# --- who is refused --------------------------------------------------------------------

def refused(client, provider) -> tuple[int, str]:
    users_before = db.session.scalar(select(func.count(User.id)))
    response = sign_in_with_council_account(client)
    assert signed_in_email(client) is None
    assert db.session.scalar(select(func.count(User.id))) == users_before, "no account made"
    return response.status_code, response.text


def test_an_unknown_email_is_refused_and_no_account_is_made(client, provider):
    provider.person.email = "stranger@council.example"
    status, page = refused(client, provider)
    assert status == 403
    assert "no staff account here with your council email address" in page
    assert "administrator" in page
    [entry] = audit_entries("sso.refused")
    assert entry.after["email"] == "stranger@council.example"
    assert entry.after["reason"] == "no_account"
    assert entry.actor_id is None


def test_a_resident_is_refused_and_keeps_their_role(client, make, provider):
    resident = make.user(email="moderator@example.org")
    status, page = refused(client, provider)
    assert status == 403
    assert "not a council staff or organisation manager account" in page
    assert db.session.get(User, resident.id).role == "resident"
    [entry] = audit_entries("sso.refused")
    assert (entry.actor_id, entry.after["reason"]) == (resident.id, "not_staff")


def test_an_organisation_member_who_is_not_a_manager_is_refused(client, make, provider):
    member = make.user(email="moderator@example.org")
    make.organisation(members=[(member, "member")])
    assert refused(client, provider)[0] == 403


@pytest.mark.parametrize("verified", [False, "true", None])
def test_an_email_the_provider_has_not_verified_is_refused(client, make, provider, verified):
    make.user(role="admin", email="moderator@example.org")
    provider.person.email_verified = verified
    status, page = refused(client, provider)
    assert status == 403
    assert "does not say that its email address is confirmed" in page
    assert audit_entries("sso.refused")[0].after["reason"] == "email_not_verified"


def test_a_closed_staff_account_is_refused(client, make, provider):
    from citizenideas.models import utcnow

    make.user(role="moderator", email="moderator@example.org", deactivated_at=utcnow())
    assert refused(client, provider)[0] == 403
    assert audit_entries("sso.refused")[0].after["reason"] == "account_closed"


def test_a_staff_account_whose_email_is_not_confirmed_is_refused(client, make, provider):
    make.user(role="moderator", email="moderator@example.org", verified=False)
    assert refused(client, provider)[0] == 403
    assert audit_entries("sso.refused")[0].after["reason"] == "account_not_confirmed"


# --- tokens that fail their checks -----------------------------------------------------

# What the provider changes in its ID token, and the reason our log gives for refusing it.
BAD_TOKENS = {
    "wrong audience": ({"claims": {"aud": "another-app"}}, "'aud'"),
    # Authlib alone accepts this one (it checks azp, and aud only when told to).
    "wrong audience naming us as authorised party": (
        {"claims": {"aud": "another-app", "azp": CLIENT_ID}}, "'aud'"),
    "wrong issuer": ({"claims": {"iss": "https://impostor.example"}}, "'iss'"),
    "nonce of another sign-in": ({"claims": {"nonce": "not-the-nonce-we-sent"}}, "'nonce'"),
    "no nonce": ({"drop": ["nonce"]}, "Missing claim: 'nonce'"),
    "expired": ({"claims": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}},
                "ExpiredTokenError"),
    "no expiry": ({"drop": ["exp"]}, "Missing claim: 'exp'"),
    "no subject": ({"drop": ["sub"]}, "Missing claim: 'sub'"),
    "signed with another key": ({"other_key": True}, "BadSignatureError"),
    "not signed at all": ({"alg": "none"}, "'none' is not allowed"),
    "no ID token": ({"no_id_token": True}, "no ID token"),
}


def refusal_logged(caplog) -> str:
    return " ".join(r.getMessage() for r in caplog.records
                    if r.getMessage().startswith("Council sign-in failed"))


@pytest.mark.parametrize(("changes", "reason"), BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_that_fails_its_checks_signs_nobody_in(client, make, provider, changes,
                                                     reason, caplog):
    make.user(role="admin", email="moderator@example.org")
    provider.token_changes = changes
    response = sign_in_with_council_account(client)
    assert response.status_code == 400
    assert "Signing in with your council account did not work" in response.text
    assert reason in refusal_logged(caplog)
    assert signed_in_email(client) is None
    assert audit_entries("sso.sign_in") == []


def test_the_failure_page_offers_to_try_again_and_keeps_next(client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    provider.token_changes = {"other_key": True}
    page = sign_in_with_council_account(client, next_url="/council").text
    assert 'href="/sign-in/council?next=/council"' in page


def test_a_replayed_callback_is_refused(client, make, provider, caplog):
    make.user(role="moderator", email="moderator@example.org")
    back = approve_at_provider(go_to_provider(client))
    assert client.get(back).status_code == 303
    assert client.get(back).status_code == 400
    assert "MismatchingStateError" in refusal_logged(caplog)
    assert len(audit_entries("sso.sign_in")) == 1


def test_a_replayed_callback_with_the_old_session_cookie_is_refused_by_the_provider(
        client, make, provider, caplog):
    """Our state lives in the signed session cookie: a copy taken before the first use
    still holds it, but the provider's code works once."""
    make.user(role="moderator", email="moderator@example.org")
    back = approve_at_provider(go_to_provider(client))
    cookie = client.get_cookie("session").value
    assert client.get(back).status_code == 303
    other = client.application.test_client()
    other.set_cookie("session", cookie)
    assert other.get(back).status_code == 400
    assert "invalid_grant" in refusal_logged(caplog)
    assert signed_in_email(other) is None


def test_a_callback_without_a_sign_in_started_here_is_refused(client, make, provider,
                                                             caplog):
    """Login CSRF: someone else's code and state, sent to a victim's browser."""
    make.user(role="moderator", email="moderator@example.org")
    attacker = client.application.test_client()
    back = approve_at_provider(go_to_provider(attacker))
    response = client.get(back)
    assert response.status_code == 400
    assert "MismatchingStateError" in refusal_logged(caplog)
    assert signed_in_email(client) is None


def test_a_code_from_another_sign_in_fails_pkce_at_the_provider(app, client, make, provider,
                                                                caplog):
    """Someone's code slipped into another sign-in (with its state) is sent with that
    sign-in's verifier, and the provider refuses it."""
    make.user(role="moderator", email="moderator@example.org")
    other = app.test_client()
    stolen = parse_qs(urlsplit(approve_at_provider(go_to_provider(other))).query)
    own = parse_qs(urlsplit(approve_at_provider(go_to_provider(client))).query)
    response = client.get("/sign-in/council/callback", query_string={
        "code": stolen["code"][0], "state": own["state"][0]})
    assert response.status_code == 400
    assert "PKCE" in refusal_logged(caplog)
    assert signed_in_email(client) is None


def test_starting_again_drops_the_unfinished_sign_in(client, make, provider, caplog):
    """The session cookie stays small however often the button is pressed, and only the
    latest sign-in can finish."""
    make.user(role="moderator", email="moderator@example.org")
    first = approve_at_provider(go_to_provider(client))
    for _ in range(20):
        go_to_provider(client)
    assert len(client.get_cookie("session").value) < 1500
    assert client.get(first).status_code == 400
    assert "MismatchingStateError" in refusal_logged(caplog)
    assert sign_in_with_council_account(client).status_code == 303


def test_the_provider_enforces_the_pkce_verifier(client, provider):
    """The test provider is a real check: a code is refused with a wrong verifier."""
    authorize_url = go_to_provider(client)
    code = parse_qs(urlsplit(approve_at_provider(authorize_url)).query)["code"][0]
    redirect_uri = parse_qs(urlsplit(authorize_url).query)["redirect_uri"][0]
    answer = requests.post(f"{provider.url}/token", auth=(CLIENT_ID, CLIENT_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": "a-verifier-that-was-never-sent-" + "x" * 20}, timeout=10)
    assert answer.status_code == 400
    assert "id_token" not in answer.text


def test_the_provider_saying_no_signs_nobody_in(client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    state = parse_qs(urlsplit(go_to_provider(client)).query)["state"][0]
    response = client.get("/sign-in/council/callback", query_string={
        "error": "access_denied", "state": state})
    assert response.status_code == 400
    assert signed_in_email(client) is None


# --- the provider's set-up -------------------------------------------------------------

def test_a_discovery_document_naming_another_issuer_is_refused(client, provider):
    provider.discovery_issuer = "https://impostor.example"
    response = client.get("/sign-in/council")
    assert response.status_code == 503
    assert "did not work" in response.text


def test_an_unreachable_provider_gets_a_clear_page(app, client):
    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET=CLIENT_SECRET)
    response = client.get("/sign-in/council")
    assert response.status_code == 503
    assert "Sign in with your email address and password" in response.text


def test_production_refuses_an_issuer_that_is_not_https(monkeypatch):
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    with pytest.raises(RuntimeError, match="OIDC_ISSUER"):
        load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 40,
                     "OIDC_ISSUER": "http://login.example"})


def test_the_council_sign_in_pages_are_valid_html(app, client, make, provider, tmp_path):
    from .test_html_validity import checker, validate

    checker()
    make.user(email="moderator@example.org")
    pages = {"the sign-in page with the council button": client.get("/sign-in?next=/council"),
             "the refusal page": sign_in_with_council_account(client)}
    provider.token_changes = {"other_key": True}
    pages["the failure page"] = sign_in_with_council_account(app.test_client())
    files = {}
    for number, (name, response) in enumerate(pages.items()):
        files[tmp_path / f"page-{number}.html"] = name
        (tmp_path / f"page-{number}.html").write_bytes(response.get_data())
    assert validate(files) == []


def test_admins_see_council_sign_ins_and_refusals_in_the_audit_log(client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    sign_in_with_council_account(client)
    provider.person.email = "stranger@council.example"
    sign_in_with_council_account(client.application.test_client())
    make.user(role="admin", email="boss@example.org")
    admin = client.application.test_client()
    Auth(admin).sign_in("boss@example.org")
    page = admin.get("/admin/audit").text
    assert "Signed in with a council account" in page
    assert "Council account sign-in refused" in page
    assert "stranger@council.example" in page


# Microsoft Entra ID sends no `email_verified`; its optional `xms_edov` claim says the
# address's domain is verified by the tenant. Which claim vouches for the address is a setting.
def test_a_provider_vouching_with_another_claim_is_trusted_when_configured(app, client, make,
                                                                           provider):
    make.user(role="moderator", email="moderator@example.org")
    app.config["OIDC_EMAIL_VERIFIED_CLAIM"] = "xms_edov"
    provider.token_changes = {"drop": ["email_verified"], "claims": {"xms_edov": True}}
    sign_in_with_council_account(client)
    assert signed_in_email(client) == "moderator@example.org"


def test_the_configured_claim_is_the_only_one_trusted(app, client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    app.config["OIDC_EMAIL_VERIFIED_CLAIM"] = "xms_edov"  # email_verified: true is sent, not it
    assert refused(client, provider)[0] == 403
    assert audit_entries("sso.refused")[0].after["reason"] == "email_not_verified"


def test_by_default_another_claim_does_not_vouch_for_the_address(client, make, provider):
    make.user(role="moderator", email="moderator@example.org")
    provider.token_changes = {"drop": ["email_verified"], "claims": {"xms_edov": True}}
    assert refused(client, provider)[0] == 403


# The provider's subject identifier is what stays with a person; an email address can be given
# to someone else when its holder leaves. The first sign-in ties the account to the subject.
def test_the_first_council_sign_in_ties_the_account_to_the_providers_person(client, make,
                                                                             provider):
    moderator = make.user(role="moderator", email="moderator@example.org")
    sign_in_with_council_account(client)
    db.session.expire_all()
    assert db.session.get(User, moderator.id).sso_identity == f"{provider.url} provider-user-1"


def test_someone_else_given_the_same_address_at_the_provider_is_refused(client, make,
                                                                         provider):
    make.user(role="moderator", email="moderator@example.org")
    sign_in_with_council_account(client)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    provider.person.sub = "provider-user-2"  # the address now belongs to a new starter
    status, page = refused(client, provider)
    assert status == 403 and "not the one" in page
    assert audit_entries("sso.refused")[0].after["reason"] == "different_person"


def test_an_admin_can_untie_an_account_from_the_command_line(app, client, make, provider):
    moderator = make.user(role="moderator", email="moderator@example.org")
    sign_in_with_council_account(client)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})
    result = app.test_cli_runner().invoke(args=["sso-untie", "Moderator@example.org"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, moderator.id).sso_identity is None
    assert audit_entries("sso.untie")
    provider.person.sub = "provider-user-2"
    sign_in_with_council_account(client)
    assert signed_in_email(client) == "moderator@example.org"
