"""From item results to a split folder: which shards hold what, which need writing, the records.

A shard's content digest is the list of its samples' record digests: a shard whose digest matches
what was last written, and whose bytes still hash to what the manifest says, stays untouched, so a
rerun rewrites only the shards that change (or that something corrupted since).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from schemas.manifest import MANIFEST_NAME, WIDS_INDEX_NAME, Manifest, Quarantined, ShardEntry
from tasks import atomic, itemcache
from tasks.fingerprint import sha256_file, sha256_json
from tasks.items import ItemResult, SampleRef
from tasks.shards.layout import cut, shard_name, shard_pattern
from tasks.shards.tarball import write_shard


@dataclass(frozen=True)
class ShardPlan:
    name: str
    digest: str
    samples: tuple[tuple[str, SampleRef], ...]


def plan_shards(dataset: str, split: str, results: Sequence[ItemResult], max_samples: int, max_bytes: int) -> list[ShardPlan]:
    """Samples in item-key order (then the item's own order), cut by count and size."""
    ordered = [(r.fingerprint, ref) for r in sorted(results, key=lambda r: r.key) if not r.failed for ref in r.samples]
    seen: dict[str, str] = {}
    for fingerprint, ref in ordered:
        if ref.key in seen:
            raise ValueError(f"{dataset}/{split}: sample key {ref.key!r} comes from two items; keys must be unique")
        seen[ref.key] = fingerprint
    plans = []
    for index, run in enumerate(cut([ref.size for _, ref in ordered], max_samples, max_bytes)):
        members = tuple(ordered[i] for i in run)
        plans.append(ShardPlan(shard_name(dataset, split, index), sha256_json([ref.sha256 for _, ref in members]), members))
    return plans


def state_dir(out: Path, split: str) -> Path:
    return Path(out) / itemcache.CACHE_DIR / split / "shards"


def _state_path(out: Path, split: str, name: str) -> Path:
    return state_dir(out, split) / f"{name}.json"


def current_entry(out: Path, split: str, folder: Path, plan: ShardPlan) -> ShardEntry | None:
    """The manifest entry of a shard already on disk with this content, or None if it must be written."""
    state = _state_path(out, split, plan.name)
    shard = folder / plan.name
    if not state.is_file() or not shard.is_file():
        return None
    try:
        entry = json.loads(state.read_text())
    except ValueError:
        return None
    if entry.get("digest") != plan.digest or shard.stat().st_size != entry.get("bytes"):
        return None
    if sha256_file(shard) != entry.get("sha256"):  # a flipped bit keeps the size: hash it again
        return None
    return ShardEntry(plan.name, len(plan.samples), entry["bytes"], entry["sha256"])


def write_planned(out: Path, split: str, folder: Path, items_dir: Path, plan: ShardPlan) -> ShardEntry:
    folder.mkdir(parents=True, exist_ok=True)
    written = write_shard(folder / plan.name, itemcache.read_records(items_dir, plan.samples))
    state = _state_path(out, split, plan.name)
    state.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(state, json.dumps({"digest": plan.digest, "bytes": written.bytes, "sha256": written.sha256}))
    return ShardEntry(plan.name, written.samples, written.bytes, written.sha256)


def remove_leftovers(folder: Path, dataset: str, split: str, keep: set[str]) -> list[str]:
    """Shards of an earlier, larger build and partial files of a killed one."""
    removed = []
    if not folder.is_dir():
        return removed
    pattern = shard_pattern(dataset, split)
    for path in sorted(folder.iterdir()):
        partial = path.name.startswith(".") and path.name.endswith(atomic.SUFFIX)
        if partial or (pattern.match(path.name) and path.name not in keep):
            path.unlink()
            removed.append(path.name)
    return removed


def wids_index(dataset: str, split: str, shards: Sequence[ShardEntry]) -> str:
    """wids' dataset description; urls are relative to the index, so the folder can move."""
    shardlist = [{"url": s.name, "nsamples": s.samples, "filesize": s.bytes} for s in shards]
    return json.dumps({"wids_version": 1, "name": f"{dataset}-{split}", "shardlist": shardlist}, indent=2, sort_keys=True) + "\n"


def record_split(
    folder: Path,
    dataset: str,
    split: str,
    kind: str,
    params_hash: str,
    results: Sequence[ItemResult],
    shards: Sequence[ShardEntry],
) -> list[Path]:
    """Write the wids index and the manifest (only when their content changed); returns what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    source = sha256_json(sorted((r.key, r.source) for r in results))
    quarantined = [Quarantined(r.key, r.file, r.reason) for r in sorted(results, key=lambda r: r.key) if r.failed]
    manifest = Manifest(dataset, split, kind, source, params_hash, list(shards), quarantined)
    written = []
    if atomic.write_if_changed(folder / WIDS_INDEX_NAME, wids_index(dataset, split, shards)):
        written.append(folder / WIDS_INDEX_NAME)
    if atomic.write_if_changed(folder / MANIFEST_NAME, manifest.to_json()):
        written.append(folder / MANIFEST_NAME)
    return written
