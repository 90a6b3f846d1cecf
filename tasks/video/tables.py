"""Skeleton tables: per-video parts written atomically, merged into clips/frames/samples.parquet.

A part is a folder `.cache/parts/<clip>.<key>/` holding that video's three tables; it is written under a
temporary name and renamed, so a build killed at any moment leaves whole parts or none. The key is
a digest of everything the part depends on (raw bytes, sidecar files, spec and pose settings,
the item's labels and events): a part whose key still matches is reused as it is. The merged tables
are sorted, validated against `schemas.tables` and replaced atomically; `manifest.json` beside them
(schemas.tablemanifest) then records each file's bytes, sha256 and row count.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.arrays import STRIDE_KEY
from tasks import atomic
from schemas.errors import raise_if
from schemas.tablemanifest import TABLE_MANIFEST_NAME, TableFile, TableManifest
from schemas.tables import CLIPS, FRAMES, NUM_KEYPOINTS, SAMPLES, SORT_KEYS, TABLES, folder_problems, table_problems
from tasks.fingerprint import sha256_file
from tasks.video.items import SampleSpan, VideoItem
from tasks.video.tracking import Tracks

PARTS_DIR = ".cache/parts"
COMPRESSION = "zstd"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def parts_dir(out: Path) -> Path:
    """Where the parts live: the build's cache, beside the tables but not part of what DVC tracks."""
    return Path(out) / PARTS_DIR


def part_name(clip_id: str, key: str) -> str:
    """A file-system-safe, unique folder name for one clip's part with one key."""
    return f"{_UNSAFE.sub('_', clip_id.replace('/', '__'))}.{key[:16]}"


def clip_row(
    item: VideoItem,
    sha256: str,
    pose_backend: str,
    pose_settings_hash: str,
    info: Any = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The clips.parquet row of one video; `info` (a decode.VideoInfo) when it decoded."""
    return {
        "clip_id": item.clip_id, "split": item.split, "label": int(item.label), "label_name": item.label_name,
        "path": item.path, "sha256": sha256,
        "num_frames": int(info.num_frames) if info else 0, "fps": float(info.fps) if info else 0.0,
        "width": int(info.width) if info else 0, "height": int(info.height) if info else 0,
        "events": [{"name": e["name"], "start": int(e["start"]), "end": int(e["end"])} for e in item.events],
        "pose_backend": pose_backend, "pose_settings_hash": pose_settings_hash,
        "status": "failed" if error else "ok", "error": error,
    }


def clips_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=CLIPS)


def _fixed(values: np.ndarray, *sizes: int) -> pa.Array:
    array: pa.Array = pa.array(np.ascontiguousarray(values, np.float32).reshape(-1), pa.float32())
    for size in reversed(sizes):
        array = pa.FixedSizeListArray.from_arrays(array, size)
    return array


def frames_table(clip_id: str, tracks: Tracks) -> pa.Table:
    """frames.parquet rows of one clip, straight from the tracker's columns."""
    n = len(tracks)
    return pa.Table.from_arrays(
        [
            pa.array([clip_id] * n, pa.string()),
            pa.array(tracks.frame_idx, pa.int32()),
            pa.array(tracks.track_id, pa.int32()),
            _fixed(tracks.boxes, 4),
            pa.array(np.asarray(tracks.scores, np.float32), pa.float32()),
            _fixed(tracks.keypoints, NUM_KEYPOINTS, 2),
            _fixed(tracks.keypoint_scores, NUM_KEYPOINTS),
        ],
        schema=FRAMES,
    )


def samples_table(item: VideoItem, spans: Iterable[SampleSpan]) -> pa.Table:
    rows = [
        {"sample_id": s.sample_id, "clip_id": item.clip_id, "split": item.split, "start_frame": s.start,
         "end_frame": s.end, "label": s.label, "label_name": s.label_name}
        for s in spans
    ]
    return pa.Table.from_pylist(rows, schema=SAMPLES)


def write_table(table: pa.Table, path: Path) -> Path:
    """Parquet with zstd, under a temporary name first: a reader never sees half a file."""
    with atomic.atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression=COMPRESSION)
    return path


