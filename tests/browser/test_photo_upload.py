"""A resident on a phone adds a photo to their idea: with JavaScript off, the plain file field
and a button; with JavaScript on, the chosen photo is shown before sending and can be removed
again. Both pages stay at zero axe violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.photo_support import phone_photo, picture

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

ALT = "The overgrown corner of the green, seen from the bus stop"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["STORAGE_URL"] = ""


def _file(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def _open_own_idea(page, live_server, make):
    make.user(email="ria@example.org", display_name="Ria")
    from citizenideas.extensions import db
    from citizenideas.models import User

    author = db.session.query(User).filter_by(email="ria@example.org").one()
    idea = make.idea(author=author, title="A bench for the green")
    sign_in(page, live_server.url, "ria@example.org", PASSWORD)
    page.goto(f"{live_server.url}/ideas/{idea.id}")
    return idea


def test_a_photo_is_added_without_javascript(nojs_page, live_server, make):
    page = nojs_page
    _open_own_idea(page, live_server, make)
    expect(page.get_by_role("heading", name="Add a photo")).to_be_visible()
    page.set_input_files("#file", files=[_file("IMG_0042.JPG", phone_photo(), "image/jpeg")])
    page.get_by_label("Describe the photo for people who cannot see it").fill(ALT)
    page.get_by_role("button", name="Add photo").click()
    expect(page.get_by_text("Your photo has been added.")).to_be_visible()
    thumb = page.get_by_role("img", name=ALT)
    expect(thumb).to_be_visible()
    assert thumb.get_attribute("loading") == "lazy"
    # Loaded from /media, and upright: the phone's 200 x 100 sideways pixels stand 100 x 200.
    assert thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [100, 200]
    assert_accessible(page)


def test_without_alt_text_the_error_is_shown_and_linked(nojs_page, live_server, make):
    page = nojs_page
    _open_own_idea(page, live_server, make)
    page.set_input_files("#file", files=[_file("pond.png", picture(), "image/png")])
    page.get_by_role("button", name="Add photo").click()
    expect(page.get_by_role("link", name="Describe the photo for people who cannot see it")
           ).to_be_visible()
    assert_accessible(page)


def test_with_javascript_the_photo_is_previewed_and_can_be_removed_before_sending(
        js_page, live_server, make):
    page = js_page
    _open_own_idea(page, live_server, make)
    preview = page.locator("[data-photo-preview]")
    expect(preview).to_be_hidden()
    page.set_input_files("#file", files=[_file("first.png", picture(colour=(200, 0, 0)),
                                               "image/png")])
    expect(preview).to_be_visible()
    expect(preview.get_by_text("first.png")).to_be_visible()
    assert preview.locator("img").evaluate("img => img.src.startsWith('data:image/png')")
    assert_accessible(page)
    page.get_by_role("button", name="Remove photo").click()
    expect(preview).to_be_hidden()
    assert page.locator("#file").evaluate("input => input.files.length") == 0
    page.set_input_files("#file", files=[_file("second.jpg", phone_photo(), "image/jpeg")])
    expect(preview.get_by_text("second.jpg")).to_be_visible()
    page.get_by_label("Describe the photo for people who cannot see it").fill(ALT)
    page.get_by_role("button", name="Add photo").click()
    expect(page.get_by_role("img", name=ALT)).to_be_visible()
    assert_accessible(page)
