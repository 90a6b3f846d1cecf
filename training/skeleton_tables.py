"""Skeleton tables (clips, frames, samples) -> one keypoint array per training sample, checked.

The frames are grouped once, when a split is read (`schemas.arrays.sample_arrays`, the same grouping
the MMAction2 pickle export uses): a model's dataset then only copies arrays, nothing is regrouped
or unpickled per sample. Reads only through `schemas`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas.arrays import sample_arrays
from schemas.errors import Problem, SchemaError, raise_if
from schemas.tables import table_problems

log = logging.getLogger(__name__)


@dataclass
class SkeletonSample:
    """One training sample: the persons of a clip over the sample's frames, in source pixels."""

    sample_id: str
    clip_id: str
    label: int
    keypoint: np.ndarray  # float32 [M, T, 17, 2]
    keypoint_score: np.ndarray  # float32 [M, T, 17]
    img_shape: tuple[int, int]  # (height, width) of the source video

    @property
    def num_frames(self) -> int:
        return int(self.keypoint.shape[1])


@dataclass
class SkeletonSplit:
    """The samples of one split, the class names of the whole table, and what was left out and why."""

    folder: Path
    split: str
    class_names: list[str]
    samples: list[SkeletonSample] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)


def read_table(folder: Path, name: str, columns: list[str] | None = None) -> pa.Table:
    """One table of the folder, checked against its contract (the error names the file)."""
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise SchemaError(str(path), [Problem(str(path), "missing: build the skeleton tables first")])
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise SchemaError(str(path), [Problem(str(path), f"unreadable: {err}")]) from err
    raise_if(str(path), table_problems(table, name, str(path)))
    return table.select(columns) if columns else table


def class_names(samples: pa.Table, source: str) -> list[str]:
    """Names indexed by label, from the (label, label_name) pairs of every split."""
    pairs = samples.group_by(["label", "label_name"]).aggregate([]).sort_by("label").to_pylist()
    names: dict[int, str] = {}
    problems = []
    for pair in pairs:
        label, name = pair["label"], pair["label_name"]
        if label in names:
            problems.append(Problem(f"{source} column 'label_name'", f"label {label} is named both {names[label]!r} and {name!r}"))
        names[label] = name
    missing = sorted(set(range(max(names, default=-1) + 1)) - set(names))
    if missing or any(label < 0 for label in names):
        problems.append(Problem(f"{source} column 'label'", f"labels must be 0..N-1 without gaps; found {sorted(names)}"))
    raise_if(source, problems)
    return [names[i] for i in range(len(names))]


def _sample_problem(row: dict, clip: dict | None, where: str) -> Problem | None:
    """Why a sample cannot be used (its clip is unknown, failed, or shorter than the sample)."""
    if clip is None:
        return Problem(where, f"clip {row['clip_id']!r} is not in clips.parquet")
    if clip["status"] != "ok":
        return Problem(where, f"clip {row['clip_id']!r} failed to build: {clip['error']}")
    if row["end_frame"] > clip["num_frames"]:
        return Problem(where, f"ends at frame {row['end_frame']}, beyond the clip's {clip['num_frames']} frames")
    return None


def read_split(folder: str | Path, split: str, num_persons: int) -> SkeletonSplit:
    """The samples of `split` with `num_persons` person slots; samples of failed or unknown clips
    are skipped with a reason."""
    folder = Path(folder)
    source = str(folder / "samples.parquet")
    samples = read_table(folder, "samples")
    result = SkeletonSplit(folder=folder, split=split, class_names=class_names(samples, source))
    samples = samples.filter(pc.equal(samples.column("split"), split))
    if samples.num_rows == 0:
        return result
    clips = read_table(folder, "clips", ["clip_id", "status", "error", "num_frames", "width", "height"])
    clip_info = {row["clip_id"]: row for row in clips.to_pylist()}
    keep = []
    for row in samples.select(["sample_id", "clip_id", "end_frame"]).to_pylist():
        problem = _sample_problem(row, clip_info.get(row["clip_id"]), f"{source} sample {row['sample_id']!r}")
        if problem:
            result.skipped.append(problem)
        keep.append(problem is None)
    samples = samples.filter(pa.array(keep))
    frames = read_table(folder, "frames")
    frames = frames.filter(pc.is_in(frames.column("clip_id"), value_set=pc.unique(samples.column("clip_id"))))
    for arrays in sample_arrays(frames, samples, num_persons):
        info = clip_info[arrays.clip_id]
        result.samples.append(SkeletonSample(
            sample_id=arrays.sample_id, clip_id=arrays.clip_id, label=arrays.label, keypoint=arrays.keypoint,
            keypoint_score=arrays.keypoint_score, img_shape=(int(info["height"]), int(info["width"])),
        ))
    for problem in result.skipped:
        log.warning("skipped: %s", problem)
    return result


def persons_per_clip(folder: Path) -> int:
    """The most tracked persons any clip of the tables holds (what the build's `max_persons` kept):
    a model with more person slots would spend their compute on zeros."""
    frames = read_table(folder, "frames", ["clip_id", "track_id"])
    if frames.num_rows == 0:
        return 1
    pairs = frames.group_by(["clip_id", "track_id"]).aggregate([])
    counts = pairs.group_by("clip_id").aggregate([("track_id", "count")])
    return max(1, int(pc.max(counts["track_id_count"]).as_py()))
