"""A split's items cut into shards before any is read, and the split folder's records.

Items are cut in key order by count and by raw bytes (what `os.stat` says of their files), so the
same items always give the same shards and every shard can be built, or kept, on its own; a
changed image rewrites the one shard that holds it. After the shards, the wids index and the
manifest, and what an earlier, larger build or a killed one left.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Sequence

from schemas.manifest import MANIFEST_NAME, WIDS_INDEX_NAME, Manifest, Quarantined, ShardEntry
from tasks import atomic
from tasks.fingerprint import sha256_json
from tasks.items import Batch, Item, ItemError, ItemResult
from tasks.rawfiles import FileDigests, raw_path
from tasks.shards.layout import cut, shard_name, shard_pattern
from tasks.shards.state import state_dir


def raw_size(root: Path, item: Item) -> int:
    """Bytes of the item's raw files (0 for one that is missing: the item fails when it is built)."""
    size = 0
    for name in item.files:
        try:
            size += os.stat(raw_path(root, name)).st_size
        except (OSError, ItemError):
            pass
    return size


def plan_shards(dataset: str, split: str, items: Sequence[Item], digests: FileDigests, max_samples: int, max_bytes: int) -> list[Batch]:
    """The split's shards: items in key order, a new shard when the next item would pass either limit."""
    ordered = sorted(items, key=lambda item: item.key)
    keys = [item.key for item in ordered]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})[:5]
        raise ValueError(f"{dataset}/{split}: item keys must be unique; repeated: {twice}")
    runs = cut([raw_size(digests.root, item) for item in ordered], max_samples, max_bytes)
    batches = []
    for index, run in enumerate(runs):
        members = ordered[run.start:run.stop]
        batches.append(Batch(shard_name(dataset, split, index), members, digests.subset([f for i in members for f in i.files])))
    return batches


def remove_stale_states(out: Path, split: str, keep: set[str]) -> None:
    """State files of shards the split no longer has, and the per-item record cache that builds
    before shard states kept beside them (a copy of every sample)."""
    folder = state_dir(out, split)
    if folder.is_dir():
        for path in folder.glob("*.json"):
            if path.stem not in keep:
                path.unlink()
    shutil.rmtree(folder.parent / "items", ignore_errors=True)


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
