"""`shards verify`: every shard's bytes, sha256 and sample count against its manifest entry.

The bytes are hashed in large reads; samples are then counted from the tar headers alone (seeks,
pages the hash just read). Shards on disk the manifest does not list, and a wids index that
disagrees with the manifest, are problems too.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from inspection.sources import ShardGroup, wids_index
from schemas.manifest import MANIFEST_NAME, WIDS_INDEX_NAME
from tasks.shards.reading import ShardReadError, samples

CHUNK = 1 << 20


@dataclass
class Fingerprint:
    bytes: int
    sha256: str
    samples: int | None
    read_error: str | None


def hash_file(path: Path, progress: Callable[[int], None] | None = None) -> tuple[int, str]:
    """Size and sha256 of a local file, read in large chunks (`progress` gets the bytes read)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if progress:
                progress(len(chunk))
    return size, digest.hexdigest()


def digest_problems(path: Path, found: tuple[int, str], expected: tuple[int, str]) -> list[str]:
    """How a file's (bytes, sha256) differ from what its manifest says."""
    problems = []
    if found[0] != expected[0]:
        problems.append(f"{path}: {found[0]} bytes, the manifest says {expected[0]}")
    if found[1] != expected[1]:
        problems.append(f"{path}: sha256 {found[1][:16]}... does not match the manifest's {expected[1][:16]}...")
    return problems


def fingerprint_shard(path: Path, progress: Callable[[int], None] | None = None) -> Fingerprint:
    """Size and sha256 of a local shard, then its sample count from the tar headers alone."""
    size, sha = hash_file(path, progress)
    try:
        count: int | None = sum(1 for _ in samples(str(path), select=lambda name: False))
        error = None
    except ShardReadError as err:
        count, error = None, str(err)
    return Fingerprint(size, sha, count, error)


@dataclass
class FileCheck:
    """One file against its manifest entry: what the entry says, what was found, how they differ."""

    name: str
    target: str
    expected: dict
    found: dict
    problems: list[str] = field(default_factory=list)


class Verified:
    """A verification result (a dataclass with `problems`): ok, and its JSON form."""

    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}  # type: ignore[call-overload]


@dataclass
class GroupVerification(Verified):
    label: str
    folder: str | None
    shards: list[FileCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _check_shard(group: ShardGroup, name: str, progress: Callable[[int], None] | None) -> FileCheck:
    shard = next(s for s in group.shards if s.name == name)
    entry = group.entry(name)
    assert entry is not None and shard.path is not None
    check = FileCheck(name, shard.target, {"samples": entry.samples, "bytes": entry.bytes, "sha256": entry.sha256}, {})
    if not shard.path.is_file():
        check.problems.append(f"{shard.path}: listed in the manifest but missing")
        return check
    found = fingerprint_shard(shard.path, progress)
    check.found = {"samples": found.samples, "bytes": found.bytes, "sha256": found.sha256}
    check.problems += digest_problems(shard.path, (found.bytes, found.sha256), (entry.bytes, entry.sha256))
    if found.read_error:
        check.problems.append(found.read_error)
    elif found.samples != entry.samples:
        check.problems.append(f"{shard.path}: {found.samples} samples, the manifest says {entry.samples}")
    return check


def _index_problems(group: ShardGroup) -> list[str]:
    assert group.folder is not None and group.manifest is not None
    index, error = wids_index(group.folder)
    path = group.folder / WIDS_INDEX_NAME
    if error:
        return [error]
    if index is None:
        return [f"{path}: missing (wids cannot open the split without it)"]
    try:
        listed = [(s["url"], s["nsamples"]) for s in index["shardlist"]]
    except (KeyError, TypeError) as err:
        return [f"{path}: not a wids index (expected shardlist[].url and .nsamples): {err}"]
    expected = [(s.name, s.samples) for s in group.manifest.shards]
    if listed != expected:
        return [f"{path}: lists {listed[:3]}{'...' if len(listed) > 3 else ''}, the manifest {expected[:3]}{'...' if len(expected) > 3 else ''}"]
    return []


def verify_group(group: ShardGroup, progress: Callable[[int], None] | None = None) -> GroupVerification:
    result = GroupVerification(group.label, str(group.folder) if group.folder else None)
    if group.manifest is None:
        where = group.folder / MANIFEST_NAME if group.folder else group.label
        result.problems.append(group.manifest_error or f"{where}: no manifest to verify against")
        return result
    for shard in group.shards:
        if group.entry(shard.name) is None:
            result.problems.append(f"{shard.target}: on disk but not in the manifest")
            continue
        check = _check_shard(group, shard.name, progress)
        result.shards.append(check)
        result.problems += check.problems
    if group.whole:
        result.problems += _index_problems(group)
    return result


def bytes_to_verify(groups: list[ShardGroup]) -> int:
    return sum(s.path.stat().st_size for g in groups for s in g.shards if s.path is not None and s.path.is_file())
