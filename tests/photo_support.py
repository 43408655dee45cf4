"""Pictures made in the tests: a phone photo with GPS position and orientation, plain PNGs and
WebPs, a decompression bomb, and things that only pretend to be pictures."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

RED, BLUE = (255, 0, 0), (0, 0, 255)


def phone_photo(width: int = 200, height: int = 100) -> bytes:
    """A JPEG as a phone writes it: sideways pixels with orientation 6 (turn 90° clockwise to
    show), the camera's maker, a GPS position and a comment. Left half red, right half blue:
    shown upright, red is on top."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at 12 Acacia Avenue")
    return out.getvalue()


def picture(fmt: str = "PNG", size: tuple[int, int] = (64, 48), colour=(0, 128, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares ``width`` x ``height`` pixels (a bomb, when that
    is billions): a few hundred bytes that would need gigabytes to decode."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows)
            + _chunk(b"IEND", b""))


TEXT_FILE = b"This is not a photo, whatever its name says.\n" * 10
