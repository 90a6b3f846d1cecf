"""Skeleton tables -> per-sample arrays: what STGCN++ and the MMAction2 export consume.

For each row of samples.parquet: keypoint float32 [M, T, 17, 2] (pixels) and keypoint_score
float32 [M, T, 17], where T = ceil((end_frame - start_frame) / frame_stride) and frame t of the
sample is frame `start_frame + t * frame_stride` of the clip. The M person slots hold the tracks
present in the sample, in track_id order (track ids rank a clip's persons, 0 = the most seen);
a slot or frame without a person is zeros. Frames are grouped once (each clip's run of rows in
the sorted table; sorted first only if it is not), then sliced per sample, never filtered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas.skeletons import NUM_KEYPOINTS

STRIDE_KEY = b"posefoundry.frame_stride"


@dataclass
class SampleArrays:
    sample_id: str
    clip_id: str
    label: int
    keypoint: np.ndarray
    keypoint_score: np.ndarray


def frame_stride(frames: pa.Table) -> int:
    """The decode stride the frames were written with (schema metadata; 1 when absent)."""
    metadata = frames.schema.metadata or {}
    return int(metadata.get(STRIDE_KEY, b"1"))


def flat_values(column: pa.ChunkedArray, depth: int) -> np.ndarray:
    """The innermost values of a column nested `depth` lists deep (FixedSizeList columns such as
    bbox, keypoints), as one flat numpy array for the caller to reshape."""
    values = column.combine_chunks()
    for _ in range(depth):
        values = values.flatten()
    return values.to_numpy(zero_copy_only=False)


def _clip_runs(frames: pa.Table) -> tuple[dict[str, tuple[int, int]], np.ndarray]:
    """Each clip's [lo, hi) run of rows, and the row order that makes runs (identity when the
    table is sorted by clip, as frames.parquet is: then nothing is copied)."""
    encoded = pc.dictionary_encode(frames.column("clip_id").combine_chunks())
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    names = encoded.dictionary.to_pylist()
    frame_idx = frames.column("frame_idx").to_numpy()
    track_id = frames.column("track_id").to_numpy()
    order = np.arange(len(codes))
    steps = np.diff(codes)
    if not ((steps == 0) | (steps == 1)).all():  # codes count up in appearance order only when grouped
        order = np.lexsort((track_id, frame_idx, codes))
        codes = codes[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(codes)) + 1, [len(codes)]])
    return {names[codes[lo]]: (int(lo), int(hi)) for lo, hi in zip(starts[:-1], starts[1:]) if hi > lo}, order


def sample_arrays(
    frames: pa.Table,
    samples: pa.Table,
    num_persons: int,
    stride: int | None = None,
) -> list[SampleArrays]:
    """One `SampleArrays` per row of `samples`, in that order."""
    stride = stride or frame_stride(frames)
    n = frames.num_rows
    runs, order = _clip_runs(frames)
    sorted_rows = bool((order == np.arange(n)).all())
    frame_idx = frames.column("frame_idx").to_numpy().astype(np.int64)
    track_id = frames.column("track_id").to_numpy().astype(np.int64)
    keypoints = flat_values(frames.column("keypoints"), 2).reshape(n, NUM_KEYPOINTS, 2)
    scores = flat_values(frames.column("keypoint_scores"), 1).reshape(n, NUM_KEYPOINTS)
    if not sorted_rows:
        frame_idx, track_id, keypoints, scores = frame_idx[order], track_id[order], keypoints[order], scores[order]

    starts = samples.column("start_frame").to_numpy()
    ends = samples.column("end_frame").to_numpy()
    labels = samples.column("label").to_numpy()
    out = []
    for i, (sample_id, clip) in enumerate(zip(samples.column("sample_id").to_pylist(), samples.column("clip_id").to_pylist())):
        start, end = int(starts[i]), int(ends[i])
        length = -(-(end - start) // stride)
        kp = np.zeros((num_persons, length, NUM_KEYPOINTS, 2), np.float32)
        ks = np.zeros((num_persons, length, NUM_KEYPOINTS), np.float32)
        lo, hi = runs.get(clip, (0, 0))
        a, b = lo + np.searchsorted(frame_idx[lo:hi], [start, end])
        if b > a:
            offset = frame_idx[a:b] - start
            tracks = track_id[a:b]
            keep = offset % stride == 0
            present = np.unique(tracks[keep])
            if len(present) > num_persons:
                keep &= tracks <= present[num_persons - 1]
                present = present[:num_persons]
            slot = np.searchsorted(present, tracks[keep])
            t = offset[keep] // stride
            kp[slot, t] = keypoints[a:b][keep]
            ks[slot, t] = scores[a:b][keep]
        out.append(SampleArrays(sample_id, clip, int(labels[i]), kp, ks))
    return out
