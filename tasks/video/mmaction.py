"""Skeleton tables -> the MMAction2 / PYSKL skeleton pickle that `PoseDataset` loads.

`{"split": {split: [frame_dir, ...]}, "annotations": [{frame_dir, total_frames, img_shape (H, W),
original_shape (H, W), label, keypoint float32 [M,T,17,2], keypoint_score float32 [M,T,17]}]}`,
one annotation per row of samples.parquet (frame_dir = sample_id), keypoints in the original
video's pixels (so img_shape is the original size).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from schemas.arrays import sample_arrays
from tasks.atomic import atomic_open

PICKLE_NAME = "mmaction.pkl"
PROTOCOL = 4


def skeleton_annotations(folder: Path, num_persons: int) -> dict[str, Any]:
    """The pickle's content, built from the three tables of one dataset folder."""
    clips = pq.read_table(folder / "clips.parquet", columns=["clip_id", "width", "height"]).to_pylist()
    frames = pq.read_table(folder / "frames.parquet")
    samples = pq.read_table(folder / "samples.parquet")
    shape = {c["clip_id"]: (c["height"], c["width"]) for c in clips}
    splits: dict[str, list[str]] = {}
    for sample_id, split in zip(samples.column("sample_id").to_pylist(), samples.column("split").to_pylist()):
        splits.setdefault(split, []).append(sample_id)
    annotations = [
        {
            "frame_dir": a.sample_id,
            "total_frames": int(a.keypoint.shape[1]),
            "img_shape": shape[a.clip_id],
            "original_shape": shape[a.clip_id],
            "label": a.label,
            "keypoint": a.keypoint,
            "keypoint_score": a.keypoint_score,
        }
        for a in sample_arrays(frames, samples, num_persons)
    ]
    return {"split": splits, "annotations": annotations}


def export_pickle(folder: Path, num_persons: int, out: Path | None = None) -> Path:
    """Write the pickle beside the tables (or to `out`), atomically; returns its path."""
    out = out or folder / PICKLE_NAME
    annotations = skeleton_annotations(folder, num_persons)
    with atomic_open(out) as handle:
        pickle.dump(annotations, handle, protocol=PROTOCOL)
    return out
