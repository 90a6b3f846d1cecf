"""Small, schema-valid skeleton tables whose two classes move differently (calm vs. waving arms)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.tables import CLIPS, FRAMES, SAMPLES
from synthetic.figures import standing_pose

CLASSES = ("Calm", "Waving")
WIDTH, HEIGHT = 320, 240
ARMS = [7, 8, 9, 10]  # elbows and wrists


def person_track(label: int, num_frames: int, rng: np.random.Generator, noise: float = 0.5) -> np.ndarray:
    """[T, 17, 2] pixels: a figure that sways (label 0) or waves both arms fast (label 1)."""
    base = standing_pose(rng.uniform(90, 230), rng.uniform(200, 230), rng.uniform(120, 160))
    t = np.arange(num_frames, dtype=np.float32)[:, None]
    phase = rng.uniform(0, 2 * np.pi)
    track = np.repeat(base[None], num_frames, axis=0)
    track[..., 0] += 2.0 * np.sin(0.05 * t + phase)
    if label == 1:
        lift = 35.0 * (0.5 + 0.5 * np.sin(0.6 * t + phase))
        track[:, ARMS, 1] -= lift * np.array([0.5, 0.5, 1.0, 1.0], dtype=np.float32)
    return track + rng.normal(0, noise, size=track.shape).astype(np.float32)


def write_skeleton_tables(
    folder: Path,
    clips_per_split: dict[str, int] | None = None,
    num_frames: int = 48,
    seed: int = 0,
    failed: int = 0,
    window: int | None = None,
    realistic: bool = False,
) -> Path:
    """Write clips/frames/samples.parquet; labels alternate clip by clip. By default every second clip
    has a second person and every keypoint scores 0.9 (exact counts for inspection tests). `realistic`
    (for training tests) gives clips 2-3, 6-7, ... the second person, so the person count says nothing
    about the class, misses 5 % of detections, and varies noise and scores.
    With `window`, clips are cut into half-overlapping windows (as AI Hub's are), else one sample each."""
    clips_per_split = clips_per_split or {"train": 8, "val": 4}
    rng = np.random.default_rng(seed)
    clip_rows, frame_rows, sample_rows = [], [], []
    index = 0
    for split, count in clips_per_split.items():
        for i in range(count):
            label = i % 2
            clip_id = f"{split}-{i:03d}"
            is_failed = index < failed
            index += 1
            clip_rows.append(dict(
                clip_id=clip_id, split=split, label=label, label_name=CLASSES[label],
                path=f"{split}/{CLASSES[label]}/{clip_id}.avi", sha256=hashlib.sha256(clip_id.encode()).hexdigest(),
                num_frames=0 if is_failed else num_frames, fps=30.0,
                width=0 if is_failed else WIDTH, height=0 if is_failed else HEIGHT, events=[],
                pose_backend="annotations", pose_settings_hash="test",
                status="failed" if is_failed else "ok", error="cannot decode" if is_failed else None,
            ))
            length = window or num_frames
            for start in range(0, num_frames - length + 1, max(1, length // 2)):
                sample_id = f"{clip_id}-{start:04d}" if window else clip_id
                sample_rows.append(dict(sample_id=sample_id, clip_id=clip_id, split=split, start_frame=start,
                                        end_frame=start + length, label=label, label_name=CLASSES[label]))
            if is_failed:
                continue
            noise, pair = (1.0, i // 2) if realistic else (0.5, i)
            persons = [person_track(label, num_frames, rng, noise) for _ in range(1 + pair % 2)]
            for f in range(num_frames):
                for track_id, person in enumerate(persons):
                    if track_id == 1 and f < num_frames // 4:
                        continue  # the second person walks in later
                    if realistic and rng.random() < 0.05:
                        continue  # detectors miss a few frames
                    kp = person[f]
                    frame_rows.append(dict(
                        clip_id=clip_id, frame_idx=f, track_id=track_id,
                        bbox=[*kp.min(0).tolist(), *kp.max(0).tolist()], bbox_score=0.9,
                        keypoints=kp.tolist(),
                        keypoint_scores=rng.uniform(0.6, 1.0, 17).round(3).tolist() if realistic else [0.9] * 17,
                    ))
    folder.mkdir(parents=True, exist_ok=True)
    frame_rows.sort(key=lambda r: (r["clip_id"], r["frame_idx"], r["track_id"]))
    for name, schema, rows in (("clips", CLIPS, clip_rows), ("frames", FRAMES, frame_rows), ("samples", SAMPLES, sample_rows)):
        key = "sample_id" if name == "samples" else "clip_id"
        rows = sorted(rows, key=lambda r: r[key]) if name != "frames" else rows
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / f"{name}.parquet")
    return folder
