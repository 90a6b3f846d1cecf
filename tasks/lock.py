"""One build at a time per output folder: an exclusive lock that names its holder.

Two builds into the same folder would interleave shards and manifests. The lock is an advisory
`flock` on `<out>/.cache/lock` (released by the kernel when its holder dies, even on SIGKILL), and
the file says who holds it, so the second build can name the holder instead of waiting blind.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tasks.rawfiles import CACHE_DIR

LOCK_NAME = "lock"


class OutputLocked(RuntimeError):
    """Another build holds the output folder; the message names it."""


def lock_path(out: str | Path) -> Path:
    return Path(out) / CACHE_DIR / LOCK_NAME


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text())
        return f"pid {info['pid']} on {info['host']} ({info['command']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def output_lock(out: str | Path) -> Iterator[None]:
    """Held for the block; a second holder (another process, or another build in this one) gets
    OutputLocked at once rather than waiting."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLocked(f"{Path(out)} is being built by {_holder(path)}; wait for it or choose another --out") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv[:4])}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        os.close(fd)


def check_unlocked(out: str | Path) -> None:
    """Raises OutputLocked now (before any server starts) if another build holds `out`."""
    if not lock_path(out).is_file():
        return
    with output_lock(out):
        pass
