"""The table writer: a video dataset's items -> skeleton tables, one Prefect task per video.

Each video becomes a table part (record, decode, pose, track, cut samples) on the flow's task
runner, in parallel; parts whose inputs are unchanged are reused, so a re-run only processes new or
changed videos and a killed run resumes where it stopped. The merge writes clips/frames/
samples.parquet (validated) with their manifest and, if the spec asks, the MMAction2 pickle.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE

from flows.logs import logger
from tasks import itemcache
from tasks.items import Item, ItemResult
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.spec import DatasetSpec
from tasks.video.mmaction import export_pickle
from tasks.video.pipeline import CODE, build_part
from tasks.video.tables import clean_parts, merge_parts, parts_dir, write_manifest

PROGRESS_EVERY_S = 30.0


@task(name="skeleton-part", task_run_name="part-{position}", cache_policy=NO_CACHE)
def video_part(item: Item, position: int, total: int, spec: DatasetSpec, settings: str, out: Path,
               known: dict[str, list]) -> ItemResult:
    """One video's table part (reused when its inputs are unchanged)."""
    log = logger()
    reader = reader_module(spec.reader)
    last = [time.monotonic()]

    def progress(done: int, frames: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:  # long videos say how far they are
            last[0] = time.monotonic()
            log.info("[%d/%d] %s: frame %d of %d", position + 1, total, item.key, done, frames)

    result = build_part(item, reader, FileDigests(spec.require_root(), known), spec.options, settings, parts_dir(out), progress)
    log.info("[%d/%d] %s: %s %s", position + 1, total, item.key, result.status, result.detail or result.reason)
    return result


def process_split(spec: DatasetSpec, split: str, items: list[Item], out: Path, digests: FileDigests) -> tuple[list[ItemResult], list[Path]]:
    """Every video's table part (the tables themselves need every split: `finish`)."""
    parts_dir(out).mkdir(parents=True, exist_ok=True)
    logger().info("%s/%s: %d videos, one task per video", spec.name, split, len(items))
    settings = itemcache.item_settings(spec.settings_hash(), reader_module(spec.reader).__file__, CODE)
    futures = video_part.map(
        items, range(len(items)), unmapped(len(items)), unmapped(spec), unmapped(settings), unmapped(out),
        [digests.subset(list(i.files)) for i in items],
    )
    return [f.result() for f in futures], []


@task(name="skeleton-merge", cache_policy=NO_CACHE)
def merge(spec: DatasetSpec, out: Path, results: list[ItemResult]) -> list[Path]:
    """The dataset's tables from every part, then the MMAction2 export."""
    parts = [parts_dir(out) / r.part for r in results if r.part]
    extra = [r.clip for r in results if not r.part]
    written = list(merge_parts(out, parts, extra, spec.options["decode"]["stride"]).values())
    if spec.options["export"]["mmaction"]:
        written.append(export_pickle(out, spec.options["max_persons"]))
    return written


def finish(spec: DatasetSpec, out: Path, results: dict[str, list[ItemResult]]) -> list[Path]:
    everything = [r for split_results in results.values() for r in split_results]
    written = merge(spec, out, everything)
    removed = clean_parts(parts_dir(out), {r.part for r in everything if r.part})
    if removed:
        logger().info("removed %d stale part(s) from %s", removed, parts_dir(out))
    written.append(write_manifest(out, spec.name, written))
    logger().info("wrote %s", ", ".join(map(str, written)))
    return written
