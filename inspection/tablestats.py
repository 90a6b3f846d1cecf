"""`tables stats` and `tables show`: what a dataset's skeleton tables hold, computed with polars.

Stats: clips per split and label, failed clips with reasons, persons per frame (frames without a
row count as zero persons), how much of each clip and of each track's span has skeletons, and the
training samples per split and label. Show: one clip's row, its tracks, coverage and samples.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from inspection.shardstats import distribution
from inspection.tableread import ClipFrames, read_table, table_path

SHOWN_FAILURES = 20


def _read(folder: Path, name: str, columns: list[str] | None = None) -> pl.DataFrame:
    return pl.from_arrow(read_table(folder, name, columns=columns))  # type: ignore[return-value]


def _counts(frame: pl.DataFrame, by: list[str]) -> list[dict[str, Any]]:
    if frame.is_empty():
        return []
    return frame.group_by(by).agg(pl.len().alias("count")).sort(by).to_dicts()


def _reason(error: str | None) -> str:
    text = (error or "").strip().splitlines()[0] if (error or "").strip() else "(no reason given)"
    return text[:100]


def clip_stats(clips: pl.DataFrame) -> dict[str, Any]:
    ok = clips.filter(pl.col("status") == "ok")
    failed = clips.filter(pl.col("status") != "ok")
    return {
        "clips": clips.height,
        "ok": ok.height,
        "failed": failed.height,
        "per_split_label": _counts(ok, ["split", "label", "label_name"]),
        "failure_reasons": dict(Counter(_reason(e) for e in failed.get_column("error").to_list()).most_common(10)),
        "failed_clips": failed.select("clip_id", "path", "error").head(SHOWN_FAILURES).to_dicts(),
        "num_frames": distribution(ok.get_column("num_frames").to_list()),
        "fps": dict(Counter(round(float(f), 3) for f in ok.get_column("fps").to_list()).most_common(5)),
        "pose_backends": _counts(clips, ["pose_backend", "pose_settings_hash"]),
    }


def frame_stats(clips: pl.DataFrame, frames: pl.DataFrame) -> dict[str, Any]:
    """Persons per frame and coverage, over the ok clips (a failed clip has no frames to count)."""
    ok = clips.filter(pl.col("status") == "ok").select("clip_id", "num_frames")
    rows = frames.join(ok, on="clip_id", how="inner")
    per_frame = rows.group_by("clip_id", "frame_idx").agg(pl.len().alias("persons"))
    histogram = Counter(dict(per_frame.group_by("persons").agg(pl.len().alias("n")).iter_rows()))
    frames_with_rows = per_frame.group_by("clip_id").agg(pl.len().alias("covered"))
    coverage = ok.join(frames_with_rows, on="clip_id", how="left").with_columns(pl.col("covered").fill_null(0))
    histogram[0] += int((coverage.get_column("num_frames") - coverage.get_column("covered")).clip(lower_bound=0).sum())
    tracks = rows.group_by("clip_id", "track_id").agg(
        pl.len().alias("frames"), pl.col("frame_idx").min().alias("first"), pl.col("frame_idx").max().alias("last"),
        pl.col("num_frames").first().alias("num_frames"),
    )
    span = (tracks.get_column("last") - tracks.get_column("first") + 1).cast(pl.Float64)
    total_frames = sum(histogram.values())
    mean_persons = sum(k * v for k, v in histogram.items()) / total_frames if total_frames else None
    scores = rows.get_column("keypoint_scores").to_numpy() if rows.height else np.zeros((0, 17))
    return {
        "rows": frames.height,
        "rows_of_unknown_or_failed_clips": frames.height - rows.height,
        "persons_per_frame": {str(k): histogram[k] for k in sorted(histogram)},
        "mean_persons_per_frame": mean_persons,
        "clip_coverage": distribution((coverage.get_column("covered") / coverage.get_column("num_frames").clip(lower_bound=1)).to_list()),
        "clips_without_skeletons": coverage.filter(pl.col("covered") == 0).get_column("clip_id").head(SHOWN_FAILURES).to_list(),
        "tracks": tracks.height,
        "tracks_per_clip": distribution(tracks.group_by("clip_id").agg(pl.len().alias("n")).get_column("n").to_list()),
        "track_frames": distribution(tracks.get_column("frames").to_list()),
        "track_coverage_of_span": distribution((tracks.get_column("frames") / span).to_list()),
        "track_share_of_clip": distribution((tracks.get_column("frames") / tracks.get_column("num_frames").clip(lower_bound=1)).to_list()),
        "mean_keypoint_score": float(np.mean(scores)) if np.size(scores) else None,
    }


def sample_stats(samples: pl.DataFrame) -> dict[str, Any]:
    lengths = (samples.get_column("end_frame") - samples.get_column("start_frame")).to_list()
    return {
        "samples": samples.height,
        "per_split_label": _counts(samples, ["split", "label", "label_name"]),
        "length_frames": distribution(lengths),
    }


def table_stats(folder: Path) -> dict[str, Any]:
    """Everything above for one dataset folder (raises TableReadError naming a bad table)."""
    clips = _read(folder, "clips")
    frames = _read(folder, "frames", ["clip_id", "frame_idx", "track_id", "keypoint_scores"])
    samples = _read(folder, "samples")
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
    samples = _read(folder, "samples").filter(pl.col("clip_id") == clip["clip_id"]).sort("start_frame")
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
        "samples": samples.to_dicts(),
        "rows": len(frames),
        "frame_rows": shown,
    }
