"""`tables validate`: the three tables against schemas.tables, then against each other.

Beyond each table's contract (checked by schemas.tables.folder_problems): the files' bytes and
sha256 against manifest.json when the folder has one, the schema version each file was written
with, skeletons of failed clips, frame numbers past a clip's end, samples that leave their clip or
disagree with its split, one label number with two names, and one source in two splits (leakage).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from inspection.leakage import table_leaks
from inspection.tableread import table_path
from inspection.tableverify import verify_tables
from schemas.tables import TABLES, folder_problems
from schemas.version import SCHEMA_VERSION

SHOWN = 5


def _version_problems(folder: Path) -> list[str]:
    problems = []
    for name in TABLES:
        path = table_path(folder, name)
        if not path.is_file():
            continue
        try:
            metadata = pq.read_schema(path).metadata or {}
        except (OSError, ValueError) as err:
            problems.append(f"{path}: unreadable: {err}")
            continue
        version = metadata.get(b"posefoundry.schema_version", b"").decode()
        if not version:
            problems.append(f"{path}: no posefoundry.schema_version in its metadata (not written by this project's writer)")
        elif version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            problems.append(f"{path}: written with schema version {version}, this reader knows {SCHEMA_VERSION}")
    return problems


def _ids(frame: pl.DataFrame, column: str = "clip_id") -> str:
    ids = frame.get_column(column).unique(maintain_order=True).head(SHOWN).to_list()
    more = frame.get_column(column).n_unique() - len(ids)
    return ", ".join(map(str, ids)) + (f" and {more} more" if more > 0 else "")


def cross_problems(folder: Path) -> list[str]:
    """How the tables disagree with each other (assumes each passed its own contract)."""
    clips = pl.read_parquet(table_path(folder, "clips"), columns=[
        "clip_id", "split", "label", "label_name", "num_frames", "status", "path", "sha256"])
    frames = pl.read_parquet(table_path(folder, "frames"), columns=["clip_id", "frame_idx"])
    samples = pl.read_parquet(table_path(folder, "samples"))
    frames_path, samples_path, clips_path = (table_path(folder, n) for n in ("frames", "samples", "clips"))
    problems = []
    rows = frames.join(clips, on="clip_id", how="inner")
    of_failed = rows.filter(pl.col("status") != "ok")
    if of_failed.height:
        problems.append(f"{frames_path}: {of_failed.height} row(s) of failed clip(s) {_ids(of_failed)}")
    past_end = rows.filter((pl.col("status") == "ok") & (pl.col("frame_idx") >= pl.col("num_frames")))
    if past_end.height:
        first = past_end.row(0, named=True)
        problems.append(
            f"{frames_path}: {past_end.height} row(s) with frame_idx past the clip's num_frames, "
            f"first clip {first['clip_id']} frame {first['frame_idx']} of {first['num_frames']}"
        )
    joined = samples.join(clips, on="clip_id", how="inner", suffix="_clip")
    checks = [
        (joined.filter(pl.col("status") != "ok"), "sample(s) cut from failed clip(s)"),
        (joined.filter((pl.col("status") == "ok") & (pl.col("end_frame") > pl.col("num_frames"))), "sample(s) ending past their clip's num_frames"),
        (joined.filter(pl.col("split") != pl.col("split_clip")), "sample(s) in another split than their clip"),
    ]
    for bad, what in checks:
        if bad.height:
            problems.append(f"{samples_path}: {bad.height} {what}: {_ids(bad, 'sample_id')}")
    for table, path in ((clips, clips_path), (samples, samples_path)):
        names = table.group_by("label").agg(pl.col("label_name").unique().sort().alias("names"))
        for label, labels in names.filter(pl.col("names").list.len() > 1).iter_rows():
            problems.append(f"{path}: label {label} has several names {labels}")
    return problems + table_leaks(clips, clips_path)


def validate_folder(folder: Path) -> list[str]:
    """Every problem of one dataset folder's tables, each naming the file (and row or ids)."""
    damaged = verify_tables(folder, required=False).problems
    problems = [str(p) for p in folder_problems(folder)]
    problems += _version_problems(folder)
    if problems:
        return damaged + problems
    return damaged + cross_problems(folder)
