"""Photos through the API: what is stored has no metadata and stands upright, what is not a
photo (or too big, or without a description) is refused with nothing written, and who may
add, see and delete a photo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import Claim, OutcomeReport, Photo, ProgressUpdate, utcnow
from tests.photo_support import TEXT_FILE, phone_photo, picture, png_declaring


@pytest.fixture(autouse=True)
def uploads(app, tmp_path) -> Path:
    """Each test stores its photos in its own directory."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["STORAGE_URL"] = ""
    return tmp_path / "uploads"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(api, idea, user, data: bytes, alt_text: str | None = "A bench by the pond",
           filename: str = "photo.jpg", content_type: str = "image/jpeg", path=None, **extra):
    form = {"file": (io.BytesIO(data), filename, content_type), **extra}
    if alt_text is not None:
        form["alt_text"] = alt_text
    return api.post(path or f"/ideas/{idea.id}/photos", user, json=None, data=form,
                    content_type="multipart/form-data")


def photo_count() -> int:
    return db.session.scalar(select(func.count(Photo.id)))


def test_the_served_photo_has_no_exif_no_gps_and_stands_upright(api, client, make, people):
    idea = make.idea(author=people.resident)
    response = upload(api, idea, people.resident, phone_photo())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["alt_text"] == "A bench by the pond"
    assert (body["width"], body["height"]) == (100, 200)  # turned as the camera said
    served = client.get(body["url"].replace("http://localhost", ""))
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    image = Image.open(io.BytesIO(served.data))
    exif = image.getexif()
    assert len(exif) == 0 and not exif.get_ifd(0x8825)
    assert "exif" not in image.info and "comment" not in image.info
    assert "icc_profile" not in image.info and "xmp" not in image.info
    assert b"SpyCam" not in served.data and b"Acacia" not in served.data
    assert image.size == (100, 200)
    top, bottom = image.getpixel((50, 10)), image.getpixel((50, 190))
    assert top[0] > 200 and top[2] < 60  # red on top
    assert bottom[2] > 200 and bottom[0] < 60  # blue below
    thumb = client.get(body["thumbnail_url"].replace("http://localhost", ""))
    assert thumb.status_code == 200 and len(Image.open(io.BytesIO(thumb.data)).getexif()) == 0


def test_large_photos_are_scaled_to_2000_pixels_with_a_480_pixel_thumbnail(api, make, people):
    idea = make.idea(author=people.resident)
    body = upload(api, idea, people.resident, picture("PNG", (3000, 1500))).get_json()
    assert (body["width"], body["height"]) == (2000, 1000)
    photo = db.session.get(Photo, body["id"])
    assert (photo.thumb_width, photo.thumb_height) == (480, 240)
    assert photo.storage_key == f"photos/{photo.content_hash[:2]}/{photo.content_hash}.jpg"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_photos_are_taken(api, make, people, fmt):
    idea = make.idea(author=people.resident)
    response = upload(api, idea, people.resident, picture(fmt), filename="x.bin",
                      content_type="application/octet-stream")
    assert response.status_code == 201


@pytest.mark.parametrize("data, why", [
    (TEXT_FILE, "text"),
    (b"GIF89a" + b"\x00" * 64, "gif header"),
    (picture("GIF"), "a real GIF"),
    (phone_photo()[:400], "a truncated JPEG"),
    (b"", "empty"),
])
def test_anything_but_a_jpeg_png_or_webp_is_refused_whatever_its_name(
        api, make, people, uploads, data, why):
    idea = make.idea(author=people.resident)
    response = upload(api, idea, people.resident, data, filename="holiday.jpg",
                      content_type="image/jpeg")
    assert response.status_code == 422, why
    assert "file" in response.get_json()["errors"]
    assert photo_count() == 0 and stored_files(uploads) == []


@pytest.mark.parametrize("width, height", [(50_000, 50_000), (8000, 6000)])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(api, make, people, uploads,
                                                              width, height):
    idea = make.idea(author=people.resident)
    response = upload(api, idea, people.resident, png_declaring(width, height),
                      filename="bomb.png", content_type="image/png")
    assert response.status_code == 422
    assert "40 megapixels" in response.get_json()["errors"]["file"][0]
    assert photo_count() == 0 and stored_files(uploads) == []


