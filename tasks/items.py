"""The reader protocol's vocabulary: what a reader enumerates, what goes wrong, what one item gave.

Every reader (`tasks/readers/<name>.py`) enumerates a split's `Item`s (a stable key, the raw files
the item depends on, and the slice of annotation it needs, so workers never re-read big files)
and turns one item into records. The writer the spec names (shards or tables) does the rest, and
reports each item as an `ItemResult`, the same for every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    key: str
    files: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Batch:
    """One shard's items (in key order) and the raw-file digests already known for them: one task's
    work. A plain class, not a dataclass or a list: Prefect walks every list, dict and dataclass of
    a task's arguments looking for futures, and walking each item's annotations cost more than
    building the item."""

    __slots__ = ("name", "items", "known")

    def __init__(self, name: str, items: list[Item], known: dict[str, list]) -> None:
        self.name = name
        self.items = items
        self.known = known


class ItemError(Exception):
    """Bad input for one item (or one split): which file, and what is wrong with it."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class MissingSplit(ItemError):
    """The split's source is absent (a tree with only val2017, say): skipped unless required."""


@dataclass(frozen=True)
class SampleRef:
    """Where one encoded sample lies in its shard (offset and size of its tar records)."""

    key: str
    offset: int
    size: int
    sha256: str


@dataclass(frozen=True)
class ItemResult:
    """One item's outcome: `status` is written, unchanged or failed (with the file and reason).
    `samples` are the shard samples it gave; `part` and `clip` its table part and clip row;
    `source` a digest of its raw side alone; `digests` the raw-file hashes the next build may reuse."""

    key: str
    fingerprint: str
    source: str = ""
    status: str = "written"
    file: str = ""
    reason: str = ""
    samples: tuple[SampleRef, ...] = ()
    part: str | None = None
    clip: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    detail: str = ""
    digests: dict[str, list] = field(default_factory=dict, compare=False, hash=False)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def reused(self) -> bool:
        return self.status == "unchanged"
