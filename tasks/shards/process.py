"""The shard writer's work for one shard: its items fingerprinted, loaded, checked, encoded and
written straight into the tar, or the shard kept (or its unchanged items copied) when the last build
already wrote them (see `state`).

Runs in a worker (thread, process or Dask): takes only plain, picklable arguments and returns small
results; the encoded bytes go to the shard, never through the task runner.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from schemas.manifest import ShardEntry
from schemas.shards import sample_problems
from tasks import itemcache
from tasks.fingerprint import sha256_bytes, sha256_json
from tasks.items import Batch, Item, ItemError, ItemResult, SampleRef
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.shards.state import ItemState, ShardState, copy_records
from tasks.shards.tarball import encode_sample, write_shard


@dataclass(frozen=True)
class ShardOutcome:
    """One shard's items, and its manifest entry (None when every item failed: no file is kept)."""

    name: str
    entry: ShardEntry | None
    results: list[ItemResult]
    wrote: bool


def _failed(item: Item, fingerprint: str, source: str, err: Exception, digests: dict[str, list]) -> ItemResult:
    if isinstance(err, ItemError):
        file, reason = err.file, err.reason
    else:  # any input a reader did not foresee fails this item only
        file, reason = (item.files[0] if item.files else item.key), f"{type(err).__name__}: {err}"
    return ItemResult(item.key, fingerprint, source, status="failed", file=file, reason=reason, digests=digests)


def _identify(root: str, known: dict[str, list], item: Item, settings: str) -> ItemResult:
    """The item's fingerprints (status "written" until it is made or reused), or its failure when a
    raw file is missing or named outside the root."""
    digests = FileDigests(root, known)
    try:
        fingerprint = itemcache.item_fingerprint(digests, item, settings)
    except ItemError as err:
        return _failed(item, "", "", err, digests.fresh)
    return ItemResult(item.key, fingerprint, itemcache.source_fingerprint(item, digests), digests=digests.fresh)


def make_records(module: Any, root: Path, item: Item, options: dict[str, Any]) -> tuple[list[str], list[bytes]]:
    """The item's samples, checked against their kind's schema and encoded as tar records."""
    samples = module.load_records(root, item, options)
    for sample in samples:
        problems = sample_problems(sample, module.KIND)
        if problems:
            raise ItemError(item.files[0] if item.files else item.key, "; ".join(map(str, problems[:3])))
    return [s["__key__"] for s in samples], [encode_sample(s) for s in samples]


def _digest(identified: list[ItemResult]) -> str:
    """What decides whether the shard is still right: every item's fingerprint, and for an item that
    could not be fingerprinted, its failure."""
    return sha256_json([r.fingerprint or [r.key, r.file, r.reason] for r in identified])


def _kept(name: str, state: ShardState, identified: list[ItemResult]) -> ShardOutcome:
    results = []
    for result, item in zip(identified, state.items):
        if result.failed:
            results.append(result)
        elif item.failed:
            results.append(ItemResult(result.key, result.fingerprint, result.source, "failed", item.file, item.reason,
                                      digests=result.digests))
        else:
            results.append(ItemResult(result.key, result.fingerprint, result.source, "unchanged", samples=item.samples,
                                      digests=result.digests))
    entry = ShardEntry(name, state.samples, state.bytes, state.sha256) if state.bytes else None
    return ShardOutcome(name, entry, results, wrote=False)


def build_shard(
    reader: str, root: str, batch: Batch, options: dict[str, Any], settings: str, shard: Path, state_file: Path,
    progress: Callable[[int], None] | None = None,
) -> ShardOutcome:
    """Keep, or write, one shard of `batch`'s items (in the order given), then its state;
    `progress` hears how many items are done as the writing goes."""
    module = reader_module(reader)
    identified = [_identify(root, batch.known, item, settings) for item in batch.items]
    digest = _digest(identified)
    old = ShardState.load(state_file)
    if old is not None and old.digest == digest and old.on_disk(shard):
        return _kept(batch.name, old, identified)
    reusable = old.records() if old is not None else {}
    results: list[ItemResult] = []
    states: list[ItemState] = []

    def records(previous: Any) -> Iterator[bytes]:
        offset = 0
        for item, known in zip(batch.items, identified):
            if progress is not None and results:
                progress(len(results))
            if known.failed:
                results.append(known)
                states.append(ItemState(known.key, "", file=known.file, reason=known.reason))
                continue
            copied = copy_records(previous, reusable.get(known.fingerprint, ()))
            try:
                if copied:
                    keys, encoded, status = [r.key for r in reusable[known.fingerprint]], copied, "unchanged"
                else:
                    (keys, encoded), status = make_records(module, Path(root), item, options), "written"
            except Exception as err:  # noqa: BLE001 - bad input fails its item, never the build
                failure = _failed(item, known.fingerprint, known.source, err, known.digests)
                results.append(failure)
                states.append(ItemState(known.key, known.fingerprint, file=failure.file, reason=failure.reason))
                continue
            refs = []
            for key, record in zip(keys, encoded):
                refs.append(SampleRef(key, offset, len(record), sha256_bytes(record)))
                offset += len(record)
                yield record
            results.append(ItemResult(known.key, known.fingerprint, known.source, status, samples=tuple(refs), digests=known.digests))
            states.append(ItemState(known.key, known.fingerprint, tuple(refs)))

    with ExitStack() as stack:
        previous = stack.enter_context(open(shard, "rb")) if reusable and shard.is_file() else None
        written = write_shard(shard, records(previous))
    if written.samples:
        state = ShardState(digest, written.bytes, written.sha256, tuple(states))
        entry: ShardEntry | None = ShardEntry(batch.name, written.samples, written.bytes, written.sha256)
    else:  # every item failed: no empty tar in the manifest
        shard.unlink(missing_ok=True)
        state, entry = ShardState(digest, 0, "", tuple(states)), None
    state.save(state_file)
    return ShardOutcome(batch.name, entry, results, wrote=True)
