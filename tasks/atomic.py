"""Files and folders that appear whole or not at all: written under a temporary name, then renamed.

Every writer of the project goes through here, so a temporary has one shape (`.<name>.tmp`, a
dot-file beside its target) and the next run of a build can find and remove what a killed one
left (`clean_temporaries`).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

SUFFIX = ".tmp"


def temporary_name(path: str | Path) -> Path:
    """The one temporary name of `path`: hidden, beside it, so a rename is atomic."""
    path = Path(path)
    return path.with_name(f".{path.name}{SUFFIX}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields the temporary path to write (a file or a folder); on success it replaces `path`,
    on an exception it is removed and `path` is left as it was."""
    path = Path(path)
    tmp = temporary_name(path)
    _remove(tmp)
    try:
        yield tmp
        if tmp.is_dir() and path.is_dir():
            _remove(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            _remove(tmp)


@contextmanager
def atomic_open(path: str | Path) -> Iterator[BinaryIO]:
    """A binary handle whose bytes become `path` when the block ends without an exception."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        yield handle


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_open(path) as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode())


def write_if_changed(path: str | Path, text: str) -> bool:
    """Writes only when the content differs (an unchanged file keeps its mtime); True if written."""
    path = Path(path)
    if path.is_file() and path.read_text() == text:
        return False
    write_text(path, text)
    return True


def clean_temporaries(folder: str | Path) -> list[Path]:
    """Removes the temporaries a killed writer left anywhere under `folder`; returns them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = sorted(p for p in folder.rglob(f".*{SUFFIX}"))
    for path in found:
        _remove(path)
    return found
