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
