"""The skeleton-table contracts accept good tables and name the row and column of bad ones."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas import SchemaError
from schemas.tables import CLIPS, FRAMES, SAMPLES, folder_problems, table_problems, validate_table


def clips(n: int = 2, **changes) -> pa.Table:
    rows = {
        "clip_id": [f"c{i}" for i in range(n)],
        "split": ["train"] * n,
        "label": [i % 2 for i in range(n)],
        "label_name": ["NonFight" if i % 2 == 0 else "Fight" for i in range(n)],
        "path": [f"train/x{i}.avi" for i in range(n)],
        "sha256": ["0" * 64] * n,
        "num_frames": [30] * n,
        "fps": [30.0] * n,
        "width": [320] * n,
        "height": [240] * n,
        "events": [[{"name": "falldown", "start": 3, "end": 9}]] + [[]] * (n - 1),
        "pose_backend": ["annotations"] * n,
        "pose_settings_hash": ["abc"] * n,
        "status": ["ok"] * n,
        "error": [None] * n,
    }
    rows.update(changes)
    return pa.Table.from_pydict(rows, schema=CLIPS)


def frames(clip_ids=("c0", "c0", "c1"), frame_idx=(0, 1, 0), **changes) -> pa.Table:
    n = len(clip_ids)
    rng = np.random.default_rng(0)
    kpts = rng.uniform(0, 200, size=(n, 17, 2)).astype(np.float32)
    rows = {
        "clip_id": list(clip_ids),
        "frame_idx": list(frame_idx),
        "track_id": [0] * n,
        "bbox": [[10.0, 20.0, 110.0, 220.0]] * n,
        "bbox_score": [0.9] * n,
        "keypoints": kpts.tolist(),
        "keypoint_scores": [[0.8] * 17] * n,
    }
    rows.update(changes)
    return pa.Table.from_pydict(rows, schema=FRAMES)


def samples(**changes) -> pa.Table:
    rows = {
        "sample_id": ["c0", "c1"], "clip_id": ["c0", "c1"], "split": ["train", "train"],
        "start_frame": [0, 0], "end_frame": [30, 30], "label": [0, 1], "label_name": ["NonFight", "Fight"],
    }
    rows.update(changes)
    return pa.Table.from_pydict(rows, schema=SAMPLES)


def test_good_tables_pass():
    assert table_problems(clips(), "clips") == []
    assert table_problems(frames(), "frames") == []
    assert table_problems(samples(), "samples") == []


def test_missing_column_is_named():
    problems = table_problems(clips().drop_columns(["fps"]), "clips")
    assert [str(p) for p in problems] == ["clips.parquet column 'fps': missing; expected float"]


def test_wrong_type_is_named():
    table = clips().set_column(2, "label", pa.array(["0", "1"]))
    (problem,) = table_problems(table, "clips")
    assert "column 'label'" in str(problem) and "expected int32" in str(problem)


def test_failed_clip_needs_an_error():
    (problem,) = table_problems(clips(status=["ok", "failed"]), "clips")
    assert problem.where == "clips.parquet row 1 column 'error'"


def test_bad_status_value_names_the_row():
    (problem,) = table_problems(clips(status=["ok", "broken"]), "clips")
    assert "row 1" in problem.where and "'broken'" in problem.message


def test_unsorted_frames_are_found():
    problems = table_problems(frames(frame_idx=(1, 0, 0)), "frames")
    assert any("not sorted" in p.message for p in problems)


def test_inverted_bbox_names_the_row():
    bad = [[10.0, 20.0, 110.0, 220.0], [110.0, 20.0, 10.0, 220.0], [10.0, 20.0, 110.0, 220.0]]
    (problem,) = table_problems(frames(bbox=bad), "frames")
    assert problem.where == "frames.parquet row 1 column 'bbox'"


def test_scores_outside_unit_interval():
    scores = [[0.8] * 17, [0.8] * 16 + [1.5], [0.8] * 17]
    (problem,) = table_problems(frames(keypoint_scores=scores), "frames")
    assert "row 1" in problem.where and "keypoint_scores" in problem.where


def test_duplicate_frame_track_is_found():
    problems = table_problems(frames(frame_idx=(0, 0, 0)), "frames")
    assert any("repeats" in p.message and "row 1" in p.where for p in problems)


def test_empty_sample_range():
    (problem,) = table_problems(samples(end_frame=[30, 0]), "samples")
    assert "row 1" in problem.where


def test_validate_raises_with_every_problem():
    with pytest.raises(SchemaError) as info:
        validate_table(clips(status=["x", "failed"]), "clips", source="data/clips.parquet")
    assert "data/clips.parquet" in str(info.value)
    assert len(info.value.problems) == 2


def test_folder_checks_cross_references(tmp_path):
    pq.write_table(clips(), tmp_path / "clips.parquet")
    pq.write_table(frames(clip_ids=("c0", "c0", "c9")), tmp_path / "frames.parquet")
    pq.write_table(samples(), tmp_path / "samples.parquet")
    (problem,) = folder_problems(tmp_path)
    assert "c9" in problem.message and problem.where.endswith("frames.parquet")


def test_folder_reports_missing_and_unreadable(tmp_path):
    pq.write_table(clips(), tmp_path / "clips.parquet")
    (tmp_path / "frames.parquet").write_bytes(b"not parquet")
    problems = folder_problems(tmp_path)
    assert any(p.where.endswith("frames.parquet") and "unreadable" in p.message for p in problems)
    assert any(p.where.endswith("samples.parquet") and p.message == "missing" for p in problems)


def test_parquet_roundtrip_keeps_fixed_size_lists(tmp_path):
    table = frames()
    pq.write_table(table, tmp_path / "f.parquet", compression="zstd")
    back = pq.read_table(tmp_path / "f.parquet")
    assert back.schema.field("keypoints").type == FRAMES.field("keypoints").type
    assert table_problems(back, "frames") == []
