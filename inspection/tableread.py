"""Finding a dataset's skeleton tables and reading what one clip needs from them.

DIR is a dataset folder (`clips.parquet`, `frames.parquet`, `samples.parquet`) or a folder above
several; folders inside a dataset folder (a build's per-clip parts) are not datasets. One clip's rows are read with a filter on clip_id, which Parquet row-group statistics turn
into a partial read (frames are sorted by clip_id).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.arrays import flat_values
from schemas.tables import NUM_KEYPOINTS, TABLES


class TablesError(ValueError):
    """A DIR that holds no skeleton tables (a usage error)."""


class TableReadError(Exception):
    """A table that cannot be read: which file and why."""


def table_path(folder: Path, name: str) -> Path:
    return Path(folder) / f"{name}.parquet"


def table_folders(target: Path) -> list[Path]:
    """The dataset folders at or under `target` (those holding clips.parquet)."""
    target = Path(target)
    if not target.exists():
        raise TablesError(f"{target}: no such folder")
    if target.is_file():
        if target.suffix == ".parquet":
            return [target.parent]
        raise TablesError(f"{target}: not a folder of skeleton tables")
    found = []
    for current, dirs, files in os.walk(target):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if any(f"{name}.parquet" in files for name in TABLES):
            found.append(Path(current))
            dirs[:] = []  # below a dataset folder lie the build's own partial tables, not datasets
    if not found:
        raise TablesError(f"{target}: no skeleton tables ({', '.join(f'{n}.parquet' for n in TABLES)}) there")
    return found


def read_table(folder: Path, name: str, columns: list[str] | None = None, filters: list | None = None) -> pa.Table:
    path = table_path(folder, name)
    if not path.is_file():
        raise TableReadError(f"{path}: missing")
    try:
        if filters is None:  # one file: no need for the dataset machinery (pyarrow.dataset is slow to import)
            with pq.ParquetFile(path) as parquet:
                return parquet.read(columns=columns)
        return pq.read_table(path, columns=columns, filters=filters)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise TableReadError(f"{path}: unreadable: {err}") from None


def clip_row(folder: Path, clip_id: str) -> tuple[dict | None, list[str]]:
    """The clip's row as a dict, or None and the closest clip ids."""
    table = read_table(folder, "clips", filters=[("clip_id", "==", clip_id)])
    if table.num_rows:
        return table.slice(0, 1).to_pylist()[0], []
    ids = read_table(folder, "clips", columns=["clip_id"]).column("clip_id").to_pylist()
    return None, difflib.get_close_matches(clip_id, ids, n=5, cutoff=0.4)


@dataclass
class ClipFrames:
    """One clip's rows of frames.parquet as arrays (sorted by frame, then track)."""

    frame_idx: np.ndarray
    track_id: np.ndarray
    bbox: np.ndarray
    bbox_score: np.ndarray
    keypoints: np.ndarray
    keypoint_scores: np.ndarray

    def __len__(self) -> int:
        return len(self.frame_idx)

    def at(self, frame: int) -> np.ndarray:
        return np.flatnonzero(self.frame_idx == frame)


def clip_frames(folder: Path, clip_id: str) -> ClipFrames:
    table = read_table(folder, "frames", filters=[("clip_id", "==", clip_id)])
    table = table.sort_by([("frame_idx", "ascending"), ("track_id", "ascending")])
    n = table.num_rows
    return ClipFrames(
        frame_idx=table.column("frame_idx").to_numpy(),
        track_id=table.column("track_id").to_numpy(),
        bbox=flat_values(table.column("bbox"), 1).reshape(n, 4).astype(np.float64),
        bbox_score=table.column("bbox_score").to_numpy().astype(np.float64),
        keypoints=flat_values(table.column("keypoints"), 2).reshape(n, NUM_KEYPOINTS, 2).astype(np.float64),
        keypoint_scores=flat_values(table.column("keypoint_scores"), 1).reshape(n, NUM_KEYPOINTS).astype(np.float64),
    )
