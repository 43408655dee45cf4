"""A form fuzzer: every POST route in the URL map, as every kind of person, gets junk in every
field its form has and never answers with a server error.

The demo council is seeded, so URL parameters are real ideas, claims, comments, outcome
reports... in every state. The fields of a route are what its forms on the site's pages
send (found by rendering every page as that person) plus what its view reads from the request;
each field gets junk (wrong types, huge and empty values, control characters, odd line endings,
numbers that are not ids) or now and then a valid choice from the form, so the junk in the
other fields reaches the service. File fields get files that are not what they claim. API
routes get the same junk as JSON, with the person's API token.
"""

from __future__ import annotations

import inspect
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter

from citizenideas.demo import seed
from citizenideas.demo_content import PASSWORD as DEMO_PASSWORD
from citizenideas.extensions import db
from citizenideas.models import (
    ApiToken,
    Category,
    Claim,
    Comment,
    CommunityAsset,
    Flag,
    Idea,
    Organisation,
    OutcomeReport,
    Pledge,
    ResponseTemplate,
    User,
    Ward,
)
from citizenideas.services.tokens import create_api_token

ROLES = {"anonymous": None, "resident": "resident@example.org",
         "moderator": "moderator@example.org", "admin": "admin@example.org",
         "partner": "partner@example.org"}
# A few examples per route, more for routes with more fields (bounded: the whole run, five
# kinds of people on two cores, takes well under two minutes).
MIN_EXAMPLES, MAX_EXAMPLES = 3, 8
# Routes that can end the session or the account run last, so the others run signed in.
RUN_LAST = ("/admin/users/", "/me/password", "/me/delete", "/sign-out")
# URL parameter -> the model whose real ids fill it.
ID_MODELS = {"idea_id": Idea, "asset_id": CommunityAsset, "claim_id": Claim,
             "comment_id": Comment, "flag_id": Flag, "report_id": OutcomeReport,
             "template_id": ResponseTemplate, "user_id": User, "org_id": Organisation,
             "token_id": ApiToken, "pledge_id": Pledge}
ITEM_MODELS = {"categories": Category, "wards": Ward}
FIELD_READ = re.compile(
    r"""(?:text_field|int_field|request\.form\.get(?:list)?|request\.files\.get|"""
    r"""request\.form\[)\(?\s*["']([\w\-]+)["']""")

# --- Junk ---------------------------------------------------------------------------------

CONTROLS = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.characters(
    min_codepoint=0x7F, max_codepoint=0x9F)
ODD_TEXT = st.sampled_from([
    "abc", "-1", "0", "1.5", "1e309", "NaN", "inf", "-inf", "99999999999999999999999",
    "0x10", "\u0661\u0662", "\u00b2", "\x00", "None", "null", "[]", "{}", "true", " ",
    "a\rb", "line one\r\nline two", "\r", "\r\n\r\n", "\n\n\n", "\u202etxt.exe", "\ufeff",
    "\ud7ff\ue000\uffff", "\U0001f600" * 3, "=cmd|' /C calc'!A0", "<script>x</script>",
    "' OR 1=1 --", "../../etc/passwd", "%00", "\\", "\t"])
HUGE = st.builds(lambda piece, n: piece * n, st.sampled_from(["x", "\u00e9", "\r\n", "\x01"]),
                 st.integers(min_value=2_000, max_value=70_000))
SMALL_JUNK = st.one_of(ODD_TEXT, st.text(alphabet=CONTROLS, min_size=1, max_size=5))
# Text long enough to pass "at least N characters" rules, with junk inside, so the junk
# reaches the service and the database instead of stopping at the first length check.
PLAUSIBLE = st.builds(
    lambda junk, where: ("A bench and some planting by the pond in the park " + junk)[::where],
    SMALL_JUNK, st.sampled_from([1, -1]))
# Lines joined by old-Mac, Windows or backwards line endings.
ODD_LINES = st.builds(lambda lines, ending: ending.join(lines),
                      st.lists(st.text(max_size=12), min_size=2, max_size=4),
                      st.sampled_from(["\r", "\r\n", "\n\r", "\x85", "\u2028"]))
JUNK_TEXT = st.one_of(
    st.just(""), ODD_TEXT, st.text(max_size=40),
    st.text(alphabet=CONTROLS | st.characters(codec="utf-8"), max_size=40), HUGE, PLAUSIBLE,
    ODD_LINES)

FILE_BODIES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3",
        b"\xff\xfeU\x00P\x00R\x00N\x00", b"PK\x03\x04\x14\x00",
        b"UPRN,Asset name,Kind,Community status\r1,Hall,hall,council_run\r",
        b"UPRN,Asset name,Kind,Community status\r\n1,Hall,hall,council_run\n\r2,P,park,x",
        b"UPRN,Asset name,Kind,Community status\n1,\"never closed,hall\n",
        b"UPRN,Asset name\n" + b"\x00" * 50, b"\xef\xbb\xbf", b""]),
    JUNK_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")))
