"""The `annotations` backend: poses read from a file beside each video, not estimated.

What the synthetic sample ships (pose models never saw rendered stick figures), and a way to bring
poses made elsewhere. The file is `pose.annotations` (default `{stem}.pose.json`) in the video's
folder, JSON:

    {"format": "posefoundry-poses", "version": 1,
     "video": "<file name>", "num_frames": int, "width": int, "height": int,
     "keypoints": "coco17",
     "frames": [{"frame": int, "persons": [
         {"bbox": [x1, y1, x2, y2], "score": float, "keypoints": [[x, y, score] x 17], "id": int?}
     ]}]}

Frames are 0-based indices into the video; coordinates are pixels of the original video; a frame
that is not listed (or lists no persons) has nobody in it. `id` (the true identity, optional) is
ignored here: the tracker has to find identities itself.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from schemas.tables import NUM_KEYPOINTS
from tasks.video.decode import FrameBatch
from tasks.video.pose import Persons, PoseBackend

FORMAT = "posefoundry-poses"
VERSION = 1


class AnnotationError(ValueError):
    """A pose annotation file that is missing or does not follow the format (names the file)."""


def annotation_path(video: Path, pattern: str) -> Path:
    return video.parent / pattern.format(stem=video.stem, name=video.name)


def _person(where: str, person: Any) -> tuple[list[float], float, np.ndarray]:
    if not isinstance(person, dict):
        raise AnnotationError(f"{where}: expected an object")
    try:
        box = [float(v) for v in person["bbox"]]
        score = float(person.get("score", 1.0))
        kpts = np.asarray(person["keypoints"], dtype=np.float32)
    except (KeyError, TypeError, ValueError) as err:
        raise AnnotationError(f"{where}: needs bbox [4] and keypoints [17][3] ({err})") from err
    if len(box) != 4 or kpts.shape != (NUM_KEYPOINTS, 3):
        raise AnnotationError(f"{where}: bbox has {len(box)} values and keypoints shape {list(kpts.shape)}; expected 4 and [17, 3]")
    return box, score, kpts


def read_annotations(path: Path) -> dict[int, Persons]:
    """frame index -> persons, checked against the format; errors name the file and the entry."""
    if not path.is_file():
        raise AnnotationError(f"{path}: no pose annotation file beside the video")
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise AnnotationError(f"{path}: not JSON ({err})") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AnnotationError(f"{path}: not a {FORMAT!r} file (key 'format')")
    if data.get("version") != VERSION:
        raise AnnotationError(f"{path}: version {data.get('version')!r}, this reader knows {VERSION}")
    if data.get("keypoints", "coco17") != "coco17":
        raise AnnotationError(f"{path}: keypoints {data.get('keypoints')!r}, expected 'coco17'")
    frames: dict[int, Persons] = {}
    for i, entry in enumerate(data.get("frames", [])):
        where = f"{path} frames[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("frame"), int) or entry["frame"] < 0:
            raise AnnotationError(f"{where}: expected an object with a 0-based integer 'frame'")
        people = [_person(f"{where} persons[{j}]", p) for j, p in enumerate(entry.get("persons", []))]
        if not people:
            continue
        frames[entry["frame"]] = Persons(
            np.array([p[0] for p in people], np.float32),
            np.array([p[1] for p in people], np.float32),
            np.stack([p[2][:, :2] for p in people]),
            np.stack([p[2][:, 2] for p in people]),
        )
    return frames


class AnnotationBackend(PoseBackend):
    """Looks poses up by frame index; pixels are not read (decoding still checks the video)."""

    name = "annotations"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.pattern = options.get("annotations") or "{stem}.pose.json"
        self._local = threading.local()

    def settings(self) -> dict[str, Any]:
        return {k: self.options.get(k) for k in ("annotations", "score_threshold", "max_people")}

    def inputs(self, video: Path) -> list[Path]:
        return [annotation_path(video, self.pattern)]

    def _frames(self, video: Path) -> dict[int, Persons]:
        if getattr(self._local, "video", None) != video:
            self._local.frames = read_annotations(annotation_path(video, self.pattern))
            self._local.video = video
        return self._local.frames

    def estimate(self, batch: FrameBatch) -> list[Persons]:
        frames = self._frames(batch.video)
        return [frames.get(int(i), Persons.empty()) for i in batch.indices]
