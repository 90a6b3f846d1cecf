"""One video through the whole path: decode -> pose -> track -> top persons -> its table part.

Plain functions (the Prefect flow wraps `build_part` in a task; the bench and tests call them
directly). A video whose bytes, sidecars, settings and code are unchanged since its part was
written is not decoded again. A video that cannot be decoded or whose annotations are broken
becomes a part with a failed clip row saying why; an unexpected error gives a failed row too but
no part, so the next build tries that video again.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tasks.fingerprint import sha256_file, sha256_json
from tasks.video.decode import DecodeError, VideoDecoder, VideoInfo, prefetch
from tasks.video.items import SampleSpan, VideoItem
from tasks.video.pose import PoseBackend, make_backend
from tasks.video.pose.annotations import AnnotationError as PoseFileError
from tasks.video.tables import clip_row, clips_table, frames_table, part_clip, part_name, samples_table, write_part
from tasks.video.tracking import Tracks, track_persons

# Errors that belong to the input (the same bytes fail the same way): their failed parts are kept.
INPUT_ERRORS = (DecodeError, PoseFileError)


class ItemError(ValueError):
    """The reader could not read this video's annotations (e.g. a malformed XML)."""


@dataclass
class PartResult:
    clip_id: str
    path: str
    status: str  # written | unchanged | failed
    part: str | None
    sha256: str
    error: str | None = None
    error_file: str | None = None
    frames: int = 0
    tracks: int = 0
    seconds: float = 0.0
    clip: dict[str, Any] = field(default_factory=dict)


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


@functools.cache
def code_digest() -> str:
    """A digest of the code that shapes a part (this package): a part made by other code is not
    reused, so a fix to decoding, poses or tracking reaches every video on the next build."""
    package = Path(__file__).parent
    return sha256_json({p.relative_to(package).as_posix(): sha256_file(p) for p in sorted(package.rglob("*.py"))})


def part_key(item: VideoItem, sha256: str, sidecars: dict[str, str], spec_hash: str, pose_hash: str) -> str:
    return sha256_json({
        "raw": sha256, "sidecars": sidecars, "spec": spec_hash, "pose": pose_hash,
        "item": item.to_dict(), "code": code_digest(),
    })


def _digest(path: Path) -> str:
    return sha256_file(path) if path.is_file() else "missing"


def build_part(
    item: VideoItem,
    root: Path,
    options: dict[str, Any],
    spec_hash: str,
    parts_dir: Path,
    samples: Callable[[VideoItem, int], list[SampleSpan]],
    known_sha256: str | None = None,
    progress: Progress | None = None,
) -> PartResult:
    """Make (or reuse) the table part of one video; never raises for a bad video."""
    started = time.perf_counter()
    video = root / item.path
    backend = make_backend(options["pose"])
    settings = pose_settings(options, backend)
    pose_hash = sha256_json(settings)[:16]
    sha = known_sha256 or _digest(video)
    sidecars = {p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p): _digest(p)
                for p in [root / s for s in item.sidecars] + backend.inputs(video)}
    name = part_name(item.clip_id, part_key(item, sha, sidecars, spec_hash, pose_hash))
    result = PartResult(item.clip_id, item.path, "written", name, sha)
    if (parts_dir / name / "clips.parquet").is_file():
        result.clip = part_clip(parts_dir / name)
        result.status = "unchanged" if result.clip["status"] == "ok" else "failed"
        result.error = result.clip["error"]
        result.error_file = item.error_file or item.path
        return result
    try:
        if item.error:
            raise ItemError(item.error)
        info, tracks = estimate_tracks(video, options, backend, progress)
        row = clip_row(item, sha, backend.name, pose_hash, info)
        tables = {
            "clips": clips_table([row]),
            "frames": frames_table(item.clip_id, tracks),
            "samples": samples_table(item, samples(item, info.num_frames)),
        }
        result.frames, result.tracks = len(tracks), len(set(tracks.track_id.tolist()))
    except (ItemError, *INPUT_ERRORS) as err:
        row = clip_row(item, sha, backend.name, pose_hash, error=str(err))
        tables = {
            "clips": clips_table([row]),
            "frames": frames_table(item.clip_id, Tracks.empty()),
            "samples": samples_table(item, []),
        }
        result.status, result.error = "failed", str(err)
        result.error_file = item.error_file if isinstance(err, ItemError) else item.path
    except Exception as err:  # a bug or a resource problem: report it, keep no part, retry next time
        row = clip_row(item, sha, backend.name, pose_hash, error=f"{type(err).__name__}: {err}")
        result.status, result.part, result.error, result.error_file = "failed", None, row["error"], item.path
        result.clip, result.seconds = row, time.perf_counter() - started
        return result
    write_part(parts_dir, name, tables)
    result.clip, result.seconds = row, time.perf_counter() - started
    return result