FILE_NAMES = st.sampled_from(["register.csv", "photo.png", "", "../../x.csv", "a\x00.csv",
                              "r\u00e9gister.CSV", "x" * 300 + ".csv"])
FILE_TYPES = st.sampled_from(["text/csv", "image/png", "application/octet-stream", "",
                              "text/csv; charset=utf-16"])

JSON_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | JUNK_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


# --- What the site offers ----------------------------------------------------------------


@dataclass
class FormShape:
    """The fields a POST route takes: name -> valid choices seen on forms; file fields."""

    choices: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files: set[str] = field(default_factory=set)


def _ids(model) -> list[int]:
    return list(db.session.scalars(select(model.id).order_by(model.id)))


def _url_parameter_choices() -> dict[str, list]:
    choices: dict[str, list] = {name: _ids(model) for name, model in ID_MODELS.items()}
    choices["item_id"] = {kind: _ids(model) for kind, model in ITEM_MODELS.items()}
    return choices


def _fill(rule, draw_value) -> str | None:
    """The rule's URL with every parameter filled by ``draw_value(name, converter)``."""
    values = {}
    for name, converter in rule._converters.items():
        value = draw_value(name, converter)
        if value is None:
            return None
        values[name] = value
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^<>:]+:)?" + re.escape(name) + r">", str(value), path)
    return path


def _first_values(ids: dict):
    def draw(name, converter):
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        if name == "item_id":
            return ids["item_id"]["categories"][0]
        if name in ids:
            return ids[name][0] if ids[name] else None
        return "not-a-real-token"
    return draw


def _forms_on_site(app, client, ids) -> dict[str, FormShape]:
    """Render every page (GET rule) and read its POST forms: endpoint -> fields and choices."""
    adapter = app.url_map.bind("localhost")
    shapes: dict[str, FormShape] = defaultdict(FormShape)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith(
                ("/api/", "/feeds/")) or rule.rule.endswith((".csv", ".atom", ".json")):
            continue
        path = _fill(rule, _first_values(ids))
        if path is None:
            continue
        response = client.get(path)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        page = lxml.html.fromstring(response.get_data(as_text=True) or "<html/>")
        for form in page.iter("form"):
            if (form.get("method") or "get").lower() != "post":
                continue
            action = urlsplit(form.get("action") or path).path
            try:
                endpoint, _args = adapter.match(action, method="POST")
            except (NotFound, MethodNotAllowed):
                continue
            shape = shapes[endpoint]
            for element in form.iter("input", "select", "textarea", "button"):
                name = element.get("name")
                if not name or name == "csrf_token":
                    continue
                kind = (element.get("type") or "").lower()
                if kind == "file":
                    shape.files.add(name)
                    continue
                if element.tag == "select":
                    shape.choices[name].update(o.get("value") or o.text_content()
                                               for o in element.iter("option"))
                elif element.get("value") is not None:
                    shape.choices[name].add(element.get("value"))
                else:
                    shape.choices.setdefault(name, set())  # free text: no valid choices
    return shapes


def _fields_read_by_view(app, endpoint: str) -> set[str]:
    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return set()
    return set(FIELD_READ.findall(source)) - {"page", "csrf_token"}


def _api_body_fields(app, client) -> dict[tuple[str, str], set[str]]:
    """(OpenAPI path, method) -> the property names of its JSON request body."""
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document.get("components", {}).get("schemas", {})
    fields = {}
    for path, operations in document["paths"].items():
        body = (operations.get("post") or {}).get("requestBody")
        if not body:
            continue
        schema = body["content"].get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        fields[path] = set(schema.get("properties", {}))
    return fields


# --- The fuzzer ---------------------------------------------------------------------------


def _csrf(client) -> str:
    for path in ("/me", "/sign-in"):
        html = client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token on /me or /sign-in")


def _sign_in(client, email: str | None) -> None:
    if email is None:
        return
    client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD,
                                  "csrf_token": _csrf(client)})


def _signed_in(client) -> bool:
    return client.get("/me").status_code == 200


def _run_order(rule) -> tuple[int, str]:
    return (any(rule.rule.startswith(prefix) for prefix in RUN_LAST), rule.rule)


@pytest.fixture
def demo(app):
    assert seed() is True
    db.session.commit()
    return app


