"""Photos on the pages (plain multipart forms, no JavaScript needed), their moderation, what
erasing an account does to them, and the S3-compatible storage against a real S3 server."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from citizenideas.extensions import db
from citizenideas.models import AuditLog, Claim, Flag, Notification, Photo, ProgressUpdate, utcnow
from citizenideas.services import photos, privacy, reports
from citizenideas.storage import S3Storage
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from tests.photo_support import phone_photo, picture


@pytest.fixture(autouse=True)
def uploads(app, tmp_path) -> Path:
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["STORAGE_URL"] = ""
    return tmp_path / "uploads"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post_photo(client, idea, data: bytes, alt_text: str = "The overgrown alley", token=None):
    token = token or csrf_token(client, f"/ideas/{idea.id}")
    return client.post(f"/ideas/{idea.id}/photos", content_type="multipart/form-data",
                       data={"csrf_token": token, "alt_text": alt_text,
                             "file": (io.BytesIO(data), "IMG_0001.JPG", "image/jpeg")})


def add(user, idea, data=None, alt_text="A photo") -> Photo:
    photo = photos.add_idea_photo(user, idea, data=data or picture(), alt_text=alt_text)
    db.session.commit()
    return photo


def test_the_author_adds_a_photo_with_the_plain_form_and_the_page_shows_a_lazy_thumbnail(
        client, auth, make):
    author = make.user()
    idea = make.idea(author=author)
    auth.sign_in(author.email)
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "Describe the photo for people who cannot see it" in page
    response = post_photo(client, idea, phone_photo())
    assert response.status_code == 303
    photo = db.session.scalar(select(Photo))
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    img = re.search(r'<img src="/media/' + re.escape(photo.thumb_key) + r'"[^>]*>', html)
    assert img, "thumbnail not shown"
    tag = img.group(0)
    assert 'alt="The overgrown alley"' in tag and 'loading="lazy"' in tag
    assert f'width="{photo.thumb_width}"' in tag and f'height="{photo.thumb_height}"' in tag
    assert f'href="/media/{photo.storage_key}"' in html


def test_someone_else_is_not_offered_the_photo_form(client, auth, make):
    idea = make.idea()
    reader = make.user()
    auth.sign_in(reader.email)
    assert 'type="file"' not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert post_photo(client, idea, picture()).status_code == 403


def test_the_page_form_without_alt_text_shows_the_error_and_writes_nothing(
        client, auth, make, uploads):
    author = make.user()
    idea = make.idea(author=author)
    auth.sign_in(author.email)
    response = post_photo(client, idea, phone_photo(), alt_text="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#alt_text"' in html
    assert db.session.scalar(select(func.count(Photo.id))) == 0
    assert stored_files(uploads) == []


def test_a_renamed_text_file_is_refused_on_the_page(client, auth, make, uploads):
    author = make.user()
    idea = make.idea(author=author)
    auth.sign_in(author.email)
    response = post_photo(client, idea, b"not a photo at all" * 20)
    assert response.status_code == 422
    assert "must be a JPEG, PNG or WebP photo" in response.get_data(as_text=True)
    assert stored_files(uploads) == []


def test_an_expired_form_says_the_photo_could_not_be_kept(client, auth, make):
    author = make.user()
    idea = make.idea(author=author)
    auth.sign_in(author.email)
    response = post_photo(client, idea, picture(), token="expired")
    assert response.status_code == 400
    assert "Photos cannot be kept when a session ends" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_a_reported_photo_is_removed_when_the_report_is_upheld_and_the_uploader_told(
        client, auth, make):
    author, reporter, moderator = make.user(), make.user(), make.user(role="moderator")
    idea = make.idea(author=author)
    photo = add(author, idea, alt_text="My neighbour's car")
    auth.sign_in(reporter.email)
    response = client.post(f"/photos/{photo.id}/flag",
                           data={"csrf_token": csrf_token(client, f"/ideas/{idea.id}"),
                                 "reason": "It shows a number plate"})
    assert response.status_code == 303
    flag = db.session.scalar(select(Flag).where(Flag.target_type == "photo"))
    assert flag.target_id == photo.id and flag.idea_id == idea.id
    auth.sign_out()
    auth.sign_in(moderator.email)
    queue = client.get("/council/flags").get_data(as_text=True)
    assert f"About photo {photo.id}" in queue and photo.thumb_key in queue
    reports.resolve_reports_about(moderator, flag, "upheld",
                                  message="Photos must not show number plates.")
    db.session.commit()
    assert photo.removed_at is not None
    assert photo.removed_reason == "Photos must not show number plates."
    note = db.session.scalar(select(Notification).where(Notification.kind == "photo_removed"))
    assert note.user_id == author.id and "number plates" in note.body
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "photo.remove"))
    auth.sign_out()
    assert client.get(f"/media/{photo.storage_key}").status_code == 404
    assert photo.thumb_key not in client.get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_a_moderator_removes_a_photo_from_the_idea_page_with_a_reason(client, auth, make):
    author, moderator = make.user(), make.user(role="moderator")
    idea = make.idea(author=author)
    photo = add(author, idea)
    auth.sign_in(moderator.email)
    token = csrf_token(client, f"/ideas/{idea.id}")
    refused = client.post(f"/photos/{photo.id}/remove",
                          data={"csrf_token": token, f"remove-{photo.id}": ""})
    assert refused.status_code == 422
    assert photo.removed_at is None
    done = client.post(f"/photos/{photo.id}/remove",
                       data={"csrf_token": token, "reason": "Not of this place"})
    assert done.status_code == 303
    assert photo.removed_reason == "Not of this place"
    # Staff still see it, marked as removed.
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert photo.thumb_key in html and "Removed" in html


def test_a_resident_cannot_remove_someone_elses_photo(client, auth, make):
    author, other = make.user(), make.user()
    idea = make.idea(author=author)
    photo = add(author, idea)
    auth.sign_in(other.email)
    token = csrf_token(client, f"/ideas/{idea.id}")
    assert client.post(f"/photos/{photo.id}/remove",
                       data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert client.post(f"/photos/{photo.id}/delete",
                       data={"csrf_token": token}).status_code == 403
    assert photo.removed_at is None


def test_the_export_lists_photos_and_erasure_deletes_them_files_and_all(make, uploads):
    author = make.user()
    idea = make.idea(author=author)
    photo = add(author, idea, data=phone_photo(), alt_text="Our street")
    neighbour = make.user()
    other = add(neighbour, make.idea(author=neighbour), data=picture(colour=(5, 5, 5)))
    exported = privacy.export_my_data(author)
    assert [p["alt_text"] for p in exported["photos"]] == ["Our street"]
    assert exported["photos"][0]["storage_key"] == photo.storage_key
    assert len(stored_files(uploads)) == 4
    privacy.erase_account(author, password=PASSWORD)
    db.session.commit()
    assert db.session.scalars(select(Photo.id)).all() == [other.id]
    left = {str(p.relative_to(uploads)) for p in stored_files(uploads)}
    assert left == {other.storage_key, other.thumb_key}


def test_a_partner_adds_a_photo_with_a_progress_update(client, auth, make):
    partner, moderator = make.user(), make.user(role="moderator")
    org = make.organisation(members=[(partner, "manager")])
    idea = make.idea(status="in_delivery")
    db.session.add(Claim(idea_id=idea.id, organisation_id=org.id, created_by_id=partner.id,
                         plan="We will do it.", status="approved", decided_at=utcnow(),
                         decided_by_id=moderator.id))
    db.session.commit()
    auth.sign_in(partner.email)
    path = f"/partners/ideas/{idea.id}/progress"
    form = client.get(path).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    response = client.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, path), "organisation_id": str(org.id),
        "body": "The first bed is planted.", "alt_text": "A raised bed with leeks",
        "file": (io.BytesIO(picture()), "bed.png", "image/png")})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    update = db.session.scalar(select(ProgressUpdate))
    photo = db.session.scalar(select(Photo))
    assert photo.progress_update_id == update.id
    assert photo.thumb_key in client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    # A bad photo refuses the whole update: nothing half-posted.
    refused = client.post(path, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, path), "organisation_id": str(org.id),
        "body": "Second update.", "alt_text": "",
        "file": (io.BytesIO(picture()), "bed.png", "image/png")})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(ProgressUpdate.id))) == 1


# ------------------------------------------------------------------ S3-compatible storage

@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible server (moto) on loopback, for this module's S3 tests."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(app, s3_server):
    bucket = f"photos-{uuid.uuid4().hex[:12]}"  # a bucket of its own for each test
    settings = {"STORAGE_URL": f"s3://{bucket}/site-a", "S3_ENDPOINT_URL": s3_server,
                "S3_REGION": "eu-west-2", "S3_ACCESS_KEY_ID": "testing",
                "S3_SECRET_ACCESS_KEY": "testing"}
    app.config.update(settings)
    store = photos.photo_storage()
    store.client.create_bucket(Bucket=bucket, CreateBucketConfiguration={
        "LocationConstraint": "eu-west-2"})
    return store


def test_s3_storage_saves_reads_and_deletes_objects(s3_settings):
    store = s3_settings
    assert isinstance(store, S3Storage)
    key = "photos/ab/" + "ab" * 32 + ".jpg"
    assert not store.exists(key) and store.read(key) is None
    store.save(key, b"jpeg bytes", "image/jpeg")
    assert store.exists(key) and store.read(key) == b"jpeg bytes"
    head = store.client.head_object(Bucket=store.bucket, Key="site-a/" + key)
    assert head["ContentType"] == "image/jpeg"
    store.delete(key)
    assert not store.exists(key)


def test_photos_go_to_s3_and_are_served_from_it(client, make, s3_settings, uploads):
    author = make.user()
    idea = make.idea(author=author)
    photo = add(author, idea, data=phone_photo())
    assert stored_files(uploads) == []  # nothing on the local disk
    listed = s3_settings.client.list_objects_v2(Bucket=s3_settings.bucket)["Contents"]
    assert {o["Key"] for o in listed} == {"site-a/" + photo.storage_key,
                                          "site-a/" + photo.thumb_key}
    served = client.get(f"/media/{photo.storage_key}")
    assert served.status_code == 200 and served.data[:2] == b"\xff\xd8"
    photos.delete_photo(author, photo)
    db.session.commit()
    assert s3_settings.client.list_objects_v2(Bucket=s3_settings.bucket).get("KeyCount") == 0


# ------------------------------------------------------------------ proposing with a photo

DESCRIPTION = "A monthly repair cafe where neighbours fix each other's things for free."


def propose(client, make, *, data: bytes | None, alt_text: str = "Broken toasters on a table",
            **extra):
    fields = {"csrf_token": csrf_token(client, "/ideas/new"), "title": "Monthly repair cafe",
              "description": DESCRIPTION, "category_id": str(make.category().id),
              "ward_id": str(make.ward().id), "alt_text": alt_text, **extra}
    if data is not None:
        fields["file"] = (io.BytesIO(data), "cafe.jpg", "image/jpeg")
    return client.post("/ideas/new", data=fields, content_type="multipart/form-data")


def test_an_idea_is_proposed_with_a_photo(client, auth, make):
    from citizenideas.models import Idea

    author = make.user()
    auth.sign_in(author.email)
    assert 'enctype="multipart/form-data"' in client.get("/ideas/new").get_data(as_text=True)
    response = propose(client, make, data=phone_photo())
    assert response.status_code == 303
    idea = db.session.scalar(select(Idea))
    photo = db.session.scalar(select(Photo))
    assert photo.idea_id == idea.id and photo.uploader_id == author.id


def test_a_bad_photo_refuses_the_proposal_and_the_words_are_kept(client, auth, make, uploads):
    from citizenideas.models import Idea

    auth.sign_in(make.user().email)
    response = propose(client, make, data=phone_photo(), alt_text="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Describe the photo for people who cannot see it" in page
    assert "Monthly repair cafe" in page and "a form shown again cannot keep a file" in page
    assert db.session.scalar(select(func.count(Idea.id))) == 0
    assert stored_files(uploads) == []


def test_the_similar_ideas_step_asks_for_the_photo_again_and_stores_nothing_meanwhile(
        client, auth, make, uploads):
    make.idea(title="Repair cafe at the library")
    auth.sign_in(make.user().email)
    confirm = propose(client, make, data=phone_photo())
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Similar ideas already exist" in page
    assert 'type="file"' in page and "Choose it again" in page
    assert 'value="Broken toasters on a table"' in page
    assert stored_files(uploads) == [] and db.session.scalar(select(func.count(Photo.id))) == 0


def test_a_photo_over_upload_max_mb_gets_a_clear_413_page(app, client, auth, make, uploads):
    app.config["UPLOAD_MAX_MB"] = 1
    author = make.user()
    idea = make.idea(author=author)
    auth.sign_in(author.email)
    response = post_photo(client, idea, b"\xff" * (1024 * 1024 + 100))
    assert response.status_code == 413
    assert "smaller than 1 MB" in response.get_data(as_text=True)
    assert stored_files(uploads) == []


def test_showing_an_idea_with_photos_writes_nothing(client, make):
    from citizenideas.services.idea_page import idea_page

    author = make.user()
    idea = make.idea(author=author)
    add(author, idea)
    db.session.expire_all()
    page = idea_page(None, db.session.get(type(idea), idea.id))
    assert len(page.photos) == 1
    assert not db.session.dirty and not db.session.new


def test_a_photo_whose_transaction_is_rolled_back_leaves_no_file_behind(make, uploads):
    author = make.user()
    idea = make.idea(author=author)
    photos.add_idea_photo(author, idea, data=phone_photo(), alt_text="Our street")
    assert len(stored_files(uploads)) == 2  # stored before the row is written
    db.session.rollback()  # the commit never happens (a database outage, a later error)
    assert stored_files(uploads) == []
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_rolling_back_a_second_copy_keeps_the_file_a_saved_photo_uses(make, uploads):
    author = make.user()
    idea = make.idea(author=author)
    kept = add(author, idea, data=phone_photo(), alt_text="Our street")
    other = make.idea(author=author)
    photos.add_idea_photo(author, other, data=phone_photo(), alt_text="The same picture")
    db.session.rollback()
    left = {str(p.relative_to(uploads)) for p in stored_files(uploads)}
    assert left == {kept.storage_key, kept.thumb_key}