def test_a_file_over_upload_max_mb_is_refused_with_413(app, api, make, people, uploads):
    app.config["UPLOAD_MAX_MB"] = 1
    idea = make.idea(author=people.resident)
    whole_body_too_big = upload(api, idea, people.resident, b"\xff" * (2 * 1024 * 1024))
    assert whole_body_too_big.status_code == 413
    assert whole_body_too_big.content_type == "application/problem+json"
    just_over = upload(api, idea, people.resident, b"\xff" * (1024 * 1024 + 10))
    assert just_over.status_code == 413
    assert "1 MB" in just_over.get_json()["detail"]
    assert photo_count() == 0 and stored_files(uploads) == []


@pytest.mark.parametrize("alt_text, message", [
    (None, "Describe the photo for people who cannot see it"),
    ("   ", "Describe the photo for people who cannot see it"),
    ("x" * 251, "250 characters or fewer"),
])
def test_missing_or_too_long_alt_text_is_refused_with_nothing_written(
        api, make, people, uploads, alt_text, message):
    idea = make.idea(author=people.resident)
    response = upload(api, idea, people.resident, phone_photo(), alt_text=alt_text)
    assert response.status_code == 422
    assert message in response.get_json()["errors"]["alt_text"][0]
    assert photo_count() == 0 and stored_files(uploads) == []


def test_an_idea_takes_at_most_three_photos(api, make, people):
    idea = make.idea(author=people.resident)
    for n in range(3):
        assert upload(api, idea, people.resident,
                      picture(colour=(n * 40, 0, 0))).status_code == 201
    fourth = upload(api, idea, people.resident, picture(colour=(0, 0, 200)))
    assert fourth.status_code == 422
    assert "up to 3 photos" in fourth.get_json()["errors"]["file"][0]
    assert photo_count() == 3


def test_only_the_author_adds_photos_to_an_idea(api, make, people):
    idea = make.idea(author=people.resident)
    assert upload(api, idea, people.partner, picture()).status_code == 403
    assert upload(api, idea, None, picture()).status_code == 401
    assert photo_count() == 0


def test_a_hidden_ideas_photos_answer_404_to_the_public_but_not_to_staff(
        api, client, auth, make, people):
    idea = make.idea(author=people.resident)
    body = upload(api, idea, people.resident, picture()).get_json()
    path = body["url"].replace("http://localhost", "")
    assert client.get(path).status_code == 200
    idea.hidden, idea.hidden_reason = True, "Abuse"
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.get(body["thumbnail_url"].replace("http://localhost", "")).status_code == 404
    auth.sign_in(people.moderator.email)
    staff_view = client.get(path)
    assert staff_view.status_code == 200
    assert staff_view.headers["Cache-Control"] == "private, no-store"


def test_media_answers_404_for_keys_that_are_not_photos(client):
    for path in ("/media/../instance/secret_key", "/media/photos/ab/nothing.jpg",
                 "/media/photos/" + "a" * 2 + "/" + "a" * 64 + ".jpg"):
        assert client.get(path).status_code == 404


def test_the_uploader_or_a_moderator_deletes_a_photo_and_no_one_else(api, make, people, uploads):
    idea = make.idea(author=people.resident)
    first = upload(api, idea, people.resident, picture(colour=(1, 2, 3))).get_json()
    second = upload(api, idea, people.resident, picture(colour=(200, 2, 3))).get_json()
    assert len(stored_files(uploads)) == 4
    assert api.delete(f"/photos/{first['id']}", people.partner).status_code == 403
    assert api.delete(f"/photos/{first['id']}", None).status_code == 401
    assert api.delete(f"/photos/{first['id']}", people.resident).status_code == 204
    assert api.delete(f"/photos/{second['id']}", people.moderator).status_code == 204
    assert photo_count() == 0 and stored_files(uploads) == []
    assert api.delete(f"/photos/{first['id']}", people.resident).status_code == 404


def test_the_same_picture_twice_is_stored_once_and_kept_while_used(api, make, people, uploads):
    one, two = make.idea(author=people.resident), make.idea(author=people.resident)
    a = upload(api, one, people.resident, phone_photo()).get_json()
    upload(api, two, people.resident, phone_photo())
    assert len(stored_files(uploads)) == 2
    api.delete(f"/photos/{a['id']}", people.resident)
    assert len(stored_files(uploads)) == 2  # still the other idea's photo


def _delivering(make, people):
    idea = make.idea(status="in_delivery")
    db.session.add(Claim(idea_id=idea.id, organisation_id=people.org.id,
                         created_by_id=people.partner.id, plan="We will do it.",
                         status="approved", decided_at=utcnow(),
                         decided_by_id=people.moderator.id))
    db.session.commit()
    return idea