@pytest.mark.parametrize("role", list(ROLES))
def test_every_post_route_survives_junk_in_every_field(demo, client, role):
    app = demo
    email = ROLES[role]
    _sign_in(client, email)
    ids = _url_parameter_choices()
    shapes = _forms_on_site(app, client, ids)
    api_fields = _api_body_fields(app, client)
    token = None
    if email is not None:
        user = db.session.scalar(select(User).where(User.email == email))
        _row, token = create_api_token(user, "fuzzer")
        db.session.commit()
    csrf = _csrf(client)
    server_errors: list[str] = []

    def url_value(data, name, converter):
        if isinstance(converter, AnyConverter):
            return data.draw(st.sampled_from(sorted(converter.items)), label=name)
        if name in ids and name != "item_id":
            real = ids[name] or [1]
            return data.draw(st.sampled_from([*real, 999_999]), label=name)
        return data.draw(st.sampled_from(["x", "a" * 64, "0", "%00"]), label=name)

    def form_value(data, name: str, choices: set[str]):
        options = [JUNK_TEXT]
        if choices:
            options.append(st.sampled_from(sorted(choices)))
        value = data.draw(st.one_of(*options), label=name)
        if data.draw(st.integers(0, 9), label=f"{name} repeated") == 0:
            return [value, data.draw(JUNK_TEXT)]
        return value

    def junk_poster(rule, shape, names, json_names, is_api):
        """One route's Hypothesis test (a factory, so each route binds its own values)."""

        examples = min(MAX_EXAMPLES, MIN_EXAMPLES + len(names) // 2 + len(shape.files) * 3)

        # No shrinking: the database changes under every example, so shrinking would replay
        # hundreds of requests against a moving target; the failing example is reported as is.
        @settings(max_examples=examples, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def post_junk(data):
            if "item_id" not in rule.arguments:
                path = _fill(rule, lambda n, c: url_value(data, n, c))
            else:
                kind = data.draw(st.sampled_from(sorted(ITEM_MODELS)), label="kind")
                real = ids["item_id"][kind] or [1]
                item = data.draw(st.sampled_from([*real, 999_999]), label="item_id")
                path = rule.rule.replace("<any(categories, wards):kind>", kind).replace(
                    "<int:item_id>", str(item))
            headers = {}
            if is_api:
                if token is not None:
                    headers["Authorization"] = f"Bearer {token}"
                body = {name: data.draw(JSON_JUNK, label=name) for name in sorted(json_names)
                        if data.draw(st.integers(0, 5), label=f"send {name}")}
                shape_of_body = data.draw(st.sampled_from(["json", "text", "form"]),
                                          label="body")
                if shape_of_body == "json":
                    response = client.post(path, data=json.dumps(body), headers=headers,
                                           content_type="application/json")
                elif shape_of_body == "text":
                    response = client.post(path, data=data.draw(JUNK_TEXT), headers=headers,
                                           content_type="application/json")
                else:
                    response = client.post(path, data={k: str(v) for k, v in body.items()},
                                           headers=headers)
            else:
                form = MultiDict([("csrf_token", csrf)])
                for name in sorted(names):
                    if data.draw(st.integers(0, 6), label=f"omit {name}") == 0:
                        continue
                    value = form_value(data, name, shape.choices.get(name, set()))
                    for item in value if isinstance(value, list) else [value]:
                        form.add(name, item)
                for name in sorted(shape.files):
                    form.add(name, (io.BytesIO(data.draw(FILE_BODIES)),
                                    data.draw(FILE_NAMES), data.draw(FILE_TYPES)))
                if data.draw(st.booleans(), label="htmx"):
                    headers["HX-Request"] = "true"
                response = client.post(path, data=form, headers=headers,
                                       content_type="multipart/form-data" if shape.files
                                       else "application/x-www-form-urlencoded")
            assert response.status_code < 500, (
                f"{role}: POST {path} answered {response.status_code}")

        return post_junk

    for rule in sorted(app.url_map.iter_rules(), key=_run_order):
        if "POST" not in rule.methods:
            continue
        is_api = rule.rule.startswith("/api/")
        shape = shapes.get(rule.endpoint, FormShape())
        names = set(shape.choices) | _fields_read_by_view(app, rule.endpoint)
        names -= shape.files
        openapi_path = re.sub(r"<(?:[^<>:]+:)?(\w+)>", r"{\1}", rule.rule)
        json_names = api_fields.get(openapi_path, set())

        post_junk = junk_poster(rule, shape, names, json_names, is_api)

        try:
            post_junk()
        except Exception as exc:  # collect every route's failure, then report them all
            notes = "\n".join(getattr(exc, "__notes__", []))
            server_errors.append(f"{rule.rule}: {type(exc).__name__}: {exc}"[:1500]
                                 + "\n" + notes[:1500])
        db.session.rollback()
        if email is not None and not _signed_in(client):
            _sign_in(client, email)
            csrf = _csrf(client)
    assert not server_errors, "\n\n".join(server_errors)
