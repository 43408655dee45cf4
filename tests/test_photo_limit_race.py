"""Six uploads to one idea at the same moment: exactly three photos are kept and the others
are refused with the limit's message, on SQLite and PostgreSQL alike (the idea is locked while
its photos are counted)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from citizenideas.database import run_with_retry
from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Idea, Photo, User
from citizenideas.services import photos
from tests.photo_support import picture


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["STORAGE_URL"] = ""


def test_six_uploads_at_once_keep_exactly_three_photos(app, make):
    author = make.user()
    idea = make.idea(author=author)
    author_id, idea_id = author.id, idea.id
    files = [picture(colour=(40 * n, 10, 10)) for n in range(6)]
    go = threading.Event()
    added, refused, errors = [], [], []
    lock = threading.Lock()

    def work(data: bytes) -> None:
        with app.app_context():
            try:
                go.wait(timeout=30)
                user = db.session.get(User, author_id)
                target = db.session.get(Idea, idea_id)
                photo = run_with_retry(lambda: photos.add_idea_photo(
                    user, target, data=data, alt_text="A corner of the green"))
                with lock:
                    added.append(photo.id)
            except ValidationFailed as exc:
                with lock:
                    refused.append(exc.errors.get("file", [""])[0])
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(data,)) for data in files]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(added) == 3 and len(refused) == 3
    assert all("up to 3 photos" in message for message in refused)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Photo.id)).where(Photo.idea_id == idea_id)) == 3