def write_part(parts_dir: Path, name: str, tables: dict[str, pa.Table]) -> Path:
    """One video's tables as `parts_dir/name/`, renamed into place whole."""
    final = parts_dir / name
    with atomic.atomic_path(final) as tmp:
        tmp.mkdir(parents=True)
        for table_name, table in tables.items():
            raise_if(f"{final}/{table_name}.parquet", table_problems(table, table_name, f"{final}/{table_name}.parquet"))
            pq.write_table(table, tmp / f"{table_name}.parquet", compression=COMPRESSION)
    return final


def read_part(path: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(path / f"{name}.parquet", schema=TABLES[name]) for name in TABLES}


def part_clip(path: Path) -> dict[str, Any]:
    """The clips row a part holds (status and error are what a re-run reports)."""
    return pq.read_table(path / "clips.parquet", schema=CLIPS).to_pylist()[0]


def clean_parts(parts_dir: Path, keep: set[str]) -> int:
    """Remove leftovers of killed writes and parts no item refers to any more."""
    removed = 0
    if not parts_dir.is_dir():
        return removed
    for entry in parts_dir.iterdir():
        if entry.name not in keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _sorted(table: pa.Table, name: str) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in SORT_KEYS[name]])


def merge_parts(
    out: Path, parts: list[Path], extra_clips: Iterable[dict[str, Any]] = (), frame_stride: int = 1,
) -> dict[str, Path]:
    """The dataset's three tables from its parts (and clip rows not stored as parts), sorted,
    validated and written atomically into `out`; returns table name -> path. One table at a time
    is read from the parts (single-threaded: the parts are small and many), and the merged tables
    are let go before the written folder is checked."""
    extra = list(extra_clips)
    tables: dict[str, pa.Table] = {}
    for name, schema in TABLES.items():
        pieces = [pq.read_table(p / f"{name}.parquet", schema=schema, use_threads=False) for p in parts]
        if name == "clips" and extra:
            pieces.append(clips_table(extra))
        table = pa.concat_tables(pieces) if pieces else schema.empty_table()
        del pieces
        table = _sorted(table, name).combine_chunks()
        if name == "frames":
            metadata = dict(schema.metadata or {})
            metadata[STRIDE_KEY] = str(frame_stride).encode()
            table = table.replace_schema_metadata(metadata)
        raise_if(f"{out / name}.parquet", table_problems(table, name, f"{out / name}.parquet"))
        tables[name] = table
    written = {name: write_table(tables.pop(name), out / f"{name}.parquet") for name in list(tables)}
    raise_if(str(out), folder_problems(out))
    return written


def table_file(path: Path) -> TableFile:
    """A file's manifest entry: bytes, sha256 and, for a Parquet table, its row count."""
    path = Path(path)
    rows = pq.read_metadata(path).num_rows if path.suffix == ".parquet" else None
    return TableFile(path.name, path.stat().st_size, sha256_file(path), rows)


def write_manifest(out: Path, dataset: str, files: Iterable[Path]) -> Path:
    """`out/manifest.json` for the written tables (and export), rewritten only when it changes; the
    same files give the same bytes (names relative to `out`, no times)."""
    files = [Path(f) for f in files]
    strays = [str(f) for f in files if f.resolve().parent != Path(out).resolve()]
    if strays:
        raise ValueError(f"{out}: a table manifest lists files beside it only, not {strays}")
    manifest = TableManifest(dataset, sorted((table_file(f) for f in files), key=lambda f: f.name))
    path = Path(out) / TABLE_MANIFEST_NAME
    atomic.write_if_changed(path, manifest.to_json())
    return path
