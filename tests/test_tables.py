"""tasks/video/tables.py: per-video parts written whole, merged into valid, sorted tables."""

from __future__ import annotations


import numpy as np
import pyarrow.parquet as pq
import pytest

from schemas.arrays import frame_stride
from schemas.errors import SchemaError
from schemas.tablemanifest import TableManifest
from schemas.tables import folder_problems
from tasks.fingerprint import sha256_file
from tasks.video.decode import VideoInfo
from tasks.video.items import SampleSpan, VideoItem
from tasks.video.tables import (
    clean_parts, clip_row, clips_table, frames_table, merge_parts, part_clip, part_name, read_part,
    samples_table, write_manifest, write_part,
)
from tasks.video.tracking import Tracks

INFO = VideoInfo(num_frames=10, fps=30.0, width=320, height=240, declared_frames=10, reader="decord")


def tracks(frames: list[int], ids: list[int]) -> Tracks:
    n = len(frames)
    kp = np.arange(n * 34, dtype=np.float32).reshape(n, 17, 2) % 200
    return Tracks(np.array(frames, np.int32), np.array(ids, np.int32), np.tile([1, 2, 30, 40], (n, 1)).astype(np.float32),
                  np.full(n, 0.8, np.float32), kp, np.full((n, 17), 0.5, np.float32))


def part_tables(clip_id: str, frames: list[int], ids: list[int], error: str | None = None) -> dict:
    item = VideoItem(clip_id, f"{clip_id}.avi", "train", 1, "Fight", events=[{"name": "falldown", "start": 2, "end": 5}])
    row = clip_row(item, "ab" * 32, "annotations", "hash", None if error else INFO, error)
    spans = [] if error else [SampleSpan(clip_id, 0, 10, 1, "Fight")]
    return {"clips": clips_table([row]), "frames": frames_table(clip_id, tracks(frames, ids)), "samples": samples_table(item, spans)}


def test_part_names_are_safe_and_keyed():
    assert part_name("train/Fight/-a b_0", "0123456789abcdef99") == "train__Fight__-a_b_0.0123456789abcdef"


def test_a_part_round_trips(tmp_path):
    path = write_part(tmp_path, "a.1", part_tables("a", [0, 0, 1], [0, 1, 0]))
    tables = read_part(path)
    assert tables["frames"].num_rows == 3 and tables["samples"].num_rows == 1
    assert part_clip(path)["events"] == [{"name": "falldown", "start": 2, "end": 5}]
    assert [p.name for p in tmp_path.iterdir()] == ["a.1"]  # no temporary folder left behind


def test_an_invalid_part_is_refused_and_nothing_is_left(tmp_path):
    bad = part_tables("a", [1, 0], [0, 0])  # frames out of order
    with pytest.raises(SchemaError, match="not sorted"):
        write_part(tmp_path, "a.1", bad)
    assert list(tmp_path.iterdir()) == []


def test_merge_sorts_validates_and_keeps_failed_clips(tmp_path):
    parts = tmp_path / "parts"
    b = write_part(parts, "b.1", part_tables("b", [0, 1, 2], [0, 0, 0]))
    a = write_part(parts, "a.1", part_tables("a", [0, 0, 3], [0, 1, 1]))
    c = write_part(parts, "c.1", part_tables("c", [], [], error="c.avi: truncated"))
    extra = clip_row(VideoItem("d", "d.avi", "val", 0, "NonFight"), "missing", "annotations", "hash", error="RuntimeError: boom")
    written = merge_parts(tmp_path, [b, a, c], [extra], frame_stride=2)
    assert sorted(written) == ["clips", "frames", "samples"]
    assert folder_problems(tmp_path) == []
    clips = pq.read_table(tmp_path / "clips.parquet")
    assert clips.column("clip_id").to_pylist() == ["a", "b", "c", "d"]
    assert clips.column("status").to_pylist() == ["ok", "ok", "failed", "failed"]
    frames = pq.read_table(tmp_path / "frames.parquet")
    assert frames.column("clip_id").to_pylist() == ["a"] * 3 + ["b"] * 3
    assert frame_stride(frames) == 2
    assert pq.ParquetFile(tmp_path / "frames.parquet").metadata.row_group(0).column(0).compression == "ZSTD"
    again = tmp_path / "again"
    again.mkdir()
    merge_parts(again, [a, c, b], [extra], frame_stride=2)
    for name in ("clips", "frames", "samples"):  # same parts in another order, same bytes
        assert (again / f"{name}.parquet").read_bytes() == (tmp_path / f"{name}.parquet").read_bytes()


def test_table_manifest_is_deterministic_and_relative(tmp_path):
    """manifest.json of merged tables: bytes, sha256 and rows per file; same tables, same bytes,
    wherever they lie; only files beside it."""
    parts = tmp_path / "parts"
    made = [write_part(parts, f"{c}.1", part_tables(c, [0, 1], [0, 0])) for c in "ab"]
    texts = []
    for out in (tmp_path / "one", tmp_path / "two"):
        out.mkdir()
        written = list(merge_parts(out, made).values())
        path = write_manifest(out, "toy", reversed(written))
        texts.append(path.read_bytes())
        assert str(tmp_path) not in path.read_text()
    assert texts[0] == texts[1]
    manifest = TableManifest.read(tmp_path / "one" / "manifest.json")
    assert [(f.name, f.rows) for f in manifest.files] == [("clips.parquet", 2), ("frames.parquet", 4), ("samples.parquet", 2)]
    assert manifest.entry("frames.parquet").sha256 == sha256_file(tmp_path / "one" / "frames.parquet")
    with pytest.raises(ValueError, match="beside it only"):
        write_manifest(tmp_path / "one", "toy", [tmp_path / "two" / "clips.parquet"])


def test_clean_parts_removes_stale_parts_and_leftovers(tmp_path):
    keep = write_part(tmp_path, "a.2", part_tables("a", [0], [0]))
    write_part(tmp_path, "a.1", part_tables("a", [0], [0]))
    (tmp_path / ".tmp-a.3-dead").mkdir()
    assert clean_parts(tmp_path, {keep.name}) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["a.2"]
