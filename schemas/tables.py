"""Skeleton tables (clips, frames, samples): Arrow schemas and validators.

Frame numbers are 0-based indices into the decoded video; `end_frame` of a sample is exclusive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas.arrays import flat_values
from schemas.errors import Problem, raise_if
from schemas.skeletons import NUM_KEYPOINTS
from schemas.version import SCHEMA_VERSION

EVENT = pa.struct([("name", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
_LABEL = [("label", pa.int32()), ("label_name", pa.string())]


def _table(name: str, columns: list[tuple[str, pa.DataType]], nullable: tuple[str, ...] = ()) -> pa.Schema:
    """A table's schema: every column required unless named in `nullable`; the metadata names the
    table and the schema version."""
    fields = [pa.field(column, kind, nullable=column in nullable) for column, kind in columns]
    return pa.schema(fields, metadata={"posefoundry.table": name, "posefoundry.schema_version": SCHEMA_VERSION})


CLIPS = _table("clips", [
    ("clip_id", pa.string()), ("split", pa.string()), *_LABEL, ("path", pa.string()), ("sha256", pa.string()),
    ("num_frames", pa.int32()), ("fps", pa.float32()), ("width", pa.int32()), ("height", pa.int32()),
    ("events", pa.list_(EVENT)), ("pose_backend", pa.string()), ("pose_settings_hash", pa.string()),
    ("status", pa.string()), ("error", pa.string()),
], nullable=("error",))

FRAMES = _table("frames", [
    ("clip_id", pa.string()), ("frame_idx", pa.int32()), ("track_id", pa.int32()),
    ("bbox", pa.list_(pa.float32(), 4)), ("bbox_score", pa.float32()),
    ("keypoints", pa.list_(pa.list_(pa.float32(), 2), NUM_KEYPOINTS)),
    ("keypoint_scores", pa.list_(pa.float32(), NUM_KEYPOINTS)),
])

SAMPLES = _table("samples", [
    ("sample_id", pa.string()), ("clip_id", pa.string()), ("split", pa.string()),
    ("start_frame", pa.int32()), ("end_frame", pa.int32()), *_LABEL,
])

# Coordinate frames and units of the numeric columns (the README's Outputs section says the same).
COLUMN_UNITS: dict[str, str] = {
    "bbox": "x1 y1 x2 y2, pixels of the original video",
    "keypoints": "[17][2] x, y, pixels of the original video, COCO-17 order",
    "keypoint_scores": "[17] confidence, 0 to 1",
    "frame_idx": "0-based index into the decoded video",
    "fps": "frames per second, as the video declares",
}

TABLES: dict[str, pa.Schema] = {"clips": CLIPS, "frames": FRAMES, "samples": SAMPLES}
SORT_KEYS: dict[str, list[str]] = {
    "clips": ["clip_id"],
    "frames": ["clip_id", "frame_idx", "track_id"],
    "samples": ["sample_id"],
}


def _row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _structure_problems(table: pa.Table, schema: pa.Schema, source: str) -> list[Problem]:
    problems = []
    for field in schema:
        if field.name not in table.column_names:
            problems.append(Problem(f"{source} column {field.name!r}", f"missing; expected {field.type}"))
            continue
        actual = table.schema.field(field.name).type
        if actual != field.type:
            problems.append(
                Problem(f"{source} column {field.name!r}", f"has type {actual}, expected {field.type}")
            )
        elif not field.nullable and table.column(field.name).null_count:
            first = _row(table.column(field.name).is_null().to_numpy(zero_copy_only=False))
            problems.append(Problem(f"{source} row {first} column {field.name!r}", "is null"))
    extra = sorted(set(table.column_names) - set(schema.names))
    if extra:
        problems.append(Problem(source, f"unexpected column(s) {extra}"))
    return problems


def _duplicate_ids(table: pa.Table, column: str, source: str) -> list[Problem]:
    ids = table.column(column).to_numpy(zero_copy_only=False)
    return [Problem(f"{source} column {column!r}", "has duplicate ids")] if len(set(ids)) != len(ids) else []


def _clips_problems(table: pa.Table, source: str) -> list[Problem]:
    problems = []
    status = table.column("status").to_numpy(zero_copy_only=False)
    bad = ~np.isin(status, ["ok", "failed"])
    if bad.any():
        i = _row(bad)
        problems.append(Problem(f"{source} row {i} column 'status'", f"is {status[i]!r}, expected 'ok' or 'failed'"))
    error = table.column("error").is_null().to_numpy(zero_copy_only=False)
    missing = (status == "failed") & error
    if missing.any():
        problems.append(Problem(f"{source} row {_row(missing)} column 'error'", "a failed clip must say why"))
    ok = status == "ok"
    for name in ("num_frames", "width", "height"):
        values = table.column(name).to_numpy()
        bad = ok & (values <= 0)
        if bad.any():
            i = _row(bad)
            problems.append(Problem(f"{source} row {i} column {name!r}", f"is {values[i]}, expected > 0 for an ok clip"))
    return problems + _duplicate_ids(table, "clip_id", source)


def _frames_problems(table: pa.Table, source: str) -> list[Problem]:
    problems = []
    n = table.num_rows
    if n == 0:
        return problems
    bbox = flat_values(table.column("bbox"), 1).reshape(n, 4)
    bad = ~np.isfinite(bbox).all(1) | (bbox[:, 2] < bbox[:, 0]) | (bbox[:, 3] < bbox[:, 1])
    if bad.any():
        i = _row(bad)
        problems.append(Problem(f"{source} row {i} column 'bbox'", f"is {bbox[i].tolist()}, expected finite x1<=x2, y1<=y2"))
    kpts = flat_values(table.column("keypoints"), 2).reshape(n, NUM_KEYPOINTS, 2)
    bad = ~np.isfinite(kpts).all((1, 2))
    if bad.any():
        problems.append(Problem(f"{source} row {_row(bad)} column 'keypoints'", "has non-finite values"))
    for name in ("keypoint_scores", "bbox_score"):
        depth = 1 if name == "keypoint_scores" else 0
        scores = flat_values(table.column(name), depth).reshape(n, -1)
        bad = ~((scores >= 0) & (scores <= 1)).all(1)
        if bad.any():
            i = _row(bad)
            problems.append(Problem(f"{source} row {i} column {name!r}", "expected scores in [0, 1]"))
    keys = table.select(SORT_KEYS["frames"])
    order = pc.sort_indices(keys, sort_keys=[(k, "ascending") for k in SORT_KEYS["frames"]]).to_numpy()
    unsorted = order != np.arange(n)
    if unsorted.any():
        problems.append(Problem(f"{source} row {_row(unsorted)}", "rows are not sorted by clip_id, frame_idx, track_id"))
    clip = table.column("clip_id").to_numpy(zero_copy_only=False)
    frame = table.column("frame_idx").to_numpy()
    track = table.column("track_id").to_numpy()
    dup = (clip[1:] == clip[:-1]) & (frame[1:] == frame[:-1]) & (track[1:] == track[:-1])
    if dup.any():
        problems.append(Problem(f"{source} row {_row(dup) + 1}", "repeats a (clip_id, frame_idx, track_id)"))
    if (frame < 0).any():
        problems.append(Problem(f"{source} row {_row(frame < 0)} column 'frame_idx'", "is negative"))
    return problems


def _samples_problems(table: pa.Table, source: str) -> list[Problem]:
    problems = []
    start = table.column("start_frame").to_numpy()
    end = table.column("end_frame").to_numpy()
    bad = (start < 0) | (end <= start)
    if bad.any():
        i = _row(bad)
        problems.append(Problem(f"{source} row {i}", f"start_frame {start[i]}, end_frame {end[i]}: expected 0 <= start < end"))
    return problems + _duplicate_ids(table, "sample_id", source)


_CHECKS = {"clips": _clips_problems, "frames": _frames_problems, "samples": _samples_problems}


def table_problems(table: pa.Table, name: str, source: str | None = None) -> list[Problem]:
    """Every way `table` breaks the contract of table `name` (clips, frames or samples)."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; expected one of {sorted(TABLES)}")
    source = source or f"{name}.parquet"
    problems = _structure_problems(table, TABLES[name], source)
    if problems:
        return problems
    return _CHECKS[name](table, source)


def validate_table(table: pa.Table, name: str, source: str | None = None) -> None:
    raise_if(source or f"{name}.parquet", table_problems(table, name, source))


def folder_problems(folder: str | Path) -> list[Problem]:
    """Check the three tables of one dataset folder and that they refer to each other."""
    folder = Path(folder)
    problems: list[Problem] = []
    tables: dict[str, pa.Table] = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if not path.exists():
            problems.append(Problem(str(path), "missing"))
            continue
        try:
            tables[name] = pq.read_table(path)
        except (pa.ArrowException, OSError) as err:
            problems.append(Problem(str(path), f"unreadable: {err}"))
            continue
        problems += table_problems(tables[name], name, str(path))
    if problems or len(tables) < 3:
        return problems
    clip_ids = set(tables["clips"].column("clip_id").to_pylist())
    for name in ("frames", "samples"):
        unknown = set(pc.unique(tables[name].column("clip_id")).to_pylist()) - clip_ids
        if unknown:
            problems.append(Problem(str(folder / f"{name}.parquet"), f"clip_id(s) not in clips.parquet: {sorted(unknown)[:5]}"))
    return problems


def empty(name: str) -> pa.Table:
    return TABLES[name].empty_table()
