"""Choosing Welsh (Cymraeg) or English: the switch in every page's header, ?lang= remembered
in a cookie and on the account, Accept-Language for a first visit, <html lang>, the API's
error messages, and public cached pages that never mix the two languages.

These tests look at lang attributes, cookies and the council's own Welsh content rather than
at the Welsh catalogue (written separately); the one that needs a translated message is
skipped while the catalogue is not compiled.
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest

from citizenideas.extensions import db
from citizenideas.models import User

from .every_page import DEMO_PASSWORD, seed_demo, visits

WELSH_CATALOGUE = (Path(__file__).parent.parent / "citizenideas" / "translations" / "cy"
                   / "LC_MESSAGES" / "messages.mo")


def soup(response):
    return lxml.html.document_fromstring(response.get_data(as_text=True))


def html_lang(response) -> str:
    return soup(response).get("lang")


def by_class(doc, name: str, under: str = "//") -> list:
    return doc.xpath(f'{under}*[contains(concat(" ", @class, " "), " {name} ")]')


def switch(response) -> dict[str, dict]:
    """The header's language switch: {code: the link's attributes and text}."""
    navs = soup(response).xpath('//header//nav[contains(@class, "ci-language-select")]')
    assert navs, "no language switch in the header"
    return {a.get("hreflang"): {**a.attrib, "text": a.text_content().strip()}
            for a in navs[0].xpath(".//a")}


def set_cookie(response, name: str) -> SimpleCookie | None:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if name in cookie:
            return cookie
    return None


def visitor(app):
    return app.test_client()


# --- The switch -----------------------------------------------------------------------------


def test_the_switch_names_each_language_in_itself_and_marks_the_current_one(app):
    page = visitor(app).get("/ideas")
    links = switch(page)
    assert list(links) == ["en", "cy"]
    assert links["en"]["text"] == "English" and links["en"]["lang"] == "en"
    assert links["cy"]["text"] == "Cymraeg" and links["cy"]["lang"] == "cy"
    assert links["en"].get("aria-current") == "true" and "aria-current" not in links["cy"]
    # A whole page load, so <html lang> changes with it (hx-boost swaps only the body).
    assert all(link["data-hx-boost"] == "false" for link in links.values())


def test_the_switch_links_to_the_same_page_keeping_its_other_query_parameters(app):
    links = switch(visitor(app).get("/ideas?q=park&sort=newest&lang=en"))
    href = urlsplit(links["cy"]["href"])
    assert href.path == "/ideas"
    assert sorted(parse_qsl(href.query)) == [("lang", "cy"), ("q", "park"), ("sort", "newest")]


def test_every_page_type_has_the_switch_and_says_it_is_in_welsh(app):
    """Each page of the shared sweep list (tests/every_page.py), as its role, in Welsh."""
    ids = seed_demo()
    clients: dict = {}
    problems = []

    def client_for(role):
        if role not in clients:
            from .conftest import csrf_token

            client = app.test_client()
            if role:
                client.post("/sign-in", data={"email": role, "password": DEMO_PASSWORD,
                                              "csrf_token": csrf_token(client)})
            clients[role] = client
        return clients[role]

    for visit in visits(ids):
        sep = "&" if "?" in visit.path else "?"
        response = client_for(visit.role).get(f"{visit.path}{sep}lang=cy",
                                              follow_redirects=True)
        where = f"{visit.path} as {visit.role or 'anonymous'}"
        if response.status_code != visit.status:
            problems.append(f"{where}: status {response.status_code}")
            continue
        if html_lang(response) != "cy":
            problems.append(f"{where}: <html lang={html_lang(response)}>")
        if not soup(response).xpath("//header"):
            continue  # a page made to be printed (a letter to a resident) has no site header
        links = switch(response)
        if links["cy"].get("aria-current") != "true" or "aria-current" in links["en"]:
            problems.append(f"{where}: aria-current not on Cymraeg")
        back = urlsplit(links["en"]["href"])
        if back.path != response.request.path or ("lang", "en") not in parse_qsl(back.query):
            problems.append(f"{where}: English links to {links['en']['href']}")
    assert not problems, "\n".join(problems)


# --- Choosing and keeping the language --------------------------------------------------------


def test_a_first_visit_follows_accept_language(app):
    assert html_lang(visitor(app).get("/ideas", headers={"Accept-Language": "cy"})) == "cy"
    assert html_lang(visitor(app).get("/ideas",
                                      headers={"Accept-Language": "fr, cy;q=0.5"})) == "cy"
    assert html_lang(visitor(app).get("/ideas", headers={"Accept-Language": "fr"})) == "en"
    assert html_lang(visitor(app).get("/ideas")) == "en"


def test_choosing_welsh_sets_a_lax_cookie_for_a_year_and_it_sticks(app):
    browser = visitor(app)
    chosen = browser.get("/ideas?lang=cy")
    assert html_lang(chosen) == "cy"
    cookie = set_cookie(chosen, "lang")
    assert cookie is not None and cookie["lang"].value == "cy"
    assert cookie["lang"]["samesite"] == "Lax"
    assert int(cookie["lang"]["max-age"]) == 365 * 24 * 60 * 60
    # Later pages, without ?lang, and even when the browser prefers English.
    assert html_lang(browser.get("/outcomes", headers={"Accept-Language": "en"})) == "cy"
    assert html_lang(browser.get("/ideas?lang=en")) == "en"
    assert html_lang(browser.get("/outcomes", headers={"Accept-Language": "cy"})) == "en"


def test_an_unknown_language_is_ignored(app):
    response = visitor(app).get("/ideas?lang=fr")
    assert html_lang(response) == "en" and set_cookie(response, "lang") is None


def test_a_signed_in_choice_is_saved_on_the_account_and_follows_it(app, make, auth, client):
    user = make.user(email="gwen@example.org")
    auth.sign_in("gwen@example.org")
    assert html_lang(client.get("/me?lang=cy")) == "cy"
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "cy"
    # Another browser, which has never chosen and prefers English: Welsh once signed in.
    from .conftest import Auth

    other = app.test_client()
    Auth(other).sign_in("gwen@example.org")
    assert html_lang(other.get("/me", headers={"Accept-Language": "en"})) == "cy"
    # Switching back while signed in saves English.
    other.get("/me?lang=en")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_the_account_language_is_not_changed_by_a_signed_out_choice(app, make):
    user = make.user(email="huw@example.org")
    user.locale = "cy"
    db.session.commit()
    visitor(app).get("/ideas?lang=en")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "cy"


# --- The council's own content, in Welsh or marked as English ----------------------------------


def test_the_councils_content_is_welsh_where_given_and_marked_english_where_not(app, make):
    ward = make.ward("Riverside")
    ward.name_cy = "Glan yr Afon"
    category = make.category("Parks")  # no Welsh name
    make.idea(title="Benches by the river", ward=ward, category=category)
    db.session.commit()
    page = soup(visitor(app).get("/ideas?lang=cy"))
    text = page.text_content()
    assert "Glan yr Afon" in text and "Riverside" not in text
    english = [span.text_content() for span in page.xpath('//main//*[@lang="en"]')]
    assert "Parks" in english
    # The filter's options are plain text (no markup inside <option>), in Welsh where given.
    options = [o.text_content() for o in page.xpath('//select[@id="ward"]/option')]
    assert "Glan yr Afon" in options
    english_page = soup(visitor(app).get("/ideas?lang=en"))
    assert "Riverside" in english_page.text_content()
    assert not english_page.xpath('//main//*[@lang="en"]')


def test_the_council_name_is_welsh_in_the_header_and_title_when_given(app, make):
    from citizenideas.services.site import save_settings

    admin = make.user(role="admin")
    save_settings(admin, {"COUNCIL_NAME_CY": "Cyngor Bwrdeistref Demo"})
    db.session.commit()
    page = soup(visitor(app).get("/ideas?lang=cy"))
    assert by_class(page, "ci-header__council")[0].text_content().strip() == \
        "Cyngor Bwrdeistref Demo"
    assert "Cyngor Bwrdeistref Demo" in page.findtext(".//title")
    english = soup(visitor(app).get("/ideas?lang=en"))
    assert by_class(english, "ci-header__council")[0].text_content().strip() == \
        app.config["COUNCIL_NAME"]


def test_without_a_welsh_council_name_the_english_one_is_marked_english(app):
    page = soup(visitor(app).get("/ideas?lang=cy"))
    council = by_class(page, "ci-header__council")[0]
    assert council.xpath('.//span[@lang="en"]')[0].text_content() == app.config["COUNCIL_NAME"]


def test_dates_are_written_by_babel_in_the_pages_language(app, make):
    from datetime import UTC, datetime

    make.idea(title="Lights on the towpath", created_at=datetime(2026, 3, 3, 14, 5, tzinfo=UTC))
    db.session.commit()
    idea_id = db.session.execute(db.text("select max(id) from ideas")).scalar()
    assert "3 March 2026" in visitor(app).get(f"/ideas/{idea_id}?lang=en").get_data(True)
    assert "3 Mawrth 2026" in visitor(app).get(f"/ideas/{idea_id}?lang=cy").get_data(True)


# --- The page cache -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/ideas", "/outcomes", "/accountability"])
def test_cached_public_pages_never_mix_the_languages(app, make, path):
    ward = make.ward("Riverside")
    ward.name_cy = "Glan yr Afon"
    make.idea(title="Benches by the river", ward=ward)
    db.session.commit()
    english = visitor(app).get(path)
    assert english.headers["X-Cache"] == "miss" and html_lang(english) == "en"
    # ?lang=cy: never the cached English copy, and never itself cached (it sets the cookie).
    chosen = visitor(app).get(f"{path}?lang=cy")
    assert html_lang(chosen) == "cy" and "X-Cache" not in chosen.headers
    assert set_cookie(chosen, "lang") is not None
    # The cookie and Accept-Language each get the Welsh copy, cached apart from the English.
    by_cookie = visitor(app)
    by_cookie.set_cookie("lang", "cy")
    first = by_cookie.get(path)
    assert html_lang(first) == "cy" and first.headers["X-Cache"] == "miss"
    by_header = visitor(app).get(path, headers={"Accept-Language": "cy"})
    assert html_lang(by_header) == "cy" and by_header.headers["X-Cache"] == "hit"
    assert by_header.headers["Content-Language"] == "cy"
    assert english.headers["Content-Language"] == "en"
    assert html_lang(visitor(app).get(path)) == "en"
    # A visitor whose cookie says English while the browser prefers Welsh: English.
    english_cookie = visitor(app)
    english_cookie.set_cookie("lang", "en")
    assert html_lang(english_cookie.get(path, headers={"Accept-Language": "cy"})) == "en"
    vary = {v.strip() for v in english.headers["Vary"].split(",")}
    assert {"Cookie", "Accept-Language"} <= vary


# --- The API --------------------------------------------------------------------------------


def test_the_api_answers_problem_titles_in_the_callers_language(app):
    """The fixed title of a 404 is looked up in the catalogue for Accept-Language."""
    if not WELSH_CATALOGUE.is_file():
        pytest.skip("the Welsh catalogue is not compiled yet (citizenideas/translations/cy)")
    from babel.messages.mofile import read_mo

    with WELSH_CATALOGUE.open("rb") as f:
        welsh = read_mo(f).get("Not found")
    if welsh is None or not welsh.string:
        pytest.skip("'Not found' is not in the Welsh catalogue yet")
    answer = visitor(app).get("/api/v1/ideas/999999", headers={"Accept-Language": "cy"})
    assert answer.status_code == 404 and answer.json["title"] == welsh.string


def test_the_api_takes_its_language_from_each_call_not_the_cookie(app, make):
    """A program asks per call (Accept-Language); a browser's cookie never changes the API."""
    from citizenideas.locale import select_locale

    with app.test_request_context("/api/v1/ideas", headers={"Accept-Language": "cy",
                                                            "Cookie": "lang=en"}):
        assert select_locale() == "cy"
    with app.test_request_context("/api/v1/ideas", headers={"Cookie": "lang=cy"}):
        assert select_locale() == "en"
    with app.test_request_context("/ideas", headers={"Cookie": "lang=cy"}):
        assert select_locale() == "cy"


