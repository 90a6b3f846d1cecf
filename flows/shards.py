"""The shard writer: a split's items -> WebDataset shards, on the flow's task runner.

The split's items are cut into shards first (key order, by count and raw bytes); each shard is one
task that keeps the shard when its items are unchanged, or writes it straight from the items (copying
the unchanged ones out of the old tar). Then the wids index and the manifest. A rerun after a kill
keeps the shards already finished and ends with the same bytes as an uninterrupted build.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from flows.logs import logger
from tasks import itemcache
from tasks.items import Batch, Item, ItemResult
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.shards import assemble
from tasks.shards.layout import split_dir
from tasks.shards.process import ShardOutcome, build_shard
from tasks.shards.state import state_path
from tasks.spec import DatasetSpec

CODE = Path(assemble.__file__).parent


PROGRESS_EVERY_S = 30.0


@task(name="write-shard", task_run_name="{batch.name}", cache_policy=NO_CACHE)
def shard_task(reader: str, root: str, batch: Batch, options: dict[str, Any], settings: str, out: str, split: str) -> ShardOutcome:
    log = logger()
    last = [time.monotonic()]

    def progress(done: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:  # a shard of slow items says how far it is
            last[0] = time.monotonic()
            log.info("%s: %d of %d items", batch.name, done, len(batch.items))

    shard = split_dir(Path(out), split) / batch.name
    return build_shard(reader, root, batch, options, settings, shard, state_path(Path(out), split, batch.name), progress)


def process_split(spec: DatasetSpec, split: str, items: list[Item], out: Path, digests: FileDigests) -> tuple[list[ItemResult], list[Path]]:
    """Every shard of the split (in parallel tasks), then its wids index and manifest; logs progress.
    Returns the item results and the files written."""
    log = logger()
    folder = split_dir(out, split)
    folder.mkdir(parents=True, exist_ok=True)
    limits = spec.options["shards"]
    batches = assemble.plan_shards(spec.name, split, items, digests, int(limits["max_samples"]), int(limits["max_bytes"]))
    settings = itemcache.item_settings(spec.settings_hash(), reader_module(spec.reader).__file__, CODE)
    log.info("%s/%s: %d items in %d shard(s)", spec.name, split, len(items), len(batches))
    futures = shard_task.map(
        unmapped(spec.reader), unmapped(str(spec.root)), batches, unmapped(spec.options), unmapped(settings),
        unmapped(str(out)), unmapped(split),
    )
    outcomes: dict[str, ShardOutcome] = {}
    done = failed = 0
    for future in as_completed(futures):
        outcome = future.result()
        outcomes[outcome.name] = outcome
        done += len(outcome.results)
        failed += sum(r.failed for r in outcome.results)
        log.info("%s/%s: %s %s; %d/%d items done (%d failed)", spec.name, split, outcome.name,
                 "written" if outcome.wrote else "kept", done, len(items), failed)
    ordered = [outcomes[b.name] for b in batches]
    results = [r for outcome in ordered for r in outcome.results]
    shards = [o.entry for o in ordered if o.entry is not None]
    kind = reader_module(spec.reader).KIND
    records = assemble.record_split(folder, spec.name, split, kind, spec.settings_hash(), results, shards)
    removed = assemble.remove_leftovers(folder, spec.name, split, {s.name for s in shards})
    assemble.remove_stale_states(out, split, {b.name for b in batches})
    written = [folder / o.name for o in ordered if o.wrote and o.entry is not None] + records
    samples = sum(s.samples for s in shards)
    if written or removed:
        log.info(
            "%s/%s: %d samples in %d shard(s) under %s; wrote %s%s", spec.name, split, samples, len(shards), folder,
            ", ".join(p.name for p in written) or "nothing", f"; removed {', '.join(removed)}" if removed else "",
        )
    else:
        log.info("%s/%s: nothing changed (%d samples in %d shard(s) under %s)", spec.name, split, samples, len(shards), folder)
    return results, written


def finish(spec: DatasetSpec, out: Path, results: dict[str, list[ItemResult]]) -> list[Path]:
    """Nothing left: each split's folder was finished with its shards."""
    return []
