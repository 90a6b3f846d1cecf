"""Deterministic tar records: the same sample always encodes to the same bytes.

Every member gets mtime 0, uid/gid 0, empty owner names and mode 0644, and a sample's members are
written in sorted order, so a rebuild from the same inputs is byte-identical. Headers are plain
ustar: webdataset, wids (which parses headers itself) and every tar tool read them.
"""

from __future__ import annotations

import hashlib
import queue
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import orjson

from schemas.shards import KEY_PATTERN
from tasks import atomic

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE
MAX_NAME = 100  # ustar's name field; wids reads no longer-name extensions


class SampleError(ValueError):
    """A sample that cannot become tar members (bad key, member name or value)."""


def member_header(name: str, size: int) -> bytes:
    """The ustar header tarfile writes for a regular file with our fixed metadata, byte for byte
    (tests compare the two), built directly: tarfile's TarInfo path cost a tenth of an item."""
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME:
        raise SampleError(f"member name {name!r} is longer than {MAX_NAME} bytes (ustar limit)")
    if not 0 <= size < 8 ** 11:
        raise SampleError(f"member {name!r} has {size} bytes; ustar holds at most {8 ** 11 - 1}")
    header = bytearray(_HEADER_TEMPLATE)
    header[0:len(encoded)] = encoded
    header[124:136] = b"%011o\0" % size
    header[148:155] = b"%06o\0" % sum(header)
    return bytes(header)


def _template() -> bytes:
    """Every field but the name, the size and the checksum (eight spaces while it is summed);
    owner names, link name, device numbers and prefix stay NUL, as tarfile leaves them."""
    header = bytearray(BLOCK)
    header[100:108] = b"0000644\0"  # mode
    header[108:116] = header[116:124] = b"0000000\0"  # uid, gid
    header[136:148] = b"00000000000\0"  # mtime
    header[148:156] = b" " * 8  # checksum
    header[156:157] = tarfile.REGTYPE
    header[257:265] = tarfile.POSIX_MAGIC
    return bytes(header)


_HEADER_TEMPLATE = _template()


def _padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def json_member(value: Any) -> bytes:
    """A json member: keys sorted, compact, so the same data always gives the same bytes (orjson:
    an order of magnitude faster than json.dumps; it writes NaN as null, so readers refuse
    non-finite numbers before they get here)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def encode_sample(sample: Mapping[str, object]) -> bytes:
    """One sample (`__key__` plus extension -> bytes) as consecutive tar records, members sorted."""
    return b"".join(sample_parts(sample))


def sample_parts(sample: Mapping[str, object]) -> list[bytes]:
    """`encode_sample` as a list of headers, data and padding, so large members are not copied."""
    key = sample.get("__key__")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SampleError(f"sample key {key!r} must match {KEY_PATTERN.pattern} (no dots: they split key and extension)")
    parts = []
    for ext in sorted(k for k in sample if not k.startswith("__")):
        value = sample[ext]
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise SampleError(f"sample {key} member {ext!r} is {type(value).__name__}, expected bytes")
        if "/" in ext or not ext:
            raise SampleError(f"sample {key} member {ext!r} is not a plain extension")
        data = bytes(value)
        parts += [member_header(f"{key}.{ext}", len(data)), data, _padding(len(data))]
    if not parts:
        raise SampleError(f"sample {key} has no members")
    return parts


def end_of_archive(size: int) -> bytes:
    """Two zero blocks, then zeros up to a whole record, as tarfile writes on close."""
    size += 2 * BLOCK
    return b"\0" * (2 * BLOCK + (-size % RECORD))


class BackgroundDigest:
    """sha256 computed on a second thread while the caller writes: hashlib drops the GIL for large
    buffers, so hashing overlaps the writes instead of adding to them."""

    def __init__(self, depth: int = 64) -> None:
        self._digest = hashlib.sha256()
        self._queue: queue.Queue[Sequence[bytes] | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="shard-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunks := self._queue.get()) is not None:
            for chunk in chunks:
                self._digest.update(chunk)

    def update(self, *chunks: bytes) -> None:
        self._queue.put(chunks)

    def hexdigest(self) -> str:
        self._queue.put(None)
        self._thread.join()
        return self._digest.hexdigest()


@dataclass(frozen=True)
class WrittenShard:
    path: Path
    samples: int
    bytes: int
    sha256: str


def write_shard(path: Path, records: Iterable[bytes]) -> WrittenShard:
    """Write encoded samples as one tar under a temporary name, then rename it into place.

    A reader (or a rerun after a crash) never sees a half-written shard under its final name.
    """
    path = Path(path)
    digest = BackgroundDigest()
    size = count = 0
    try:
        with atomic.atomic_open(path) as handle:
            for record in records:
                handle.write(record)
                digest.update(record)
                size += len(record)
                count += 1
            tail = end_of_archive(size)
            handle.write(tail)
            digest.update(tail)
            size += len(tail)
    finally:
        sha256 = digest.hexdigest()
    return WrittenShard(path, count, size, sha256)
