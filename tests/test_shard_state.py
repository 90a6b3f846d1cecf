"""One shard's build (tasks/shards/process.py, kept by tasks/shards/state.py, planned by
tasks/shards/assemble.py): written straight from the items, kept when they are unchanged, mended
record by record when its bytes are damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks import itemcache
from tasks.fingerprint import sha256_file
from tasks.items import Item, SampleRef
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.shards import assemble
from tasks.shards.process import build_shard, make_records
from tasks.shards.state import ItemState, ShardState, copy_records, state_path
from tasks.shards.tarball import write_shard
from tasks.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


def test_items_are_cut_in_key_order_by_count_and_raw_bytes(tmp_path):
    sizes = {"c": 300, "a": 100, "b": 100, "d": 50, "e": 10}
    for name, size in sizes.items():
        (tmp_path / f"{name}.jpg").write_bytes(b"x" * size)
    items = [Item(name, (f"{name}.jpg",)) for name in sizes] + [Item("f", ("missing.jpg",))]
    digests = FileDigests(tmp_path, {"a.jpg": [100, 1, "known"]})
    batches = assemble.plan_shards("toy", "train", items, digests, max_samples=3, max_bytes=250)
    assert [[i.key for i in b.items] for b in batches] == [["a", "b"], ["c"], ["d", "e", "f"]]
    assert [b.name for b in batches] == ["toy-train-000000.tar", "toy-train-000001.tar", "toy-train-000002.tar"]
    assert batches[0].known == {"a.jpg": [100, 1, "known"]} and batches[1].known == {}


def test_repeated_item_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"item keys must be unique; repeated: \['same'\]"):
        assemble.plan_shards("toy", "train", [Item("same", ()), Item("same", ())], FileDigests(tmp_path), 10, 1 << 20)


def test_state_round_trips_and_a_garbled_one_is_none(tmp_path):
    state = ShardState("d", 10, "s", (ItemState("a", "fa", (SampleRef("a", 0, 10, "h"),)), ItemState("b", "", file="b.jpg", reason="bad")))
    state.save(tmp_path / "x.json")
    assert ShardState.load(tmp_path / "x.json") == state
    (tmp_path / "x.json").write_text('{"digest": "d"')
    assert ShardState.load(tmp_path / "x.json") is None and ShardState.load(tmp_path / "none.json") is None


@pytest.fixture
def shard_job(coco_raw):
    spec = load_spec("coco", ROOT / "datasets", root=str(coco_raw))
    module = reader_module("coco")
    items = module.enumerate_items(coco_raw, "val", spec.options)
    (batch,) = assemble.plan_shards("coco", "val", items, FileDigests(coco_raw), 1000, 1 << 30)
    settings = itemcache.item_settings(spec.settings_hash(), module.__file__, ROOT / "tasks" / "shards")
    return spec, module, batch, settings


def test_a_shard_is_written_straight_then_kept_then_mended(coco_raw, shard_job, tmp_path):
    spec, module, batch, settings = shard_job
    shard, state = tmp_path / "val" / batch.name, tmp_path / "state" / f"{batch.name}.json"
    shard.parent.mkdir()

    heard = []

    def run():
        return build_shard("coco", str(coco_raw), batch, spec.options, settings, shard, state, heard.append)

    first = run()
    assert first.wrote and [r.status for r in first.results] == ["written"] * len(batch.items)
    assert heard == list(range(1, len(batch.items)))  # items done, as the writing goes
    records = [r for item in batch.items for r in make_records(module, coco_raw, item, spec.options)[1]]
    straight = write_shard(tmp_path / "straight.tar", records)
    assert shard.read_bytes() == (tmp_path / "straight.tar").read_bytes()
    assert (first.entry.samples, first.entry.bytes, first.entry.sha256) == (len(records), straight.bytes, straight.sha256)

    kept = run()
    assert not kept.wrote and {r.status for r in kept.results} == {"unchanged"} and kept.entry == first.entry

    good = shard.read_bytes()
    damaged = first.results[2].samples[0]
    flipped = bytearray(good)
    flipped[damaged.offset + damaged.size // 2] ^= 1
    shard.write_bytes(bytes(flipped))
    mended = run()
    assert mended.wrote and shard.read_bytes() == good and sha256_file(shard) == first.entry.sha256
    assert [r.key for r in mended.results if r.status == "written"] == [first.results[2].key]
    with open(shard, "rb") as handle:
        assert copy_records(handle, first.results[2].samples) == [records[2]]


def test_states_of_shards_gone_and_the_old_item_cache_are_removed(tmp_path):
    for name in ("toy-train-000000.tar", "toy-train-000001.tar"):
        ShardState("d", 0, "").save(state_path(tmp_path, "train", name))
    old_cache = tmp_path / ".cache" / "train" / "items" / "ab"
    old_cache.mkdir(parents=True)
    (old_cache / "ab12.rec").write_bytes(b"records")
    assemble.remove_stale_states(tmp_path, "train", {"toy-train-000000.tar"})
    assert sorted(p.name for p in (tmp_path / ".cache" / "train").rglob("*")) == ["shards", "toy-train-000000.tar.json"]
