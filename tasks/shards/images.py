"""Reading source images with errors that say which file and what is wrong with it."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from tasks.items import ItemError
from tasks.rawfiles import raw_path

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def read_bytes(root: Path, name: str) -> bytes:
    path = raw_path(root, name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ItemError(name, "file not found") from None
    except OSError as err:
        raise ItemError(name, f"cannot be read: {err.strerror or err}") from None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the frame header, or None when there is none."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in _SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    return None


def check_jpeg(data: bytes, name: str, width: int | None = None, height: int | None = None) -> None:
    """A whole, decodable JPEG of the annotated size (the bytes are kept as they are)."""
    if not data.startswith(b"\xff\xd8"):
        raise ItemError(name, "is not a JPEG (no start-of-image marker)")
    if b"\xff\xd9" not in data[-4096:]:
        raise ItemError(name, "is a truncated JPEG (no end-of-image marker)")
    size = jpeg_size(data)
    if size is None:
        raise ItemError(name, "is a JPEG without a frame header")
    if width is not None and height is not None and size != (width, height):
        raise ItemError(name, f"is {size[0]}x{size[1]} pixels but annotated as {width}x{height}")
    if cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8) is None:
        raise ItemError(name, "does not decode as an image")


def decode(data: bytes, name: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ItemError(name, "does not decode as an image")
    return image


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()
