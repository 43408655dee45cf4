"""Welsh beyond the switch: emails and digests in each recipient's language, the API's errors in
the caller's Accept-Language, and the council's own content (wards, categories, response
templates, its name) given in Welsh in /admin and shown in Welsh, falling back to English
marked lang="en".

Messages are checked against a small Welsh catalogue built for the test (the real catalogue
is written separately), so these tests say how the language is chosen, not what the
translation is.
"""

from __future__ import annotations

import re

import lxml.html
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import select

from citizenideas import create_app
from citizenideas.extensions import babel, db
from citizenideas.models import Notification, ResponseTemplate, Support, Ward
from citizenideas.notify.outbox import _digest_message, build_message
from citizenideas.services.lifecycle import change_status
from citizenideas.services.notifications import notify_user
from citizenideas.services.tokens import create_api_token

from .conftest import Auth, FreshContextClient, csrf_token

WELSH = {
    "Accepted": "Wedi'i dderbyn",
    "%(title)s: now %(status)s": "%(title)s: bellach %(status)s",
    "The idea \u201c%(title)s\u201d is now %(status)s.":
        "Mae'r syniad \u201c%(title)s\u201d bellach yn %(status)s.",
    "Change how often we email you: %(url)s": "Newid pa mor aml rydym yn e-bostio: %(url)s",
    "Hello %(name)s,": "Helo %(name)s,",
    "Not found": "Heb ei ganfod",
    "Enter a title for your idea": "Rhowch deitl i'ch syniad",
    "Reset your password": "Ailosod eich cyfrinair",
}
DIGEST = ("Your daily update from %(council)s: %(num)s change",
          "Your daily update from %(council)s: %(num)s changes")
DIGEST_CY = "Eich diweddariad dyddiol gan %(council)s: %(num)s newid"


