"""Image datasets -> WebDataset shards, one split at a time, on the flow's task runner.

Enumerate the split's items, map the per-item work over batches in parallel (each result is kept
in the item cache by content), cut the samples into shards in key order, write only the shards
whose content changed, then the wids index and the manifest. A rerun after a kill finds the work
already done in the cache and ends with the same bytes as an uninterrupted build.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from flows.report import BuildReport, Failure
from schemas.manifest import ShardEntry
from tasks.readers import reader_module
from tasks.shards import assemble, cache
from tasks.shards.item import Item, ItemError, ItemResult
from tasks.shards.layout import split_dir
from tasks.shards.process import process_items
from tasks.spec import DatasetSpec


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # called outside a flow run (plain Python use)
        return logging.getLogger(__name__)


@task(name="enumerate-items", cache_policy=NO_CACHE)
def enumerate_split(reader: str, root: str, split: str, options: dict[str, Any]) -> tuple[list[Item], Failure | None]:
    try:
        return reader_module(reader).enumerate_items(Path(root), split, options), None
    except ItemError as err:
        return [], Failure(item=f"{split} (whole split)", file=err.file, reason=err.reason)


@task(name="process-items", cache_policy=NO_CACHE)
def process_batch(reader: str, root: str, items: list[Item], options: dict[str, Any], settings: str, folder: str) -> list[ItemResult]:
    return process_items(reader, root, items, options, settings, folder)


@task(name="write-shard", cache_policy=NO_CACHE)
def write_shard(out: str, split: str, folder: str, items_dir: str, plan: assemble.ShardPlan) -> ShardEntry:
    return assemble.write_planned(Path(out), split, Path(folder), Path(items_dir), plan)


def _batches(items: list[Item], size: int) -> list[list[Item]]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


def _process(spec: DatasetSpec, split: str, items: list[Item], items_dir: Path) -> list[ItemResult]:
    logger = _logger()
    batches = _batches(items, int(spec.options.get("items_per_task", 64)))
    settings = f"{spec.settings_hash()}-{cache.code_digest(reader_module(spec.reader).__file__)}"
    futures = process_batch.map(
        unmapped(spec.reader), unmapped(str(spec.root)), batches, unmapped(spec.options),
        unmapped(settings), unmapped(str(items_dir)),
    )
    results: list[ItemResult] = []
    step = max(1, len(batches) // 10)
    for done, future in enumerate(as_completed(futures), start=1):
        results += future.result()
        if done % step == 0 or done == len(batches):
            failed = sum(r.failed for r in results)
            logger.info("%s/%s: %d/%d items done (%d failed)", spec.name, split, len(results), len(items), failed)
    return results


def build_split(spec: DatasetSpec, split: str, out: Path) -> BuildReport:
    """One split folder; a split whose annotations cannot be read is reported and left as it was."""
    logger = _logger()
    report = BuildReport(spec.name, str(out))
    items, failure = enumerate_split(spec.reader, str(spec.root), split, spec.options)
    if failure is not None:
        logger.error("%s/%s: cannot read the split: %s: %s", spec.name, split, failure.file, failure.reason)
        report.items, report.failed, report.failures = 1, 1, [failure]
        return report
    logger.info("%s/%s: %d items", spec.name, split, len(items))
    folder, items_dir = split_dir(out, split), cache.cache_dir(out, split)
    items_dir.mkdir(parents=True, exist_ok=True)
    results = _process(spec, split, items, items_dir) if items else []

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
        logger.info("%s/%s: writing %d of %d shard(s)", spec.name, split, len(todo), len(plans))
        futures = write_shard.map(unmapped(str(out)), unmapped(split), unmapped(str(folder)), unmapped(str(items_dir)), todo)
        for future in as_completed(futures):
            entry = future.result()
            entries[entry.name] = entry
    shards = [entries[plan.name] for plan in plans]
    module = reader_module(spec.reader)
    records = assemble.record_split(folder, spec.name, split, module.KIND, spec.settings_hash(), results, shards)
    removed = assemble.remove_leftovers(folder, spec.name, split, {plan.name for plan in plans})
    cache.prune(items_dir, {r.fingerprint for r in results if r.fingerprint})

    failed = [r for r in results if r.failed]
    for result in failed:
        logger.warning("%s/%s: quarantined %s: %s: %s", spec.name, split, result.key, result.file, result.reason)
    written = [folder / plan.name for plan in todo] + records
    report.items = len(results)
    report.failed = len(failed)
    report.skipped = sum(r.reused for r in results)
    report.written = len(results) - report.failed - report.skipped
    report.failures = [Failure(r.key, r.file, r.reason) for r in failed]
    report.outputs = [str(path) for path in written]
    samples = sum(s.samples for s in shards)
    if written or removed:
        logger.info(
            "%s/%s: %d samples in %d shard(s) under %s; wrote %s%s", spec.name, split, samples, len(shards), folder,
            ", ".join(p.name for p in written) or "nothing", f"; removed {', '.join(removed)}" if removed else "",
        )
    else:
        logger.info("%s/%s: nothing changed (%d samples in %d shard(s) under %s)", spec.name, split, samples, len(shards), folder)
    return report


def build_shards(spec: DatasetSpec, out: Path) -> BuildReport:
    """Every split of the spec; the report counts items (written anew, unchanged, failed)."""
    report = BuildReport(spec.name, str(out))
    for split in spec.splits:
        report.merge(build_split(spec, split, Path(out)))
    return report
