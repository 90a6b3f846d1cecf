"""`tables stats` and `tables show`: what a dataset's skeleton tables hold, computed with numpy.

Stats: clips per split and label, failed clips with reasons, persons per frame (frames without a
row count as zero persons), how much of each clip and of each track's span has skeletons, and the
training samples per split and label. Show: one clip's row, its tracks, coverage and samples.
Plain pyarrow and numpy, no dataframe library: importing polars cost more than the whole command
does on the sample (`tables stats` has to stay about as quick as `posefoundry --help`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from inspection.distribution import distribution
from inspection.tableread import ClipFrames, read_table, table_path
from schemas.arrays import flat_values
from schemas.tables import NUM_KEYPOINTS

SHOWN_FAILURES = 20
CLIP_COLUMNS = ["clip_id", "split", "label", "label_name", "path", "num_frames", "fps", "pose_backend",
                "pose_settings_hash", "status", "error"]


def _counts(rows: list[dict[str, Any]], by: list[str]) -> list[dict[str, Any]]:
    """Rows per distinct `by` values, sorted by them (missing values first)."""
    counts = Counter(tuple(row[k] for k in by) for row in rows)
    ordered = sorted(counts.items(), key=lambda item: tuple((v is not None, v) for v in item[0]))
    return [{**dict(zip(by, key)), "count": n} for key, n in ordered]


def _reason(error: str | None) -> str:
    text = (error or "").strip().splitlines()[0] if (error or "").strip() else "(no reason given)"
    return text[:100]


def _ok(clips: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in clips if c["status"] == "ok"]


def clip_stats(clips: list[dict[str, Any]]) -> dict[str, Any]:
    ok = _ok(clips)
    failed = [c for c in clips if c["status"] is not None and c["status"] != "ok"]
    return {
        "clips": len(clips),
        "ok": len(ok),
        "failed": len(failed),
        "per_split_label": _counts(ok, ["split", "label", "label_name"]),
        "failure_reasons": dict(Counter(_reason(c["error"]) for c in failed).most_common(10)),
        "failed_clips": [{k: c[k] for k in ("clip_id", "path", "error")} for c in failed[:SHOWN_FAILURES]],
        "num_frames": distribution(c["num_frames"] for c in ok),
        "fps": dict(Counter(round(float(c["fps"]), 3) for c in ok).most_common(5)),
        "pose_backends": _counts(clips, ["pose_backend", "pose_settings_hash"]),
    }


def _groups(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows sorted by `keys` (the first key most significant) and where each group of equal
    keys starts in that order."""
    order = np.lexsort(keys[::-1])
    if not len(order):
        return order, np.zeros(0, np.int64)
    change = np.zeros(len(order), bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[order][1:] != key[order][:-1]
    return order, np.flatnonzero(change)


def _sizes(starts: np.ndarray, total: int) -> np.ndarray:
    return np.diff(np.append(starts, total))


def frame_stats(clips: list[dict[str, Any]], frames: Any) -> dict[str, Any]:
    """Persons per frame and coverage, over the ok clips (a failed clip has no frames to count)."""
    ok = _ok(clips)
    index = {c["clip_id"]: i for i, c in enumerate(ok)}
    num_frames = np.array([c["num_frames"] for c in ok], np.int64)
    ids = frames.column("clip_id").to_pylist()
    clip = np.fromiter((index.get(i, -1) for i in ids), np.int64, len(ids))
    keep = clip >= 0
    clip = clip[keep]
    frame = frames.column("frame_idx").to_numpy()[keep].astype(np.int64)
    track = frames.column("track_id").to_numpy()[keep].astype(np.int64)
    order, starts = _groups(clip, frame)  # one group per frame with rows
    persons = _sizes(starts, len(order))
    histogram = Counter({int(k): int(n) for k, n in zip(*np.unique(persons, return_counts=True))})
    covered = np.bincount(clip[order[starts]], minlength=len(ok))
    histogram[0] += int(np.maximum(num_frames - covered, 0).sum())
    order, starts = _groups(clip, track)  # one group per track
    track_frames = _sizes(starts, len(order))
    track_clip = clip[order[starts]]
    first = np.minimum.reduceat(frame[order], starts) if len(starts) else np.zeros(0, np.int64)
    last = np.maximum.reduceat(frame[order], starts) if len(starts) else np.zeros(0, np.int64)
    span = (last - first + 1).astype(np.float64)
    total_frames = sum(histogram.values())
    mean_persons = sum(k * v for k, v in histogram.items()) / total_frames if total_frames else None
    scores = flat_values(frames.column("keypoint_scores"), 1).reshape(-1, NUM_KEYPOINTS)[keep]
    coverage = covered / np.maximum(num_frames, 1)
    return {
        "rows": frames.num_rows,
        "rows_of_unknown_or_failed_clips": frames.num_rows - int(keep.sum()),
        "persons_per_frame": {str(k): histogram[k] for k in sorted(histogram)},
        "mean_persons_per_frame": mean_persons,
        "clip_coverage": distribution(coverage.tolist()),
        "clips_without_skeletons": [c["clip_id"] for c, n in zip(ok, covered) if n == 0][:SHOWN_FAILURES],
        "tracks": len(starts),
        "tracks_per_clip": distribution(np.unique(track_clip, return_counts=True)[1].tolist()),
        "track_frames": distribution(track_frames.tolist()),
        "track_coverage_of_span": distribution((track_frames / span).tolist()),
        "track_share_of_clip": distribution((track_frames / np.maximum(num_frames[track_clip], 1)).tolist()),
        "mean_keypoint_score": float(np.mean(scores)) if np.size(scores) else None,
    }


def sample_stats(samples: Any) -> dict[str, Any]:
    rows = samples.select(["split", "label", "label_name"]).to_pylist()
    lengths = samples.column("end_frame").to_numpy() - samples.column("start_frame").to_numpy()
    return {
        "samples": samples.num_rows,
        "per_split_label": _counts(rows, ["split", "label", "label_name"]),
        "length_frames": distribution(lengths.tolist()),
    }


def table_stats(folder: Path) -> dict[str, Any]:
    """Everything above for one dataset folder (raises TableReadError naming a bad table)."""
    clips = read_table(folder, "clips", columns=CLIP_COLUMNS).to_pylist()
    frames = read_table(folder, "frames", columns=["clip_id", "frame_idx", "track_id", "keypoint_scores"])
    samples = read_table(folder, "samples", columns=["split", "label", "label_name", "start_frame", "end_frame"])
    return {
        "folder": str(folder),
        "bytes": {name: table_path(folder, name).stat().st_size for name in ("clips", "frames", "samples")},
        "clips": clip_stats(clips),
        "frames": frame_stats(clips, frames),
        "samples": sample_stats(samples),
    }


def track_summary(frames: ClipFrames) -> list[dict[str, Any]]:
    out = []
    for track in np.unique(frames.track_id):
        mask = frames.track_id == track
        idx = frames.frame_idx[mask]
        out.append({
            "track_id": int(track), "first": int(idx.min()), "last": int(idx.max()), "frames": int(mask.sum()),
            "coverage_of_span": float(mask.sum() / (idx.max() - idx.min() + 1)),
            "mean_bbox_score": float(frames.bbox_score[mask].mean()),
            "mean_keypoint_score": float(frames.keypoint_scores[mask].mean()),
        })
    return out


def clip_summary(folder: Path, clip: dict[str, Any], frames: ClipFrames, rows: int = 0) -> dict[str, Any]:
    """One clip: its row, its tracks, how many of its frames have skeletons, its samples, and
    (when rows > 0) the first rows of frames.parquet."""
    samples = sorted(read_table(folder, "samples", filters=[("clip_id", "==", clip["clip_id"])]).to_pylist(),
                     key=lambda row: row["start_frame"])
    covered = len(np.unique(frames.frame_idx))
    per_frame = Counter(Counter(frames.frame_idx.tolist()).values())
    per_frame[0] += max(int(clip["num_frames"]) - covered, 0)
    shown = [
        {"frame_idx": int(frames.frame_idx[i]), "track_id": int(frames.track_id[i]),
         "bbox": frames.bbox[i].round(2).tolist(), "bbox_score": round(float(frames.bbox_score[i]), 4),
         "keypoints": frames.keypoints[i].round(2).tolist(), "keypoint_scores": frames.keypoint_scores[i].round(4).tolist()}
        for i in range(min(rows, len(frames)))
    ]
    return {
        "clip": clip,
        "frames_with_skeletons": covered,
        "coverage": covered / clip["num_frames"] if clip["num_frames"] else None,
        "persons_per_frame": {str(k): per_frame[k] for k in sorted(per_frame)},
        "tracks": track_summary(frames),
        "samples": samples,
        "rows": len(frames),
        "frame_rows": shown,
    }
