"""The shard writer's per-item work: fingerprint, reuse the cache or load, check, encode, store.

Runs in a worker (thread, process or Dask): takes only plain, picklable arguments and returns small
results; the encoded bytes go to the item cache, never through the task runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemas.shards import sample_problems
from tasks import itemcache
from tasks.items import Item, ItemError, ItemResult
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.shards.tarball import encode_sample


def _failed(item: Item, fingerprint: str, err: Exception, digests: FileDigests) -> ItemResult:
    if isinstance(err, ItemError):
        file, reason = err.file, err.reason
    else:  # any input a reader did not foresee fails this item only
        file, reason = (item.files[0] if item.files else item.key), f"{type(err).__name__}: {err}"
    return ItemResult(item.key, fingerprint, status="failed", file=file, reason=reason, digests=digests.fresh)


def process_item(reader: str, digests: FileDigests, item: Item, options: dict[str, Any], settings: str, folder: Path) -> ItemResult:
    module = reader_module(reader)
    fingerprint = ""
    try:
        fingerprint = itemcache.item_fingerprint(digests, item, settings)
        source = itemcache.source_fingerprint(item, digests)
        refs = itemcache.lookup(folder, fingerprint)
        if refs is not None:
            return ItemResult(item.key, fingerprint, source, "unchanged", samples=refs, digests=digests.fresh)
        samples = module.load_records(digests.root, item, options)
        for sample in samples:
            problems = sample_problems(sample, module.KIND)
            if problems:
                raise ItemError(item.files[0] if item.files else item.key, "; ".join(map(str, problems[:3])))
        records = [encode_sample(sample) for sample in samples]
        refs = itemcache.store(folder, fingerprint, [s["__key__"] for s in samples], records)
        return ItemResult(item.key, fingerprint, source, samples=refs, digests=digests.fresh)
    except Exception as err:  # noqa: BLE001 - bad input fails its item, never the build
        return _failed(item, fingerprint, err, digests)


def process_items(
    reader: str, root: str, items: list[Item], options: dict[str, Any], settings: str, folder: str, known: dict[str, list],
) -> list[ItemResult]:
    results = []
    for item in items:
        digests = FileDigests(root, known)
        results.append(process_item(reader, digests, item, options, settings, Path(folder)))
    return results