def test_a_partner_adds_photos_to_a_progress_update_and_before_after_to_the_outcome(
        api, make, people):
    idea = _delivering(make, people)
    update = ProgressUpdate(idea_id=idea.id, organisation_id=people.org.id,
                            author_id=people.partner.id, body="We cleared the pond.")
    report = OutcomeReport(idea_id=idea.id, organisation_id=people.org.id,
                           author_id=people.partner.id)
    db.session.add_all([update, report])
    db.session.commit()
    on_update = upload(api, idea, people.partner, picture(),
                       path=f"/ideas/{idea.id}/updates/{update.id}/photos")
    assert on_update.status_code == 201, on_update.get_json()
    assert db.session.get(Photo, on_update.get_json()["id"]).progress_update_id == update.id
    assert upload(api, idea, people.other_partner, picture(),
                  path=f"/ideas/{idea.id}/updates/{update.id}/photos").status_code == 403
    before = upload(api, idea, people.partner, picture(colour=(9, 9, 9)),
                    path=f"/ideas/{idea.id}/outcome/photos", label="before")
    assert before.status_code == 201 and before.get_json()["label"] == "before"
    wrong = upload(api, idea, people.partner, picture(colour=(8, 9, 9)),
                   path=f"/ideas/{idea.id}/outcome/photos", label="during")
    assert wrong.status_code == 422 and "label" in wrong.get_json()["errors"]
    report.state = "published"
    db.session.commit()
    assert upload(api, idea, people.partner, picture(colour=(7, 9, 9)),
                  path=f"/ideas/{idea.id}/outcome/photos").status_code == 403


def test_an_unpublished_outcomes_photos_are_not_public(api, client, make, people):
    idea = _delivering(make, people)
    report = OutcomeReport(idea_id=idea.id, author_id=people.partner.id)
    db.session.add(report)
    db.session.commit()
    body = upload(api, idea, people.partner, picture(),
                  path=f"/ideas/{idea.id}/outcome/photos", label="after").get_json()
    path = body["url"].replace("http://localhost", "")
    assert client.get(path).status_code == 404
    assert api.get(f"/ideas/{idea.id}/photos").get_json()["items"] == []
    report.state = "published"
    db.session.commit()
    assert client.get(path).status_code == 200
    assert [p["id"] for p in api.get(f"/ideas/{idea.id}/photos").get_json()["items"]] == [
        body["id"]]


def test_the_openapi_document_describes_the_multipart_uploads(api):
    document = api.get("/openapi.json").get_json()
    for path in ("/api/v1/ideas/{idea_id}/photos",
                 "/api/v1/ideas/{idea_id}/updates/{update_id}/photos",
                 "/api/v1/ideas/{idea_id}/outcome/photos"):
        body = document["paths"][path]["post"]["requestBody"]
        schema = body["content"]["multipart/form-data"]["schema"]
        assert schema["required"] == ["file", "alt_text"]
        assert schema["properties"]["file"]["format"] == "binary"
        assert schema["properties"]["alt_text"]["maxLength"] == 250
        assert "413" in document["paths"][path]["post"]["responses"]
    assert "204" in document["paths"]["/api/v1/photos/{photo_id}"]["delete"]["responses"]


def test_photo_uploads_are_rate_limited_like_other_writes(app, api, make, people,
                                                          rate_limited):
    app.config["RATELIMIT_PHOTO"] = "2 per hour"
    idea = make.idea(author=people.resident)
    codes = [upload(api, idea, people.resident, picture(colour=(n, 0, 0))).status_code
             for n in range(3)]
    assert codes == [201, 201, 429]


def test_a_photo_is_reported_through_the_api_once_per_person(api, make, people):
    idea = make.idea(author=people.resident)
    body = upload(api, idea, people.resident, picture()).get_json()
    first = api.post(f"/photos/{body['id']}/flags", people.partner,
                     json={"reason": "It shows a child's face"})
    assert first.status_code == 201
    assert first.get_json()["target_type"] == "photo"
    again = api.post(f"/photos/{body['id']}/flags", people.partner, json={"reason": "Again"})
    assert again.get_json()["id"] == first.get_json()["id"]
    assert api.post(f"/photos/{body['id']}/flags", people.partner,
                    json={"reason": ""}).status_code == 422
    idea.hidden = True
    db.session.commit()
    assert api.post(f"/photos/{body['id']}/flags", people.partner,
                    json={"reason": "x"}).status_code == 404
