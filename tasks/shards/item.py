"""The interface every image reader offers the shard build, and what one item's work returns.

A reader module (`tasks/readers/<name>.py` with OUTPUT 'shards') holds:
- `KIND`: the sample layout it writes (schemas.shards.PERSON_IMAGE or HAND_CLIP);
- `enumerate_items(root, split, options) -> list[Item]`: parse the split's annotations once and cut
  them into items, each carrying the slice of annotation it needs (so workers never re-read the
  big files) and the source files it will read; raises ItemError if the split cannot be read;
- `load_samples(root, item, options) -> list[dict]`: the samples of one item, as webdataset
  dicts (`__key__` plus extension -> bytes); raises ItemError naming the bad file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    key: str
    files: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class ItemError(Exception):
    """Bad input for one item (or one split): which file, and what is wrong with it."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class SampleRef:
    """Where one encoded sample lies in the item cache."""

    key: str
    offset: int
    size: int
    sha256: str


@dataclass(frozen=True)
class ItemResult:
    key: str
    fingerprint: str
    samples: tuple[SampleRef, ...] = ()
    reused: bool = False
    file: str = ""
    reason: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.reason)
