"""What the last build wrote into one shard: the shard is its own cache.

A shard's state file (`<out>/.cache/<split>/shards/<shard>.json`) names the shard's content digest
(the fingerprints of the items planned into it), its size and sha256, and each item's outcome: the
samples it gave (key, offset, size and sha256 of its records inside the tar) or why it failed. A
build whose items are unchanged keeps the shard after one hash of it; a shard that must be rewritten
copies each unchanged item's records out of the old tar (checked against their sha256) and
processes the rest, so every byte of a shard is written once and a killed build resumes shard by
shard. The state is written after its shard is renamed into place: a state file never describes a
shard that is not on disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Sequence

from tasks import atomic
from tasks.fingerprint import sha256_bytes, sha256_file
from tasks.items import SampleRef
from tasks.rawfiles import CACHE_DIR


def state_dir(out: Path, split: str) -> Path:
    return Path(out) / CACHE_DIR / split / "shards"


def state_path(out: Path, split: str, shard: str) -> Path:
    return state_dir(out, split) / f"{shard}.json"


@dataclass(frozen=True)
class ItemState:
    """One item's outcome in its shard: samples, or (file, reason) when it failed."""

    key: str
    fingerprint: str
    samples: tuple[SampleRef, ...] = ()
    file: str = ""
    reason: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.reason)


@dataclass(frozen=True)
class ShardState:
    digest: str
    bytes: int
    sha256: str
    items: tuple[ItemState, ...] = field(default=())

    @property
    def samples(self) -> int:
        return sum(len(item.samples) for item in self.items)

    def to_json(self) -> str:
        items = [{"key": i.key, "fingerprint": i.fingerprint, "file": i.file, "reason": i.reason,
                  "samples": [[r.key, r.offset, r.size, r.sha256] for r in i.samples]} for i in self.items]
        return json.dumps({"digest": self.digest, "bytes": self.bytes, "sha256": self.sha256, "items": items},
                          separators=(",", ":")) + "\n"

    def save(self, path: Path) -> None:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> "ShardState | None":
        """The state, or None when there is none or it does not parse (the shard is then rebuilt)."""
        try:
            data = json.loads(Path(path).read_text())
            items = tuple(ItemState(i["key"], i["fingerprint"], tuple(SampleRef(*s) for s in i["samples"]), i["file"], i["reason"])
                          for i in data["items"])
            return cls(data["digest"], int(data["bytes"]), data["sha256"], items)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def on_disk(self, shard: Path) -> bool:
        """The shard holds exactly what this state says (an empty shard has no file). A flipped bit
        keeps the size, so the bytes are hashed again."""
        if not self.bytes:
            return not shard.exists()
        try:
            if shard.stat().st_size != self.bytes:
                return False
        except OSError:
            return False
        return sha256_file(shard) == self.sha256

    def records(self) -> dict[str, tuple[SampleRef, ...]]:
        """Fingerprint -> samples of the items that gave some (what a rewrite may copy)."""
        return {item.fingerprint: item.samples for item in self.items if item.samples and item.fingerprint}


def copy_records(handle: BinaryIO | None, refs: Sequence[SampleRef]) -> list[bytes] | None:
    """The records of `refs` read back from an old shard, or None when any is missing or damaged."""
    if handle is None:
        return None
    records = []
    for ref in refs:
        handle.seek(ref.offset, os.SEEK_SET)
        record = handle.read(ref.size)
        if len(record) != ref.size or sha256_bytes(record) != ref.sha256:
            return None
        records.append(record)
    return records
