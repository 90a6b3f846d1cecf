"""`shards ls`: each shard's samples, bytes and checksum, from the manifest when there is one.

A shard without a manifest entry is counted by walking its tar headers (no member data is read).
Only cheap checks are made here (the file exists and has the manifest's size); `verify` hashes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from inspection.sources import ShardGroup
from tasks.shards.reading import ShardReadError, samples


@dataclass
class ShardListing:
    name: str
    target: str
    samples: int | None
    bytes: int | None
    sha256: str | None
    source: str
    status: str = "ok"
    problem: str | None = None


@dataclass
class GroupListing:
    label: str
    folder: str | None
    kind: str | None
    has_manifest: bool
    shards: list[ShardListing] = field(default_factory=list)
    quarantined: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return sum(s.samples or 0 for s in self.shards)

    @property
    def bytes(self) -> int:
        return sum(s.bytes or 0 for s in self.shards)

    def to_dict(self) -> dict:
        return {**asdict(self), "samples": self.samples, "bytes": self.bytes}


def count_samples(target: str) -> int:
    """Samples in a shard from its headers alone (raises ShardReadError naming a damaged member)."""
    return sum(1 for _ in samples(target, select=lambda name: False))


def _listed(group: ShardGroup, name: str, target: str) -> ShardListing:
    entry = group.entry(name)
    assert entry is not None
    shard = next(s for s in group.shards if s.name == name)
    status, problem = "ok", None
    if shard.path is not None and not shard.path.is_file():
        status, problem = "missing", f"{shard.path}: listed in the manifest but missing"
    elif shard.path is not None and shard.path.stat().st_size != entry.bytes:
        size = shard.path.stat().st_size
        status, problem = "size differs", f"{shard.path}: {size} bytes on disk, the manifest says {entry.bytes}"
    return ShardListing(name, target, entry.samples, entry.bytes, entry.sha256, "manifest", status, problem)


def _read(group: ShardGroup, name: str, target: str) -> ShardListing:
    shard = next(s for s in group.shards if s.name == name)
    size = shard.path.stat().st_size if shard.path is not None else None
    status, problem = "ok", None
    if group.manifest is not None:
        status, problem = "not in manifest", f"{target}: not listed in {group.folder}/manifest.json"
    try:
        count: int | None = count_samples(target)
    except ShardReadError as err:
        count, status, problem = None, "unreadable", str(err)
    return ShardListing(name, target, count, size, None, "read", status, problem)


def list_group(group: ShardGroup, progress: Callable[[int], None] | None = None) -> GroupListing:
    listing = GroupListing(group.label, str(group.folder) if group.folder else None, group.kind, group.manifest is not None)
    if group.manifest_error:
        listing.problems.append(group.manifest_error)
    if group.manifest is not None:
        listing.quarantined = len(group.manifest.quarantined)
    for shard in group.shards:
        row = _listed(group, shard.name, shard.target) if group.entry(shard.name) else _read(group, shard.name, shard.target)
        listing.shards.append(row)
        if row.problem:
            listing.problems.append(row.problem)
        if progress:
            progress(1)
    return listing
