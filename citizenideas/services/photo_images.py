"""Turning an uploaded file into a photo we are willing to serve.

Every upload is decoded and encoded again with Pillow, so what we store holds only pixels:
the camera's orientation is applied first, then everything else the file carried (EXIF with
GPS position and camera maker, XMP, IPTC, comments, colour profiles) is left behind. The
picture is scaled to at most ``MAX_SIDE`` pixels on its long side, with a ``THUMB_SIDE``
thumbnail, both saved as JPEG under a name made from the picture's content hash.

What the file says about itself (its name, its declared type) is never trusted: only a file
Pillow decodes as JPEG, PNG or WebP is accepted, and its size in pixels is checked from the
header before the pixels are decoded (a small PNG can declare a picture of billions of pixels:
a decompression bomb).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ValidationFailed

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 2000
THUMB_SIDE = 480
JPEG_QUALITY = 85

# Pillow's own guard: past twice this it refuses to open at all (DecompressionBombError);
# between the two it warns, which ``decoded`` turns into a refusal too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class ProcessedPhoto:
    """The re-encoded picture and its thumbnail, ready to store."""

    content_hash: str
    data: bytes
    width: int
    height: int
    thumb: bytes
    thumb_width: int
    thumb_height: int
    content_type: str = "image/jpeg"
    extension: str = "jpg"

    @property
    def storage_key(self) -> str:
        return f"photos/{self.content_hash[:2]}/{self.content_hash}.{self.extension}"

    @property
    def thumb_key(self) -> str:
        return f"photos/{self.content_hash[:2]}/{self.content_hash}-thumb.{self.extension}"


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"file": [message]})


def not_an_image() -> ValidationFailed:
    return _refuse(_("The selected file must be a JPEG, PNG or WebP photo."))


def too_many_pixels() -> ValidationFailed:
    return _refuse(_("The photo is too big: it must be 40 megapixels or fewer. Make it "
                     "smaller, then try again."))


def decoded(data: bytes) -> Image.Image:
    """The picture in ``data``, fully decoded, or ValidationFailed (field ``file``)."""
    if not data:
        raise _refuse(_("Select a photo."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image()
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise too_many_pixels()
                probe.verify()  # the whole file is well formed (checksums, truncation)
            image = Image.open(io.BytesIO(data))  # verify() leaves the image unusable
            image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image() from None
    if image.format not in ACCEPTED_FORMATS:
        raise not_an_image()
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """An upright RGB copy with no metadata: orientation applied, transparency on white."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)  # a new image: no info, no EXIF, no ICC profile, no XMP carried over
    return clean


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(data: bytes) -> ProcessedPhoto:
    """Decode ``data``, refuse what is not a photo we take, and encode it again."""
    image = _pixels_only(decoded(data))
    full = image.copy()
    full.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    encoded = _jpeg(full)
    return ProcessedPhoto(content_hash=hashlib.sha256(encoded).hexdigest(), data=encoded,
                          width=full.width, height=full.height, thumb=_jpeg(thumb),
                          thumb_width=thumb.width, thumb_height=thumb.height)
