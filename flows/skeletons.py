"""Video datasets -> skeleton tables: one Prefect task per video, then one merge.

Each video becomes a table part (decode, pose, track) on the flow's task runner, in parallel;
parts whose inputs are unchanged are reused, so a re-run only processes new or changed videos and
a killed run resumes where it stopped. The merge writes clips/frames/samples.parquet (validated)
and, if the spec asks, the MMAction2 pickle.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from flows.report import BuildReport, Failure
from tasks.fingerprint import sha256_file, sha256_json, stat_key
from tasks.readers import reader_module
from tasks.spec import DatasetSpec
from tasks.video.items import VideoItem
from tasks.video.mmaction import export_pickle
from tasks.video.pipeline import PartResult, build_part
from tasks.video.pose import make_backend
from tasks.video.tables import PARTS_DIR, clean_parts, merge_parts

SOURCES_NAME = "sources.json"


PROGRESS_EVERY_S = 30.0


@task(name="skeleton-part", task_run_name="part-{position}", cache_policy=NO_CACHE)
def video_part(
    item: VideoItem, position: int, total: int, spec: DatasetSpec, parts_dir: Path, known: str | None,
) -> PartResult:
    """One video's table part (reused when its inputs are unchanged)."""
    logger = get_run_logger()
    reader = reader_module(spec.reader)
    settings = sha256_json([spec.settings_hash(), sha256_file(reader.__file__)])  # the reader cuts the samples
    last = [time.monotonic()]

    def progress(done: int, frames: int) -> None:
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:  # long videos say how far they are
            last[0] = time.monotonic()
            logger.info("[%d/%d] %s: frame %d of %d", position + 1, total, item.path, done, frames)

    result = build_part(
        item, spec.require_root(), spec.options, settings, parts_dir,
        lambda it, n: reader.samples(spec, it, n), known_sha256=known, progress=progress,
    )
    if result.status == "written":
        detail = f"{result.frames} rows, {result.tracks} tracks, {result.seconds:.1f} s"
    else:
        detail = result.error or ""
    logger.info("[%d/%d] %s: %s %s", position + 1, total, item.path, result.status, detail)
    return result


@task(name="skeleton-merge", cache_policy=NO_CACHE)
def merge(
    out: Path, parts: list[Path], extra: list[dict[str, Any]], stride: int, export: bool, persons: int,
) -> list[str]:
    """The dataset's tables from every part, then the MMAction2 export."""
    written = list(merge_parts(out, parts, extra, stride).values())
    if export:
        written.append(export_pickle(out, persons))
    return [str(p) for p in written]


def _known_hashes(out: Path, root: Path, items: list[VideoItem]) -> list[str | None]:
    """Digests from the last build for files whose size and mtime have not changed."""
    try:
        cached = json.loads((out / SOURCES_NAME).read_text())
    except (OSError, ValueError):
        cached = {}
    known = []
    for item in items:
        entry = cached.get(item.path)
        path = root / item.path
        known.append(entry["sha256"] if entry and path.is_file() and list(stat_key(path)) == entry["stat"] else None)
    return known


def _save_hashes(out: Path, root: Path, results: list[PartResult]) -> None:
    entries = {}
    for r in results:
        path = root / r.path
        if path.is_file() and r.sha256 != "missing":
            entries[r.path] = {"stat": list(stat_key(path)), "sha256": r.sha256}
    tmp = out / f".{SOURCES_NAME}.tmp"
    tmp.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, out / SOURCES_NAME)


def build_skeletons(spec: DatasetSpec, out: Path) -> BuildReport:
    """Build the spec's skeleton tables into `out` (call inside a flow: it submits tasks)."""
    logger = get_run_logger()
    root = spec.require_root()
    items = reader_module(spec.reader).videos(spec)
    parts_dir = out / PARTS_DIR
    parts_dir.mkdir(parents=True, exist_ok=True)
    backend = make_backend(spec.options["pose"])
    logger.info("%s: %d videos, pose backend %r, one task per video", spec.name, len(items), backend.name)
    futures = video_part.map(
        items, range(len(items)), unmapped(len(items)), unmapped(spec), unmapped(parts_dir),
        _known_hashes(out, root, items),
    )
    results: list[PartResult] = [f.result() for f in futures]
    parts = [parts_dir / r.part for r in results if r.part]
    extra = [r.clip for r in results if not r.part]
    options = spec.options
    outputs = merge(out, parts, extra, options["decode"]["stride"], options["export"]["mmaction"], options["max_persons"])
    _save_hashes(out, root, results)
    removed = clean_parts(parts_dir, {r.part for r in results if r.part})
    if removed:
        logger.info("removed %d stale part(s) from %s", removed, parts_dir)
    failures = [Failure(r.clip_id, r.error_file or r.path, r.error or "") for r in results if r.status == "failed"]
    for failure in failures:
        logger.warning("failed %s: %s", failure.file, failure.reason)
    report = BuildReport(
        dataset=spec.name, out=str(out), items=len(items),
        written=sum(r.status == "written" for r in results),
        skipped=sum(r.status == "unchanged" for r in results),
        failed=len(failures), failures=failures, outputs=outputs,
    )
    logger.info("wrote %s", ", ".join(outputs))
    return report
