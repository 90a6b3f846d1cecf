"""Items known by content: reruns skip unchanged items and killed builds resume.

An item's fingerprint covers its key, its annotation slice, the bytes of its raw files (hashed
through `FileDigests`, so an untouched file is not read again), the spec's settings, the code that
turns items into records (`code_digest`) and the schema version. The shard writer keeps it in each
shard's state (a shard of unchanged items is kept, an unchanged item's records are copied); the
table writer names its parts by it.
"""

from __future__ import annotations

from pathlib import Path

from schemas.version import SCHEMA_VERSION
from tasks.fingerprint import sha256_file, sha256_json
from tasks.items import Item
from tasks.rawfiles import FileDigests


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