@pytest.fixture
def welsh_app(app, base_config, tmp_path):
    """The app with a small Welsh catalogue of its own, on the same database."""
    catalog = Catalog(locale="cy")
    for english, welsh in WELSH.items():
        catalog.add(english, welsh)
    catalog.add(DIGEST, tuple([DIGEST_CY] * 6))
    target = tmp_path / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    welsh = create_app({**base_config, "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    welsh.test_client_class = FreshContextClient
    # Flask-Babel keeps loaded catalogues on the one extension object every app shares: start
    # and end with none, so neither app sees the other's.
    translations = babel.domain_instance.cache
    translations.clear()
    try:
        with welsh.app_context():
            yield welsh
            db.session.remove()
            db.engine.dispose()
    finally:
        translations.clear()


# --- Emails ---------------------------------------------------------------------------------


def test_a_status_change_is_written_to_each_person_in_their_language(welsh_app, make):
    idea = make.idea(title="Benches by the river", status="under_review")
    gwen, sam = make.user(display_name="Gwen"), make.user(display_name="Sam")
    gwen.locale = "cy"
    for person in (gwen, sam):
        db.session.add(Support(user_id=person.id, idea_id=idea.id))
    moderator = make.user(role="moderator")
    db.session.commit()
    # The moderator works in English; each supporter hears in their own language.
    with welsh_app.test_request_context("/", headers={"Accept-Language": "en"}):
        change_status(moderator, idea, "accepted", "")
        db.session.commit()
    notes = {n.user_id: n for n in db.session.scalars(
        select(Notification).where(Notification.kind == "status_change"))}
    assert notes[gwen.id].locale == "cy"
    assert notes[gwen.id].subject == "Benches by the river: bellach Wedi'i dderbyn"
    assert notes[gwen.id].body.startswith("Mae'r syniad \u201cBenches by the river\u201d")
    assert notes[sam.id].locale == "en"
    assert notes[sam.id].subject == "Benches by the river: now Accepted"


def test_a_welsh_moderator_writes_to_an_english_resident_in_english(welsh_app, make):
    resident = make.user()
    with welsh_app.test_request_context("/?lang=cy"):
        note = notify_user(resident, "test", "Reset your password", "Body")
        from flask_babel import lazy_gettext as _l

        lazy = notify_user(resident, "test", _l("Reset your password"), "Body")
    assert note.locale == lazy.locale == "en"
    assert lazy.subject == "Reset your password"


def test_the_email_is_signed_off_in_the_language_it_was_written_in(welsh_app, make):
    gwen = make.user(display_name="Gwen")
    gwen.locale = "cy"
    note = notify_user(gwen, "test", "Pwnc", "Corff")
    db.session.commit()
    message = build_message(note, gwen.email)
    assert message["Content-Language"] == "cy"
    assert "Newid pa mor aml rydym yn e-bostio: http://localhost/me" in message.get_content()
    english = notify_user(make.user(), "test", "Subject", "Body")
    assert "Change how often we email you:" in build_message(english, "x@example.org") \
        .get_content()


def test_the_daily_digest_is_in_the_recipients_language(welsh_app, make):
    gwen = make.user(display_name="Gwen", notify_pref="daily")
    gwen.locale = "cy"
    note = notify_user(gwen, "test", "Pwnc", "Corff")
    db.session.commit()
    digest = _digest_message(gwen, [note])
    council = welsh_app.config["COUNCIL_SHORT_NAME"]
    assert digest["Subject"] == f"Eich diweddariad dyddiol gan {council}: 1 newid"
    assert digest.get_content().startswith("Helo Gwen,")
    assert digest["Content-Language"] == "cy"
    sam = make.user(display_name="Sam", notify_pref="daily")
    english = _digest_message(sam, [notify_user(sam, "test", "Subject", "Body")])
    assert english["Subject"].startswith("Your daily update from")


def test_an_account_email_goes_in_the_language_of_the_account(welsh_app, make):
    from citizenideas.services.accounts import request_password_reset

    gwen = make.user(email="gwen@example.org")
    gwen.locale = "cy"
    db.session.commit()
    with welsh_app.test_request_context("/forgot-password"):  # asked for in English
        request_password_reset("gwen@example.org")
        db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.kind == "reset_password"))
    assert note.subject == "Ailosod eich cyfrinair" and note.locale == "cy"


# --- The API --------------------------------------------------------------------------------


def test_the_api_answers_in_the_callers_accept_language(welsh_app, make):
    client = welsh_app.test_client()
    missing = client.get("/api/v1/ideas/999999", headers={"Accept-Language": "cy"})
    assert missing.status_code == 404 and missing.json["title"] == "Heb ei ganfod"
    assert client.get("/api/v1/ideas/999999").json["title"] == "Not found"
    # A field's message, raised by the service, in the caller's language too.
    user = make.user()
    _token, raw = create_api_token(user, "test")
    category, ward = make.category(), make.ward()
    db.session.commit()
    body = {"title": "", "description": "Somewhere to sit", "category_id": category.id,
            "ward_id": ward.id}
    welsh = client.post("/api/v1/ideas", json=body, headers={
        "Authorization": f"Bearer {raw}", "Accept-Language": "cy"})
    assert welsh.status_code == 422
    assert welsh.json["errors"]["title"] == ["Rhowch deitl i'ch syniad"]
    english = client.post("/api/v1/ideas", json=body, headers={"Authorization": f"Bearer {raw}"})
    assert english.json["errors"]["title"] == ["Enter a title for your idea"]


def test_the_api_lists_wards_and_categories_with_their_welsh_names(app, make, client):
    ward = make.ward("Riverside")
    ward.name_cy = "Glan yr Afon"
    make.category("Parks")
    db.session.commit()
    wards = client.get("/api/v1/wards").json["items"]
    assert wards == [{"id": ward.id, "name": "Riverside", "ons_code": ward.ons_code,
                      "name_cy": "Glan yr Afon"}]
    category = client.get("/api/v1/categories").json["items"][0]
    assert category["name"] == "Parks" and category["name_cy"] is None


