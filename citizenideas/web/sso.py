"""Single sign-on for council staff with the council's identity provider (OpenID Connect).

Shown and answering only when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set.
``GET /sign-in/council`` sends the browser to the provider (a plain link, not a form: CSP's
form-action would have to name the provider, and a redirect after a GET needs nothing);
the provider sends it back to ``/sign-in/council/callback``. Authlib does the protocol:
discovery from ``<issuer>/.well-known/openid-configuration``, the authorisation code flow
with PKCE (S256), a single-use state and a nonce kept in the (signed) session, the code
exchanged with the client secret, and the ID token's signature checked against the
provider's published keys (JWKS). Here we add what Authlib leaves to the application: the
discovered issuer must be the configured one, the ID token's ``iss`` and ``aud`` must be
exactly that issuer and our client id, ``exp`` must be in the future, and only asymmetric
signatures count. Which account the answer opens is services/sso.py's business.
"""

from __future__ import annotations

import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError

from ..services import sso
from .actions import run_action
from .auth import finish_first_factor, safe_next

bp = Blueprint("sso", __name__)

# Signatures made with the provider's private key. Never "none", and never HMAC, whose
# key (the client secret) we share with the provider.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                      "ES256", "ES384", "ES512", "EdDSA")
# The provider's discovery document is read again after an hour (its keys are read again
# at once when a token is signed with a key we have not seen).
METADATA_MAX_AGE = 3600
# Seconds to wait for the provider, and the clock difference allowed on the token's times.
PROVIDER_TIMEOUT = 10
CLOCK_LEEWAY = 60


class ProviderMisconfigured(Exception):
    """The provider's discovery document does not fit the configured issuer."""


def sso_configured() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID")
                and config.get("OIDC_CLIENT_SECRET"))


@bp.app_context_processor
def _council_sign_in():
    """``council_sign_in_label``: the sign-in page's button text, or None when single
    sign-on is not configured (no button)."""
    if not sso_configured():
        return {"council_sign_in_label": None}
    return {"council_sign_in_label": current_app.config.get("OIDC_BUTTON_LABEL")
            or _("Sign in with your council account")}


def _scopes() -> str:
    """The configured scopes, always with ``openid`` (an ID token and its nonce) and
    ``email`` (the address we match on)."""
    scopes = str(current_app.config.get("OIDC_SCOPES") or "").split()
    return " ".join(dict.fromkeys(["openid", "email", *scopes]))


def _provider() -> FlaskOAuth2App:
    """The Authlib client for the configured provider, its discovery document loaded.

    One per process and configuration, so discovery and the keys are fetched once an hour
    rather than on every sign-in. Raises requests' errors when the provider cannot be
    reached and ProviderMisconfigured when its document names another issuer.
    """
    config = current_app.config
    issuer = config["OIDC_ISSUER"].rstrip("/")
    key = (issuer, config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], _scopes())
    clients = current_app.extensions.setdefault("citizenideas.sso", {})
    client = clients.get(key)
    loaded_at = client.server_metadata.get("_loaded_at") if client else None
    if client is None or (loaded_at and time.time() - loaded_at > METADATA_MAX_AGE):
        clients.clear()
        client = clients[key] = FlaskOAuth2App(
            FlaskIntegration("council"), name="council",
            client_id=config["OIDC_CLIENT_ID"], client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": key[3], "code_challenge_method": "S256",
                           "default_timeout": PROVIDER_TIMEOUT})
    metadata = client.load_server_metadata()
    # OpenID Connect Discovery 1.0, 4.3: the document's issuer is the one we asked.
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderMisconfigured(f"discovery names issuer {metadata.get('issuer')!r}, "
                                    f"not {issuer!r}")
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    metadata["id_token_signing_alg_values_supported"] = [
        alg for alg in offered if alg in SIGNING_ALGORITHMS] or ["RS256"]
    return client


def _provider_problem(exc: Exception, status: int, next_url: str):
    """The page for a sign-in the provider could not complete; the reason goes to the log
    (never to the page: it may describe the provider's set-up)."""
    # %r: the provider's error description comes from the address, and must not start a
    # new line in the log.
    current_app.logger.warning("Council sign-in failed: %s: %r", type(exc).__name__, str(exc))
    retry_url = url_for("sso.start", next=next_url if next_url != "/" else None)
    return render_template("auth/sso_problem.html", retry_url=retry_url), status


@bp.get("/sign-in/council")
def start():
    """Send the browser to the council's identity provider, remembering (with the state,
    in the session) where to go afterwards."""
    if not sso_configured():
        abort(404)
    next_url = safe_next(request.args.get("next"), url_for("pages.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    redirect_uri = url_for("sso.callback", _external=True)
    try:
        client = _provider()
        found = client.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError, KeyError, ProviderMisconfigured) as exc:
        return _provider_problem(exc, 503, next_url)
    # One sign-in in progress per browser: an earlier one left unfinished (the button pressed
    # twice, the provider's page abandoned) is dropped, so the session cookie cannot grow
    # past what browsers keep. Only what the callback needs is kept, not the whole address.
    for key in [key for key in session if key.startswith("_state_council_")]:
        session.pop(key)
    client.save_authorize_data(redirect_uri=redirect_uri, next=next_url, state=found["state"],
                               code_verifier=found["code_verifier"], nonce=found["nonce"])
    return redirect(found["url"], code=302)


@bp.get("/sign-in/council/callback")
def callback():
    """The provider's answer: check it, then sign in the staff account it identifies.

    Authlib takes the state out of the session (a second use of it is refused), sends the
    code with the PKCE verifier and the client secret, and checks the ID token; we insist
    on an ID token, on its issuer, audience and expiry.
    """
    if not sso_configured():
        abort(404)
    try:
        client = _provider()
    except (requests.RequestException, ValueError, KeyError, ProviderMisconfigured) as exc:
        return _provider_problem(exc, 503, "/")
    saved = client.framework.get_state_data(session, request.args.get("state", "")) or {}
    next_url = safe_next(saved.get("next"), url_for("pages.home"))
    options = {
        "iss": {"essential": True, "value": client.server_metadata["issuer"]},
        "aud": {"essential": True, "value": client.client_id},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=options, leeway=CLOCK_LEEWAY)
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("the provider sent no ID token")
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError,
            KeyError) as exc:
        return _provider_problem(exc, 400, next_url)

    def refused(refusal: sso.IdentityRefused):
        return run_action(lambda: sso.record_refusal(claims, refusal),
                          done=lambda _r: (render_template("auth/sso_refused.html",
                                                           refusal=refusal), 403))

    trusted = bool(current_app.config.get("OIDC_TRUSTED_MFA"))
    claim = current_app.config.get("OIDC_EMAIL_VERIFIED_CLAIM") or "email_verified"
    return run_action(lambda: sso.sign_in_with_identity(claims, provider_mfa_trusted=trusted,
                                                        verified_claim=claim),
                      done=lambda user: _finish_sso_sign_in(user, next_url),
                      catch=sso.IdentityRefused, failed=refused)


def _finish_sso_sign_in(user, next_url: str):
    """Sign ``user`` in on this browser and go on to ``next_url`` (already checked), through
    the same step as a password (web.auth.finish_first_factor): with OIDC_TRUSTED_MFA on, the
    provider's own multi-factor sign-in counts as the second factor; with it off, a staff
    member who needs one gives their code (or sets up an authenticator app) next."""
    return finish_first_factor(
        user, next_url=next_url,
        second_factor_done=bool(current_app.config.get("OIDC_TRUSTED_MFA")))
