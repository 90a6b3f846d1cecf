"""What one item gave, kept by content: reruns skip unchanged items and killed builds resume.

An item's fingerprint covers its key, its annotation slice, the bytes of its raw files (hashed
through `FileDigests`, so an untouched file is not read again), the spec's settings, the code that
turns items into records (`code_digest`) and the schema version. The shard writer stores an item's
encoded samples under it in `<out>/.cache/<split>/items/`, one file per item written under a
temporary name and renamed, so an entry exists whole or not; the table writer names its parts by it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Sequence

from schemas.version import SCHEMA_VERSION
from tasks import atomic
from tasks.fingerprint import sha256_bytes, sha256_file, sha256_json
from tasks.items import Item, SampleRef
from tasks.rawfiles import CACHE_DIR, FileDigests

_TAIL = 8


def cache_dir(out: Path, split: str) -> Path:
    """Where a split's item entries live (its shard states sit beside, in `shards/`)."""
    return Path(out) / CACHE_DIR / split / "items"


def code_digest(*modules: str | Path) -> str:
    """The source of what turns items into outputs (the reader, the writer's package, the
    schemas): a change there must redo the items, as DVC reruns the stage for it. Each argument is
    a module file or a package folder."""
    import schemas

    files: list[Path] = []
    for module in (*modules, Path(schemas.__file__).parent):
        path = Path(module)
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return sha256_json([(f.as_posix().rsplit("/", 2)[-2:], sha256_file(f)) for f in files])


def item_settings(settings_hash: str, reader_file: str | Path, writer_code: str | Path) -> str:
    """What besides its raw files an item's output depends on: the spec's settings and the code.
    Computed once per split (hashing the code is not per-item work)."""
    return f"{settings_hash}-{code_digest(reader_file, writer_code)}"


def item_fingerprint(digests: FileDigests, item: Item, settings: str) -> str:
    """Raises ItemError for a raw file that is missing or named outside the root."""
    files = [(name, digests.digest(name)) for name in item.files]
    return sha256_json({"key": item.key, "data": item.data, "files": files, "settings": settings, "schema": SCHEMA_VERSION})


def source_fingerprint(item: Item, digests: FileDigests) -> str:
    """The raw side alone (no settings, no code): what the manifest's source fingerprint covers."""
    return sha256_json({"key": item.key, "data": item.data, "files": [(n, digests.fresh[n][2]) for n in item.files]})


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
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    refs, offset = [], 0
    for key, record in zip(keys, records):
        refs.append(SampleRef(key, offset, len(record), sha256_bytes(record)))
        offset += len(record)
    index = json.dumps([r.__dict__ for r in refs]).encode()
    with atomic.atomic_open(path) as handle:
        handle.writelines([*records, index, len(index).to_bytes(_TAIL, "big")])
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