# --- The council's content in /admin --------------------------------------------------------


def page(response):
    return lxml.html.document_fromstring(response.get_data(as_text=True))


@pytest.fixture
def admin_client(app, make, client):
    make.user(role="admin", email="admin@example.org")
    Auth(client).sign_in("admin@example.org")
    return client


def test_an_admin_gives_a_ward_its_welsh_name_and_pages_in_welsh_show_it(app, make,
                                                                          admin_client):
    ward = make.ward("Riverside")
    make.idea(title="Benches by the river", ward=ward)
    form = admin_client.get("/admin/wards")
    field = page(form).xpath(f'//input[@id="name-cy-{ward.id}"]')[0]
    assert field.get("lang") == "cy" and field.get("name") == "name_cy"
    saved = admin_client.post(f"/admin/wards/{ward.id}/welsh", data={
        "name_cy": "Glan yr Afon", "csrf_token": csrf_token(admin_client, "/admin/wards")})
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Ward, ward.id).name_cy == "Glan yr Afon"
    welsh = app.test_client().get("/ideas?lang=cy").get_data(as_text=True)
    assert "Glan yr Afon" in welsh
    # Emptied again: the English name, marked as English, on the Welsh page.
    admin_client.post(f"/admin/wards/{ward.id}/welsh", data={
        "name_cy": "  ", "csrf_token": csrf_token(admin_client, "/admin/wards")})
    db.session.expire_all()
    assert db.session.get(Ward, ward.id).name_cy is None
    welsh = page(app.test_client().get("/ideas?lang=cy"))
    assert "Riverside" in [e.text_content() for e in welsh.xpath('//main//*[@lang="en"]')]


def test_a_categorys_welsh_name_and_description_are_saved_and_audited(app, make,
                                                                       admin_client):
    category = make.category("Parks")
    admin_client.post(f"/admin/categories/{category.id}/welsh", data={
        "name_cy": "Parciau", "description_cy": "Mannau gwyrdd",
        "csrf_token": csrf_token(admin_client, "/admin/categories")})
    db.session.expire_all()
    category = db.session.get(type(category), category.id)
    assert (category.name_cy, category.description_cy) == ("Parciau", "Mannau gwyrdd")
    audit = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Parciau" in audit


def test_a_welsh_name_longer_than_the_column_is_refused(app, make, admin_client):
    ward = make.ward("Riverside")
    answer = admin_client.post(f"/admin/wards/{ward.id}/welsh", data={
        "name_cy": "x" * 121, "csrf_token": csrf_token(admin_client, "/admin/wards")},
        follow_redirects=True)
    assert "120 characters or fewer" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ward, ward.id).name_cy is None


def test_the_council_name_in_welsh_is_a_setting(app, admin_client):
    form = page(admin_client.get("/admin/settings"))
    assert form.xpath('//input[@id="COUNCIL_NAME_CY"]')[0].get("lang") == "cy"
    values = {key: form.xpath(f'//input[@id="{key}"]')[0].get("value") or ""
              for key in ("COUNCIL_NAME", "COUNCIL_SHORT_NAME", "COUNCIL_LOGO_URL",
                          "COUNCIL_COLOUR", "RESPONSE_TARGET_DAYS", "DECISION_TARGET_DAYS",
                          "CONTACT_EMAIL")}
    saved = admin_client.post("/admin/settings", data={
        **values, "COUNCIL_NAME_CY": "Cyngor Demo", "COUNCIL_SHORT_NAME_CY": "Demo",
        "csrf_token": csrf_token(admin_client, "/admin/settings")})
    assert saved.status_code == 303
    welsh = page(app.test_client().get("/?lang=cy"))
    assert "Cyngor Demo" in welsh.findtext(".//title")
    footer = welsh.xpath("//footer")[0].text_content()
    assert "Cyngor Demo" in footer


