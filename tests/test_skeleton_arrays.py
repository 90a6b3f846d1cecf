"""schemas/arrays.py: frames + samples -> per-sample [M,T,17,2] keypoints and [M,T,17] scores."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from schemas.arrays import STRIDE_KEY, sample_arrays
from schemas.tables import FRAMES, SAMPLES


def frames(rows: list[tuple[str, int, int, float]], stride: int | None = None) -> pa.Table:
    """(clip, frame, track, value): every keypoint coordinate and score of the row is `value`."""
    rows = sorted(rows)
    table = pa.Table.from_pylist([
        {"clip_id": c, "frame_idx": f, "track_id": t, "bbox": [0, 0, 1, 1], "bbox_score": 0.5,
         "keypoints": [[v, v]] * 17, "keypoint_scores": [v / 100] * 17}
        for c, f, t, v in rows
    ], schema=FRAMES)
    if stride:
        table = table.replace_schema_metadata({**FRAMES.metadata, STRIDE_KEY: str(stride).encode()})
    return table


def samples(rows: list[tuple[str, str, int, int, int]]) -> pa.Table:
    return pa.Table.from_pylist([
        {"sample_id": s, "clip_id": c, "split": "train", "start_frame": a, "end_frame": b, "label": y, "label_name": str(y)}
        for s, c, a, b, y in rows
    ], schema=SAMPLES)


def test_persons_fill_slots_in_track_order_and_gaps_are_zero():
    f = frames([("a", 0, 0, 1), ("a", 1, 0, 2), ("a", 1, 3, 30), ("a", 3, 3, 33), ("b", 0, 1, 50)])
    s = samples([("a", "a", 0, 4, 1), ("b", "b", 0, 2, 0)])
    a, b = sample_arrays(f, s, num_persons=2)
    assert a.sample_id == "a" and a.label == 1
    assert a.keypoint.shape == (2, 4, 17, 2) and a.keypoint_score.shape == (2, 4, 17)
    assert a.keypoint.dtype == np.float32
    assert a.keypoint[0, :, 0, 0].tolist() == [1, 2, 0, 0]  # track 0 -> slot 0, absent frames zero
    assert a.keypoint[1, :, 0, 0].tolist() == [0, 30, 0, 33]  # track 3 -> slot 1
    assert a.keypoint_score[1, 3, 0] == np.float32(0.33)
    assert b.keypoint[0, :, 0, 0].tolist() == [50, 0] and not b.keypoint[1].any()


def test_windows_of_one_clip_slice_its_frames_and_keep_at_most_m_persons():
    f = frames([("c", t, k, 10 * k + t) for t in range(6) for k in range(3)])
    s = samples([("c@2", "c", 2, 5, 0), ("c@0", "c", 0, 3, 1)])
    first, second = sample_arrays(f, s, num_persons=2)
    assert first.sample_id == "c@2" and first.keypoint.shape == (2, 3, 17, 2)
    assert first.keypoint[:, :, 0, 0].tolist() == [[2, 3, 4], [12, 13, 14]]  # tracks 0 and 1; track 2 dropped
    assert second.keypoint[:, :, 0, 0].tolist() == [[0, 1, 2], [10, 11, 12]]


def test_stride_from_the_table_metadata():
    f = frames([("a", t, 0, t + 1) for t in range(0, 9, 3)], stride=3)
    (a,) = sample_arrays(f, samples([("a", "a", 0, 9, 0)]), num_persons=1)
    assert a.keypoint[0, :, 0, 0].tolist() == [1, 4, 7]


def test_a_sample_without_frames_is_all_zeros():
    (a,) = sample_arrays(frames([]), samples([("x", "x", 0, 5, 0)]), num_persons=2)
    assert a.keypoint.shape == (2, 5, 17, 2) and not a.keypoint.any()
