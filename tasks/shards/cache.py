"""Per-item results kept by content, so reruns skip unchanged items and killed builds resume.

An item's fingerprint covers its key, its annotation slice, the bytes of its source files, the
reader settings and the schema version. Its encoded samples are stored under that fingerprint in
`<out>/.cache/<split>/items/`, one file per item written under a temporary name and renamed, so
an entry either exists whole or not.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Sequence

from schemas.version import SCHEMA_VERSION
from tasks.fingerprint import sha256_bytes, sha256_file, sha256_json
from tasks.shards.item import Item, ItemError, SampleRef

CACHE_DIR = ".cache"
_TAIL = 8


def cache_dir(out: Path, split: str) -> Path:
    """Where a split's item entries live (its shard states sit beside, in `shards/`)."""
    return Path(out) / CACHE_DIR / split / "items"


def code_digest(reader_file: str | Path) -> str:
    """The source of what turns an item into records (its reader, the shard package, the schemas):
    a change there must redo the items, as DVC reruns the stage for it."""
    import schemas
    import tasks.shards

    files = [Path(reader_file), Path(reader_file).with_name("options.py")]
    for package in (tasks.shards, schemas):
        files += sorted(Path(package.__file__).parent.glob("*.py"))
    return sha256_json([(f.name, sha256_file(f)) for f in files])


def item_fingerprint(root: Path, item: Item, settings: str) -> str:
    files = []
    for name in item.files:
        path = Path(root) / name
        if not path.is_file():
            raise ItemError(name, "file not found")
        files.append((name, sha256_file(path)))
    return sha256_json({"key": item.key, "data": item.data, "files": files, "settings": settings, "schema": SCHEMA_VERSION})


def _path(folder: Path, fingerprint: str) -> Path:
    return Path(folder) / fingerprint[:2] / f"{fingerprint}.rec"


def lookup(folder: Path, fingerprint: str) -> tuple[SampleRef, ...] | None:
    """The samples of a complete entry, or None. An entry is the records, then their index as JSON,
    then the index's length in 8 bytes; it is written under a temporary name and renamed."""
    path = _path(folder, fingerprint)
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(size - _TAIL)
            length = int.from_bytes(handle.read(_TAIL), "big")
            handle.seek(size - _TAIL - length)
            refs = tuple(SampleRef(**entry) for entry in json.loads(handle.read(length)))
    except (OSError, ValueError, TypeError):
        return None
    end = max((r.offset + r.size for r in refs), default=0)
    return refs if end == size - _TAIL - length else None


def store(folder: Path, fingerprint: str, keys: Sequence[str], records: Sequence[bytes]) -> tuple[SampleRef, ...]:
    path = _path(folder, fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    refs, offset = [], 0
    for key, record in zip(keys, records):
        refs.append(SampleRef(key, offset, len(record), sha256_bytes(record)))
        offset += len(record)
    index = json.dumps([r.__dict__ for r in refs]).encode()
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "wb") as handle:
        handle.writelines([*records, index, len(index).to_bytes(_TAIL, "big")])
    os.replace(tmp, path)
    return tuple(refs)


def read_records(folder: Path, wanted: Iterable[tuple[str, SampleRef]]) -> Iterable[bytes]:
    """The encoded bytes of (fingerprint, sample) pairs, in the order given."""
    for fingerprint, ref in wanted:
        with open(_path(folder, fingerprint), "rb") as handle:
            handle.seek(ref.offset)
            record = handle.read(ref.size)
        if len(record) != ref.size:
            raise OSError(f"item cache entry {fingerprint} is shorter than its index says")
        yield record


def prune(folder: Path, keep: set[str]) -> int:
    """Remove entries no current item refers to (and leftovers of killed writes)."""
    removed = 0
    if not Path(folder).is_dir():
        return 0
    for path in sorted(Path(folder).glob("*/*")):
        stem = path.name.lstrip(".").split(".")[0]
        if path.name.startswith(".") or stem not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