def test_a_response_template_in_welsh_is_offered_to_a_moderator_working_in_welsh(app, make,
                                                                                 admin_client):
    saved = admin_client.post("/admin/templates/new", data={
        "status": "declined", "title": "Not ours", "body": "This is not the council's to do.",
        "title_cy": "Nid ein cyfrifoldeb", "body_cy": "Nid y cyngor sydd i wneud hyn.",
        "csrf_token": csrf_token(admin_client, "/admin/templates/new")})
    assert saved.status_code == 303
    template = db.session.scalar(select(ResponseTemplate))
    assert template.body_cy == "Nid y cyngor sydd i wneud hyn."
    idea = make.idea(status="under_review")
    path = f"/council/ideas/{idea.id}"
    data = {"action": "use_template", "template_id": str(template.id), "status": "",
            "message": "", "csrf_token": csrf_token(admin_client, path)}
    admin_client.get(f"{path}?lang=cy")  # the admin now works in Welsh
    welsh = admin_client.post(f"{path}/status", data=data).get_data(as_text=True)
    assert "Nid y cyngor sydd i wneud hyn." in welsh
    admin_client.get(f"{path}?lang=en")
    english = admin_client.post(f"{path}/status", data=data).get_data(as_text=True)
    assert "This is not the council&#39;s to do." in english or \
        "This is not the council's to do." in english


def test_month_names_in_the_figures_follow_the_language(app, make):
    from datetime import UTC, datetime

    make.idea(created_at=datetime.now(UTC))
    db.session.commit()
    month = datetime.now(UTC)
    welsh = app.test_client().get("/accountability?lang=cy").get_data(as_text=True)
    english = app.test_client().get("/accountability?lang=en").get_data(as_text=True)
    assert f"{month:%B} {month.year}" in english
    from babel.dates import format_date

    assert re.search(format_date(month.date(), "LLLL yyyy", locale="cy"), welsh)


# --- Every notification in the recipient's language -----------------------------------------

# Who is told, and where the subject and body are among the arguments.
NOTIFIERS = {"notify_user": 2, "notify_idea_audience": 2, "notify_moderators": 1,
             "notify_members": 2, "_notify_managers": 2, "email_address": 2}
EAGER = {"_", "gettext", "ngettext"}


def _worded_now(node) -> bool:
    """Text already worded in the sender's language: _("..."), English literals, f-strings,
    or text glued to them."""
    import ast

    if isinstance(node, ast.Call):
        return getattr(node.func, "id", None) in EAGER
    if isinstance(node, (ast.JoinedStr, ast.Constant)):
        return isinstance(getattr(node, "value", None), str) or isinstance(node, ast.JoinedStr)
    if isinstance(node, ast.BinOp):
        return _worded_now(node.left) or _worded_now(node.right)
    return False


def test_every_notification_is_worded_for_its_recipient_not_its_sender():
    """Subjects and bodies go to notify_user and friends lazily (lazy_gettext, joined), so
    that each recipient reads them in their own language (services/notifications.py)."""
    import ast
    from pathlib import Path

    package = Path(__file__).parent.parent / "citizenideas"
    found = []
    def calls(tree):
        for node in ast.walk(tree):
            name = getattr(getattr(node, "func", None), "id", None) or \
                getattr(getattr(node, "func", None), "attr", None)
            if isinstance(node, ast.Call) and name in NOTIFIERS:
                yield name, node

    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(package)
        for name, call in calls(tree):
            first = NOTIFIERS[name]
            for arg in call.args[first:first + 2]:
                if _worded_now(arg):
                    found.append(f"{where}:{arg.lineno} {name}")
        # subject = _("...") in a function that then notifies someone.
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and any(calls(function)):
                for node in ast.walk(function):
                    if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                            and _worded_now(node.value)
                            and any(getattr(t, "id", None) in ("subject", "body")
                                    for t in node.targets)):
                        found.append(f"{where}:{node.lineno} subject/body = _()")
    assert not found, ("Worded in the sender's language (use _l / joined):\n"
                       + "\n".join(found))
