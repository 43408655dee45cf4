"""The Welsh catalogue is complete and current: every message the code and templates show has
its Welsh, with the same placeholders; the committed .mo matches the .po; the template
(messages.pot) is what extraction gives today; and pages rendered in Welsh come out in Welsh.

When one of these fails after you add or change text: run `make translations`, then translate
the new entries in citizenideas/translations/cy/LC_MESSAGES/messages.po (see
docs/translating.md) and run `make translations` again to compile."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "citizenideas" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.mo"
WELSH_PLURAL_FORMS = 6  # CLDR: zero, one, two, few, many, other

HOW_TO_FIX = ("run `make translations`, translate the new entries in "
              "citizenideas/translations/cy/LC_MESSAGES/messages.po (docs/translating.md), "
              "then run `make translations` again to compile")

# What must survive translation unchanged: %(name)s / %(n)d placeholders, {name} fields,
# a literal %% in templates, HTML tags and entities.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_0-9]*\}|%%|<[^>]+>|&[a-z]+;")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def _forms(message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


@pytest.fixture(scope="module")
def template():
    return _read(POT)


@pytest.fixture(scope="module")
def welsh():
    return _read(PO)


def test_every_message_in_the_template_has_its_welsh(template, welsh):
    missing, fuzzy = [], []
    for message in template:
        if not message.id:
            continue
        found = welsh.get(message.id)
        if found is None or found.fuzzy:
            (fuzzy if found is not None else missing).append(_key(message))
            continue
        forms = _forms(found)
        if message.pluralizable and len(forms) != WELSH_PLURAL_FORMS:
            missing.append(_key(message))
        elif not all(form.strip() for form in forms):
            missing.append(_key(message))
    assert not missing and not fuzzy, (
        f"{len(missing)} messages have no Welsh and {len(fuzzy)} are fuzzy: {HOW_TO_FIX}. "
        f"Untranslated: {missing[:20]}; fuzzy: {fuzzy[:20]}")


def test_the_welsh_catalogue_has_six_plural_forms(welsh):
    assert welsh.num_plurals == WELSH_PLURAL_FORMS
    assert welsh.locale.language == "cy"


def test_welsh_keeps_every_placeholder_and_tag(welsh):
    wrong = []
    for message in welsh:
        if not message.id:
            continue
        ids = list(message.id) if message.pluralizable else [message.id]
        wanted = [sorted(set(PLACEHOLDER.findall(text))) for text in ids]
        loose = {PLACEHOLDER.sub("", text).count("%") for text in ids}
        for form in _forms(message):
            if form and sorted(set(PLACEHOLDER.findall(form))) not in wanted:
                wrong.append((_key(message), form))
            # a lone % breaks formatting (templates format every message): write %% instead
            if form and PLACEHOLDER.sub("", form).count("%") not in loose:
                wrong.append((_key(message), form))
        first = _forms(message)[0]
        if first and (first[:1].isspace() != ids[0][:1].isspace()
                      or first[-1:].isspace() != ids[0][-1:].isspace()):
            wrong.append((_key(message), first))
    assert not wrong, f"Placeholders, tags or outer spaces differ from the English: {wrong[:10]}"


def test_the_welsh_catalogue_passes_babels_own_checks(welsh):
    problems = [(_key(message), errors) for message, errors in welsh.check() if errors]
    assert not problems, problems[:10]


def test_the_committed_mo_is_compiled_from_the_committed_po(welsh):
    """A deploy without a build step serves the committed .mo: it must say what the .po says."""
    compiled = io.BytesIO()
    write_mo(compiled, welsh)
    compiled.seek(0)
    expected = {(m.id if isinstance(m.id, str) else tuple(m.id)): m.string
                for m in read_mo(compiled) if m.id}
    with MO.open("rb") as f:
        committed = {(m.id if isinstance(m.id, str) else tuple(m.id)): m.string
                     for m in read_mo(f) if m.id}
    stale = sorted(str(k) for k in expected.keys() ^ committed.keys())
    stale += sorted(str(k) for k in expected.keys() & committed.keys()
                    if expected[k] != committed[k])
    assert not stale, (f"messages.mo is out of step with messages.po ({len(stale)} entries): "
                       f"run `make translations`. First: {stale[:10]}")


def test_the_template_holds_every_message_in_the_code_and_templates(template, tmp_path):
    """Adding or changing text without `make translations` leaves the template behind."""
    fresh_path = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
        "-k", "lazy_gettext", "--no-location", "--sort-output", "-o", str(fresh_path),
        str(ROOT)])
    fresh = {_key(m) for m in _read(fresh_path) if m.id}
    committed = {_key(m) for m in template if m.id}
    new, gone = sorted(fresh - committed), sorted(committed - fresh)
    assert not new and not gone, (
        f"messages.pot is not current ({len(new)} new, {len(gone)} removed messages): "
        f"{HOW_TO_FIX}. New: {new[:20]}; removed: {gone[:20]}")


# --- rendering in Welsh (independent of how a visitor chooses the language) -----------------

def _render(app, path: str, endpoint: str) -> str:
    with app.test_request_context(path), force_locale("cy"):
        return app.make_response(app.view_functions[endpoint]()).get_data(as_text=True)


def test_the_sign_in_page_rendered_in_welsh_is_welsh(app):
    html = _render(app, "/sign-in", "auth.sign_in")
    assert "Mewngofnodi" in html
    assert "Cyfeiriad e-bost" in html and "Cyfrinair" in html
    assert "Email address" not in html


def test_the_home_page_rendered_in_welsh_is_welsh(app):
    html = _render(app, "/", "pages.home")
    assert "Cynnig syniad" in html and "Pori syniadau" in html
    assert "Propose an idea" not in html


def test_messages_from_python_and_plurals_come_out_in_welsh(app):
    with app.test_request_context("/"), force_locale("cy"):
        assert gettext("Enter your password.") == "Rhowch eich cyfrinair."
        assert gettext("Your password must be at least %(n)d characters.", n=10) == (
            "Rhaid i'ch cyfrinair fod yn 10 nod o leiaf.")
        assert ngettext("%(num)s idea", "%(num)s ideas", 1) == "1 syniad"
        assert ngettext("%(num)s comment", "%(num)s comments", 6) == "6 sylw"
        assert ngettext("%(num)s supporter", "%(num)s supporters", 3) == "3 chefnogwr"
    with app.test_request_context("/"), force_locale("en"):
        assert gettext("Enter your password.") == "Enter your password."



def test_a_feed_rendered_in_welsh_has_welsh_titles_and_says_so(app):
    from citizenideas.services import feeds

    with app.test_request_context("/feeds/outcomes.atom"), force_locale("cy"):
        atom = feeds.outcomes_feed().decode()
    assert "<title>Canlyniadau" in atom and 'xml:lang="cy' in atom
    with app.test_request_context("/feeds/outcomes.atom"), force_locale("en"):
        atom = feeds.outcomes_feed().decode()
    assert "<title>Outcomes" in atom and 'xml:lang="en' in atom


FIELDS = ('{% import "_forms.html" as f %}'
          '{{ f.textarea("story", "Story", {}, {"story": ["Too long"]}, maxlength=500) }}'
          '{{ f.password("password", "Password") }}')


def test_gov_uk_frontends_own_words_come_out_in_welsh(app):
    """Character count, show/hide password, the hidden "Error:" and the skip link are GOV.UK
    Frontend's English unless the page gives them: Welsh pages give Welsh, with all six plural
    forms for the count the script writes."""
    from flask import render_template_string

    with app.test_request_context("/"), force_locale("cy"):
        html = render_template_string(FIELDS)
        page = _render(app, "/sign-in", "auth.sign_in")
    assert "Gallwch roi hyd at 500 nod" in html
    for rule in ("zero", "one", "two", "few", "many", "other"):
        under, over = "characters-under-limit", "characters-over-limit"
        assert f'data-i18n.{under}.{rule}="Mae gennych %{{count}} nod yn weddill"' in html
        assert f'data-i18n.{over}.{rule}="Mae gennych %{{count}} nod yn ormod"' in html
    assert "Gwall:</span> Too long" in html and "Dangos y cyfrinair" in html
    assert "Neidio i&#39;r prif gynnwys" in page or "Neidio i'r prif gynnwys" in page
    assert "Skip to main content" not in page and "Show password" not in page

    with app.test_request_context("/"), force_locale("en"):
        html = render_template_string(FIELDS)
    assert 'data-i18n.characters-under-limit.one="You have %{count} character remaining"' in html
    assert 'data-i18n.characters-under-limit.other="You have %{count} characters remaining"' in html
    assert "Error:</span> Too long" in html and "You can enter up to 500 characters" in html

# --- Welsh written ahead for text still on other branches (tests/tools/apply_pending_welsh.py)

PENDING_FILES = sorted((TRANSLATIONS / "cy").glob("pending*.json"))


def _pending_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "apply_pending_welsh", ROOT / "tests" / "tools" / "apply_pending_welsh.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pending_welsh_keeps_the_placeholders_of_its_english():
    import json

    if not PENDING_FILES:
        pytest.skip("no pending Welsh")
    entries = {}
    for path in PENDING_FILES:
        entries.update(json.loads(path.read_text(encoding="utf-8")))
    wrong = []
    for english, welsh in entries.items():
        if isinstance(welsh, list):
            if len(welsh) != WELSH_PLURAL_FORMS or not all(form.strip() for form in welsh):
                wrong.append(english)
        elif not welsh.strip() or (sorted(set(PLACEHOLDER.findall(welsh)))
                                   != sorted(set(PLACEHOLDER.findall(english)))):
            wrong.append(english)
        elif PLACEHOLDER.sub("", welsh).count("%") != PLACEHOLDER.sub("", english).count("%"):
            wrong.append(english)
    assert not wrong, wrong[:10]


def test_pending_welsh_fills_empty_entries_and_never_overwrites(tmp_path, monkeypatch):
    import json

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="cy")
    catalog.add("Photos")
    catalog.add("Sign in", "Mewngofnodi")
    catalog.add(("%(num)s photo", "%(num)s photos"))
    po = tmp_path / "messages.po"
    with po.open("wb") as f:
        write_po(f, catalog)
    pending = tmp_path / "pending.json"
    pending.write_text(json.dumps({
        "Photos": "Lluniau", "Sign in": "Arwyddo", "Not here yet": "Ddim yma eto",
        "%(num)s photo": ["%(num)s llun"] * 6}), encoding="utf-8")
    tool = _pending_tool()
    monkeypatch.setattr(tool, "PO", po)
    monkeypatch.setattr(tool, "CY", tmp_path)

    assert tool.main(prune=True) == 2
    filled = _read(po)
    assert filled.get("Photos").string == "Lluniau"
    assert filled.get("Sign in").string == "Mewngofnodi"
    assert filled.get("%(num)s photo").string == ("%(num)s llun",) * 6
    assert json.loads(pending.read_text(encoding="utf-8")) == {"Not here yet": "Ddim yma eto"}
