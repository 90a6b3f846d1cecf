"""The shard writer (tasks/shards/tarball.py, cut by tasks/shards/layout.py): deterministic tar bytes,
cuts by count and size, atomic files, readable by tarfile, webdataset and wids."""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest
import webdataset as wds
import wids

from schemas.manifest import WIDS_INDEX_NAME, ShardEntry
from schemas.shards import dump_npy, load_npy
from tasks.shards import assemble
from tasks.shards.layout import cut, shard_name
from tasks.atomic import temporary_name
from tasks.shards.tarball import SampleError, encode_sample, member_header, write_shard


def samples(count: int, size: int = 1000) -> list[dict]:
    rng = np.random.default_rng(0)
    return [
        {"__key__": f"toy-train-{i:04d}", "jpg": rng.bytes(size + i), "json": json.dumps({"i": i}).encode(),
         "joint_img.npy": dump_npy(np.full((1, 21, 2), i, np.float32))}
        for i in range(count)
    ]


def write(folder, items, max_samples=1000, max_bytes=256 << 20):
    """The samples straight into shards: encoded, cut by count and size, each shard written whole."""
    records = [encode_sample(sample) for sample in items]
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_shard(folder / shard_name("toy", "train", i), records[run.start:run.stop])
               for i, run in enumerate(cut([len(r) for r in records], max_samples, max_bytes))]
    return [ShardEntry(w.path.name, w.samples, w.bytes, w.sha256) for w in written]


def test_members_are_sorted_with_fixed_metadata(tmp_path):
    shards = write(tmp_path, samples(3))
    with tarfile.open(tmp_path / shards[0].name) as tar:
        members = tar.getmembers()
    assert [m.name for m in members[:3]] == ["toy-train-0000.joint_img.npy", "toy-train-0000.jpg", "toy-train-0000.json"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(0, 0, 0, "", "", 0o644)}
    assert all(m.isreg() for m in members)


def test_rebuild_is_byte_identical(tmp_path):
    first = write(tmp_path / "a", samples(7), max_samples=3)
    second = write(tmp_path / "b", samples(7), max_samples=3)
    assert [s.sha256 for s in first] == [s.sha256 for s in second]
    for entry in first:
        assert (tmp_path / "a" / entry.name).read_bytes() == (tmp_path / "b" / entry.name).read_bytes()


def test_cut_by_count_and_by_size(tmp_path):
    by_count = write(tmp_path / "count", samples(7), max_samples=3)
    assert [(s.name, s.samples) for s in by_count] == [
        ("toy-train-000000.tar", 3), ("toy-train-000001.tar", 3), ("toy-train-000002.tar", 1)]
    by_size = write(tmp_path / "size", samples(6, size=3000), max_bytes=12000)  # ~5.6 kB a sample
    assert [s.samples for s in by_size] == [2, 2, 2]
    for entry in by_count + by_size:
        folder = tmp_path / ("count" if entry in by_count else "size")
        assert (folder / entry.name).stat().st_size == entry.bytes
        assert entry.bytes % tarfile.RECORDSIZE == 0


def test_cut_rules():
    assert cut([5, 5, 5], max_samples=2, max_bytes=100) == [range(0, 2), range(2, 3)]
    assert cut([50, 60, 10], max_samples=10, max_bytes=100) == [range(0, 1), range(1, 3)]
    assert cut([500, 1], max_samples=10, max_bytes=100) == [range(0, 1), range(1, 2)]  # an oversized sample stands alone
    assert cut([], 10, 10) == []
    with pytest.raises(ValueError, match="positive"):
        cut([1], 0, 10)


def test_readers_see_the_samples(tmp_path):
    source = samples(5)
    shards = write(tmp_path, source, max_samples=2)
    (tmp_path / WIDS_INDEX_NAME).write_text(assemble.wids_index("toy", "train", shards))
    urls = [str(tmp_path / s.name) for s in shards]
    streamed = list(wds.WebDataset(urls, shardshuffle=False))
    assert [s["__key__"] for s in streamed] == [s["__key__"] for s in source]
    assert [s["jpg"] for s in streamed] == [s["jpg"] for s in source]
    indexed = wids.ShardListDataset(str(tmp_path / WIDS_INDEX_NAME), localname=lambda url: url, transformations=[])
    assert len(indexed) == 5
    sample = indexed[3]
    assert sample["__key__"] == "toy-train-0003"
    assert sample[".jpg"].getvalue() == source[3]["jpg"]
    assert load_npy(sample[".joint_img.npy"]).tolist() == np.full((1, 21, 2), 3.0).tolist()


def test_failed_write_leaves_no_shard(tmp_path):
    source = samples(3) + [{"__key__": "bad.key", "jpg": b"x"}]
    with pytest.raises(SampleError, match="bad.key"):
        write(tmp_path, source)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("sample, message", [
    ({"__key__": "a.b", "jpg": b"x"}, "no dots"),
    ({"__key__": "ok", "jpg": "text"}, "expected bytes"),
    ({"__key__": "ok"}, "no members"),
    ({"__key__": "k" * 99, "jpg": b"x"}, "longer than 100 bytes"),
])
def test_bad_samples_are_refused(sample, message):
    with pytest.raises(SampleError, match=message):
        encode_sample(sample)


def test_leftovers_are_removed(tmp_path):
    for name in ("toy-train-000000.tar", "toy-train-000001.tar", "manifest.json", "other.tar"):
        (tmp_path / name).write_bytes(b"x")
    temporary_name(tmp_path / "toy-train-000000.tar").write_bytes(b"half")
    removed = assemble.remove_leftovers(tmp_path, "toy", "train", {"toy-train-000000.tar"})
    assert removed == [".toy-train-000000.tar.tmp", "toy-train-000001.tar"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "other.tar", "toy-train-000000.tar"]


@pytest.mark.parametrize("name", ["a.jpg", "coco-train-1.json", "x" * 96 + ".jpg", "hände-1.frame01.jpg", "k" * 100])
@pytest.mark.parametrize("size", [0, 1, 511, 512, 10 ** 6, 8 ** 11 - 1])
def test_member_header_is_what_tarfile_writes(name, size):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = size, 0, 0o644, 0, 0, "", ""
    assert member_header(name, size) == info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict")


def test_a_member_past_the_ustar_size_field_is_refused():
    with pytest.raises(SampleError, match="ustar holds at most"):
        member_header("big.bin", 8 ** 11)
