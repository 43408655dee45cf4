"""Six uploads to one idea at the same moment: exactly three photos are kept and the others
are refused with the limit's message, on SQLite and PostgreSQL alike (the idea is locked while
its photos are counted)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citizenideas.errors import ValidationFailed
from citizenideas.extensions import db
from citizenideas.models import Idea, Photo, User
from citizenideas.services import photos
from tests.concurrency import race
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

    def uploading(data: bytes):
        user = db.session.get(User, author_id)
        target = db.session.get(Idea, idea_id)
        return lambda: photos.add_idea_photo(user, target, data=data,
                                             alt_text="A corner of the green").id

    added, refusals, errors = race(app, [lambda data=data: uploading(data) for data in files])
    refused = [exc.errors.get("file", [""])[0] for exc in refusals
               if isinstance(exc, ValidationFailed)]
    errors += [repr(exc) for exc in refusals if not isinstance(exc, ValidationFailed)]
    assert errors == []
    assert len(added) == 3 and len(refused) == 3
    assert all("up to 3 photos" in message for message in refused)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Photo.id)).where(Photo.idea_id == idea_id)) == 3
