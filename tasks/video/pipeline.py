"""One video through the whole path: record -> decode -> pose -> track -> top persons -> its part.

Plain functions (the tables writer wraps `build_part` in a Prefect task; the bench and tests call
them directly). A video whose item fingerprint (raw bytes, annotation files, settings, code) and
pose inputs are unchanged since its part was written is not decoded again. A video that cannot be
decoded or whose annotations are broken becomes a part with a failed clip row saying why; an
unexpected error, or a raw file that is missing, gives a failed row too but no part, so the next
build tries that video again.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from tasks import itemcache
from tasks.fingerprint import sha256_file, sha256_json
from tasks.items import Item, ItemError, ItemResult
from tasks.rawfiles import FileDigests
from tasks.video.decode import DecodeError, VideoDecoder, VideoInfo, prefetch
from tasks.video.items import VideoItem, cut_samples
from tasks.video.pose import PoseBackend, make_backend
from tasks.video.pose.annotations import AnnotationError as PoseFileError
from tasks.video.tables import clip_row, clips_table, frames_table, part_clip, part_name, samples_table, write_part
from tasks.video.tracking import Tracks, track_persons

# Errors that belong to the input (the same bytes fail the same way): their failed parts are kept.
INPUT_ERRORS = (DecodeError, PoseFileError)


def pose_settings(options: dict[str, Any], backend: PoseBackend) -> dict[str, Any]:
    """Everything the frames table depends on: the backend's settings, decoding and tracking."""
    return {
        "backend": backend.name, "pose": backend.settings(), "decode": options["decode"],
        "tracking": options["tracking"], "max_persons": options["max_persons"],
    }


Progress = Callable[[int, int], None]


def estimate_tracks(
    path: Path,
    options: dict[str, Any],
    backend: PoseBackend,
    progress: Progress | None = None,
) -> tuple[VideoInfo, Tracks]:
    """Decode in batches, estimate poses per frame, track, keep the top `max_persons` tracks;
    `progress(frames done, frames in the video)` after each batch."""
    decode = options["decode"]
    decoder = VideoDecoder(path, decode["stride"], decode["max_side"], decode["batch"], decode["truncation_tolerance"])
    per_frame = []
    for batch in prefetch(decoder):
        persons = backend(batch, decoder.info.width, decoder.info.height)
        per_frame.extend(zip(batch.indices.tolist(), persons))
        if progress:
            progress(int(batch.indices[-1]) + 1, decoder.info.num_frames)
    tracks = track_persons(per_frame, options["max_persons"], **options["tracking"])
    return decoder.info, tracks


CODE = Path(__file__).parent


def build_part(
    item: Item,
    reader: ModuleType,
    digests: FileDigests,
    options: dict[str, Any],
    settings: str,
    parts_dir: Path,
    progress: Progress | None = None,
) -> ItemResult:
    """Make (or reuse) the table part of one video; never raises for a bad video. `reader` is the
    video reader module (its load_records gives the clip's record); `settings` names the spec's
    settings and the code (the part is reused only when both are unchanged)."""
    started = time.perf_counter()
    backend = make_backend(options["pose"])
    pose_hash = sha256_json(pose_settings(options, backend))[:16]
    try:
        fingerprint = itemcache.item_fingerprint(digests, item, settings)
    except ItemError as err:
        return ItemResult(item.key, "", status="failed", file=err.file, reason=err.reason, digests=digests.fresh,
                          clip=_clip(item, err.reason, backend.name, pose_hash))
    source = itemcache.source_fingerprint(item, digests)
    video = digests.root / item.files[0]
    sha = digests.fresh[item.files[0]][2]
    inputs = {p.name: sha256_file(p) if p.is_file() else "missing" for p in backend.inputs(video)}
    name = part_name(item.key, sha256_json([fingerprint, pose_hash, inputs]))
    done = dict(key=item.key, fingerprint=fingerprint, source=source, part=name, digests=digests.fresh)
    if (parts_dir / name / "clips.parquet").is_file():
        row = part_clip(parts_dir / name)
        if row["status"] == "ok":
            return ItemResult(**done, status="unchanged", clip=row)
        error = row["error"] or ""
        file = next((f for f in item.files[1:] if error.startswith(f"{f}: ")), item.files[0])
        return ItemResult(**done, status="failed", file=file, reason=error.removeprefix(f"{file}: "), clip=row)
    try:
        record = VideoItem(**reader.load_records(digests.root, item, options)[0])
    except ItemError as err:
        return _failed_part(parts_dir, done, _clip(item, err.reason, backend.name, pose_hash, sha), err.file)
    try:
        info, tracks = estimate_tracks(video, options, backend, progress)
    except INPUT_ERRORS as err:
        return _failed_part(parts_dir, done, clip_row(record, sha, backend.name, pose_hash, error=str(err)), item.files[0])
    except Exception as err:  # noqa: BLE001 - a bug or a resource problem: report it, keep no part, retry next time
        row = clip_row(record, sha, backend.name, pose_hash, error=f"{type(err).__name__}: {err}")
        return ItemResult(**{**done, "part": None}, status="failed", file=item.files[0], reason=row["error"], clip=row)
    action = (options.get("windows") or {}).get("action")
    beyond = [e for e in record.events if e["name"] == action and e["end"] > info.num_frames]
    if beyond:  # a labelled range that does not fit its video: the annotation is wrong, not the video
        e = beyond[0]
        reason = f"event {e['name']} {e['start']}-{e['end']} runs past the video's {info.num_frames} frames"
        return _failed_part(parts_dir, done, clip_row(record, sha, backend.name, pose_hash, info, error=reason), item.files[-1])
    row = clip_row(record, sha, backend.name, pose_hash, info)
    write_part(parts_dir, name, {
        "clips": clips_table([row]),
        "frames": frames_table(item.key, tracks),
        "samples": samples_table(record, cut_samples(record, info.num_frames, options.get("windows"), options["labels"])),
    })
    detail = f"{len(tracks)} rows, {len(set(tracks.track_id.tolist()))} tracks, {time.perf_counter() - started:.1f} s"
    return ItemResult(**done, clip=row, detail=detail)


def _clip(item: Item, error: str, backend: str, pose_hash: str, sha: str = "missing") -> dict[str, Any]:
    """The clips row of a video whose record could not be read (labels unknown: the reader's guess)."""
    record = VideoItem(item.key, item.files[0], item.data.get("split", ""), int(item.data.get("label", -1)),
                       item.data.get("label_name", ""))
    return clip_row(record, sha, backend, pose_hash, error=error)


def _failed_part(parts_dir: Path, done: dict[str, Any], row: dict[str, Any], file: str) -> ItemResult:
    """Bad input fails the same way next time: its failed row is kept as a part. The row's error
    names an annotation file that is to blame (the video's own errors name the video)."""
    reason = row["error"]
    if file != row["path"]:
        row["error"] = f"{file}: {reason}"
    write_part(parts_dir, done["part"], {
        "clips": clips_table([row]),
        "frames": frames_table(done["key"], Tracks.empty()),
        "samples": samples_table(VideoItem(row["clip_id"], row["path"], row["split"], row["label"], row["label_name"]), []),
    })
    return ItemResult(**done, status="failed", file=file, reason=reason, clip=row)