def test_api_field_errors_are_worded_in_the_callers_language(app, make):
    """Field messages are translated where they are raised, in the request's language: the
    English and Welsh answers differ exactly when the catalogue translates them."""
    english = visitor(app).post("/api/v1/tokens", json={"email": "", "password": ""},
                                headers={"Accept-Language": "en"})
    welsh = visitor(app).post("/api/v1/tokens", json={"email": "", "password": ""},
                              headers={"Accept-Language": "cy"})
    assert english.mimetype == welsh.mimetype == "application/problem+json"
    assert english.status_code == welsh.status_code
    if not WELSH_CATALOGUE.is_file():
        return
    assert english.json != welsh.json, "the Welsh answer is the English one"


def test_the_header_switch_is_inside_the_banner_landmark(app):
    navs = soup(visitor(app).get("/")).xpath(
        '//header[@role="banner"]//nav[contains(@class, "ci-language-select")]')
    assert navs and re.fullmatch(r"\S.*", navs[0].get("aria-label") or "")


def test_my_data_export_includes_the_language_i_chose(app, make, auth, client):
    make.user(email="gwen@example.org")
    auth.sign_in("gwen@example.org")
    client.get("/me?lang=cy")
    assert client.get("/me/data.json").json["account"]["locale"] == "cy"
