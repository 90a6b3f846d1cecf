"""One batch of items: fingerprint, reuse the cache or load, check against the contract, encode.

Runs in a worker (thread, process or Dask): takes only plain, picklable arguments and returns small
results; the encoded bytes go to the item cache, never through the task runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemas.shards import sample_problems
from tasks.readers import reader_module
from tasks.shards import cache
from tasks.shards.item import Item, ItemError, ItemResult
from tasks.shards.tarball import encode_sample


def process_item(reader: str, root: Path, item: Item, options: dict[str, Any], settings: str, folder: Path) -> ItemResult:
    module = reader_module(reader)
    fingerprint = ""
    try:
        fingerprint = cache.item_fingerprint(root, item, settings)
        refs = cache.lookup(folder, fingerprint)
        if refs is not None:
            return ItemResult(item.key, fingerprint, refs, reused=True)
        samples = module.load_samples(root, item, options)
        for sample in samples:
            problems = sample_problems(sample, module.KIND)
            if problems:
                raise ItemError(item.files[0] if item.files else item.key, "; ".join(map(str, problems[:3])))
        records = [encode_sample(sample) for sample in samples]
        refs = cache.store(folder, fingerprint, [s["__key__"] for s in samples], records)
        return ItemResult(item.key, fingerprint, refs)
    except ItemError as err:
        return ItemResult(item.key, fingerprint, file=err.file, reason=err.reason)
    except Exception as err:  # noqa: BLE001 - any input a reader did not foresee fails this item only
        file = item.files[0] if item.files else item.key
        return ItemResult(item.key, fingerprint, file=file, reason=f"{type(err).__name__}: {err}")


def process_items(
    reader: str, root: str, items: list[Item], options: dict[str, Any], settings: str, folder: str
) -> list[ItemResult]:
    return [process_item(reader, Path(root), item, options, settings, Path(folder)) for item in items]
