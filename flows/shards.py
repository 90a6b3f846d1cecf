"""The shard writer: a split's items -> WebDataset shards, on the flow's task runner.

Map the per-item work over batches in parallel (each result is kept in the item cache by content),
cut the samples into shards in key order, write only the shards whose content changed (or whose
bytes no longer match), then the wids index and the manifest. A rerun after a kill finds the work
already done in the cache and ends with the same bytes as an uninterrupted build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from flows.logs import logger
from schemas.manifest import ShardEntry
from tasks import itemcache
from tasks.items import Batch, Item, ItemResult
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.shards import assemble
from tasks.shards.layout import split_dir
from tasks.shards.process import process_items
from tasks.spec import DatasetSpec

CODE = Path(assemble.__file__).parent


@task(name="process-items", cache_policy=NO_CACHE)
def process_batch(reader: str, root: str, batch: Batch, options: dict[str, Any], settings: str, folder: str) -> list[ItemResult]:
    return process_items(reader, root, batch.items, options, settings, folder, batch.known)


@task(name="write-shard", cache_policy=NO_CACHE)
def write_shard(out: str, split: str, folder: str, items_dir: str, plan: assemble.ShardPlan) -> ShardEntry:
    return assemble.write_planned(Path(out), split, Path(folder), Path(items_dir), plan)


def _batches(items: list[Item], size: int) -> list[list[Item]]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def process_split(spec: DatasetSpec, split: str, items: list[Item], out: Path, digests: FileDigests) -> list[ItemResult]:
    """Every item of the split through the cache, in parallel batches; logs progress."""
    log = logger()
    items_dir = itemcache.cache_dir(out, split)
    items_dir.mkdir(parents=True, exist_ok=True)
    batches = [Batch(b, digests.subset([f for i in b for f in i.files]))
               for b in _batches(items, int(spec.options.get("items_per_task", 64)))]
    settings = itemcache.item_settings(spec.settings_hash(), reader_module(spec.reader).__file__, CODE)
    futures = process_batch.map(
        unmapped(spec.reader), unmapped(str(spec.root)), batches, unmapped(spec.options), unmapped(settings), unmapped(str(items_dir)),
    )
    results: list[ItemResult] = []
    step = max(1, len(batches) // 10)
    for done, future in enumerate(as_completed(futures), start=1):
        results += future.result()
        if done % step == 0 or done == len(batches):
            failed = sum(r.failed for r in results)
            log.info("%s/%s: %d/%d items done (%d failed)", spec.name, split, len(results), len(items), failed)
    return results


def finish_split(spec: DatasetSpec, split: str, results: list[ItemResult], out: Path) -> list[Path]:
    """Shards, wids index and manifest of one split; returns the files written."""
    log = logger()
    folder, items_dir = split_dir(out, split), itemcache.cache_dir(out, split)
    limits = spec.options["shards"]
    plans = assemble.plan_shards(spec.name, split, results, int(limits["max_samples"]), int(limits["max_bytes"]))
    entries: dict[str, ShardEntry] = {}
    todo = []
    for plan in plans:
        entry = assemble.current_entry(out, split, folder, plan)
        if entry is None:
            todo.append(plan)
        else:
            entries[plan.name] = entry
    if todo:
        log.info("%s/%s: writing %d of %d shard(s)", spec.name, split, len(todo), len(plans))
        futures = write_shard.map(unmapped(str(out)), unmapped(split), unmapped(str(folder)), unmapped(str(items_dir)), todo)
        for future in as_completed(futures):
            entry = future.result()
            entries[entry.name] = entry
    shards = [entries[plan.name] for plan in plans]
    kind = reader_module(spec.reader).KIND
    records = assemble.record_split(folder, spec.name, split, kind, spec.settings_hash(), results, shards)
    removed = assemble.remove_leftovers(folder, spec.name, split, {plan.name for plan in plans})
    itemcache.prune(items_dir, {r.fingerprint for r in results if r.fingerprint})
    written = [folder / plan.name for plan in todo] + records
    samples = sum(s.samples for s in shards)
    if written or removed:
        log.info(
            "%s/%s: %d samples in %d shard(s) under %s; wrote %s%s", spec.name, split, samples, len(shards), folder,
            ", ".join(p.name for p in written) or "nothing", f"; removed {', '.join(removed)}" if removed else "",
        )
    else:
        log.info("%s/%s: nothing changed (%d samples in %d shard(s) under %s)", spec.name, split, samples, len(shards), folder)
    return written


def finish(spec: DatasetSpec, out: Path, results: dict[str, list[ItemResult]]) -> list[Path]:
    """Every split's folder (a split with no items read is left as it was)."""
    return [path for split, split_results in results.items() for path in finish_split(spec, split, split_results, out)]
