"""Where uploaded files live: a small interface with two backends, chosen by configuration.

- ``LocalStorage``: files under ``UPLOAD_DIR`` (default ``instance/uploads``), for one host.
- ``S3Storage``: an S3-compatible bucket (``STORAGE_URL=s3://bucket/prefix``, with
  ``S3_ENDPOINT_URL``, ``S3_REGION``, ``S3_ACCESS_KEY_ID`` and ``S3_SECRET_ACCESS_KEY``), so
  several app hosts share the files.

Keys are plain relative names made by the app (``photos/ab/abcdef....jpg``); a key from a URL
is checked against ``KEY_PATTERN`` before any backend sees it. The app always serves the files
itself (``/media/<key>``), so whether a file may be shown is decided in one place.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from flask import current_app

from .config import INSTANCE_DIR

KEY_PATTERN = re.compile(r"^[a-z]+/[0-9a-f]{2}/[0-9a-f]{64}(-thumb)?\.(jpg|webp)$")


class Storage(Protocol):
    """What the photo service needs from a place to keep files."""

    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key or ""))


class LocalStorage:
    """Files in a directory on this host. Written to a temporary file then renamed, so a
    reader never sees half a file."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not valid_key(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage ...) through boto3."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None)

    def _name(self, key: str) -> str:
        if not valid_key(key):
            raise ValueError(f"not a storage key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                               ContentType=content_type)

    def read(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def storage_from_config(config) -> Storage:
    """The backend the settings choose: S3 when ``STORAGE_URL`` is ``s3://...``, else the
    local directory ``UPLOAD_DIR``."""
    url = (config.get("STORAGE_URL") or "").strip()
    if url:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError("STORAGE_URL must look like s3://bucket/prefix (or be empty).")
        return S3Storage(parsed.netloc, parsed.path, endpoint_url=config.get("S3_ENDPOINT_URL"),
                         region=config.get("S3_REGION"),
                         access_key_id=config.get("S3_ACCESS_KEY_ID"),
                         secret_access_key=config.get("S3_SECRET_ACCESS_KEY"))
    return LocalStorage(config.get("UPLOAD_DIR") or INSTANCE_DIR / "uploads")


def photo_storage() -> Storage:
    """The current app's storage backend (made afresh if the settings changed in a test)."""
    app = current_app
    found = app.extensions.get("photo_storage")
    signature = tuple(app.config.get(k) for k in ("STORAGE_URL", "UPLOAD_DIR", "S3_ENDPOINT_URL"))
    if found is None or app.extensions.get("photo_storage_signature") != signature:
        found = storage_from_config(app.config)
        app.extensions["photo_storage"] = found
        app.extensions["photo_storage_signature"] = signature
    return found
