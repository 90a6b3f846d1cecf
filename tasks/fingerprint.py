"""Content fingerprints: what makes a build incremental and its manifests meaningful."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def fingerprint_files(paths: Iterable[str | Path], root: str | Path | None = None) -> str:
    """One digest over (relative path, content digest) pairs, in sorted order."""
    root = Path(root) if root is not None else None
    entries = []
    for path in paths:
        path = Path(path)
        name = path.relative_to(root).as_posix() if root is not None else path.as_posix()
        entries.append((name, sha256_file(path)))
    return sha256_json(sorted(entries))


def stat_key(path: str | Path) -> tuple[int, int]:
    """(size, mtime_ns): a cheap first check before hashing a large raw file again."""
    st = Path(path).stat()
    return st.st_size, st.st_mtime_ns


def fingerprint_tree(root: str | Path, cache: dict[str, list] | None = None) -> tuple[str, dict[str, list]]:
    """A digest of every file under `root` (relative paths and contents).

    `cache` maps a relative path to [size, mtime_ns, sha256] from an earlier call: a file whose size
    and mtime are unchanged is not hashed again. Returns the digest and the updated cache."""
    root = Path(root)
    cache = dict(cache or {})
    fresh: dict[str, list] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        size, mtime = stat_key(path)
        known = cache.get(name)
        digest = known[2] if known and known[0] == size and known[1] == mtime else sha256_file(path)
        fresh[name] = [size, mtime, digest]
    return sha256_json(sorted((name, entry[2]) for name, entry in fresh.items())), fresh
