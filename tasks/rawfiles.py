"""Raw files as a build sees them: named relative to the raw root, hashed once.

A name from an annotation (`file_name: ../../etc/x.jpg`, or an absolute path) must not pull files
from elsewhere on the machine into the outputs: `raw_path` resolves names lexically inside the root
and rejects the rest (symlinked folders inside the root still work, as real trees use them).
`FileDigests` hashes a file only when its size or mtime changed since the last build; the stat
cache lives in the output's `.cache/`, never in what DVC tracks, so touching a raw file changes
no output byte.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
from pathlib import Path

from tasks import atomic
from tasks.fingerprint import sha256_file
from tasks.items import ItemError

CACHE_DIR = ".cache"
DIGESTS_NAME = "digests.json"


def raw_path(root: str | Path, name: str) -> Path:
    """`root / name`, or ItemError when the name leaves the root (string checks: this runs twice
    per item, and pathlib's parsing cost more than the rest of the check)."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or os.path.isabs(name):
        raise ItemError(name, "is an absolute path; raw files are named relative to the raw root")
    normal = posixpath.normpath(posix)  # what is left of '..' after it leads the path
    if normal == ".." or normal.startswith("../"):
        raise ItemError(name, "points outside the raw root ('..')")
    return Path(root, posix)


class FileDigests:
    """sha256 of raw files with a (size, mtime) shortcut from the previous build.

    `known` maps a name to [size, mtime_ns, sha256]; `fresh` collects what this build saw, so the
    next build starts from it (`save`)."""

    def __init__(self, root: str | Path, known: dict[str, list] | None = None) -> None:
        self.root = Path(root)
        self.known = known or {}
        self.fresh: dict[str, list] = {}

    def digest(self, name: str) -> str:
        path = raw_path(self.root, name)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ItemError(name, "file not found") from None
        except OSError as err:
            raise ItemError(name, f"cannot be read: {err.strerror or err}") from None
        if not stat.S_ISREG(st.st_mode):
            raise ItemError(name, "is not a file")
        entry = self.known.get(name)
        if not (entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns):
            entry = [st.st_size, st.st_mtime_ns, sha256_file(path)]
        self.fresh[name] = entry
        return entry[2]

    def subset(self, names: list[str]) -> dict[str, list]:
        """What a worker needs of the known digests (it gets only its items' files)."""
        return {n: self.known[n] for n in names if n in self.known}


def digests_path(out: str | Path) -> Path:
    return Path(out) / CACHE_DIR / DIGESTS_NAME


def load_digests(out: str | Path) -> dict[str, list]:
    try:
        data = json.loads(digests_path(out).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_digests(out: str | Path, entries: dict[str, list]) -> None:
    path = digests_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_if_changed(path, json.dumps(entries, sort_keys=True, separators=(",", ":")) + "\n")
