"""Pose backends behind one interface: a `FrameBatch` in, one `Persons` per frame out.

Every backend returns boxes (x1 y1 x2 y2), box scores, COCO-17 keypoints and their scores in the
ORIGINAL video's pixels (a batch's `scale` undoes the decoder's shrinking), so tracking, tables and
exports never need to know which backend ran or at what size the frames were decoded.

Backends (the spec's `pose.backend`):
- `annotations`: poses read from a file beside each video (what the synthetic sample ships);
- `mediapipe`:   MediaPipe's bundled BlazePose, several persons per frame by masking (offline);
- `rtmo`:        MMPose RTMO from a config and a checkpoint, batched, on GPU when there is one;
- `onnx`:        an RTMO end-to-end ONNX model through onnxruntime;
- `rtmpose`:     a top-down RTMPose (the train_pose stage's model) on another backend's boxes.
"""

from __future__ import annotations

import importlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from schemas.tables import NUM_KEYPOINTS
from tasks.fingerprint import sha256_file, sha256_json
from tasks.video.decode import FrameBatch

BACKENDS = {
    "annotations": "tasks.video.pose.annotations:AnnotationBackend",
    "mediapipe": "tasks.video.pose.blazepose:BlazePoseBackend",
    "rtmo": "tasks.video.pose.rtmo:RTMOBackend",
    "onnx": "tasks.video.pose.rtmo_onnx:RTMOOnnxBackend",
    "rtmpose": "tasks.video.pose.rtmpose:RTMPoseBackend",
}
# The pose options whose values are files: their contents, not their paths, go into the settings hash.
FILE_OPTIONS = ("config", "checkpoint", "model")


@dataclass
class Persons:
    """The persons found in one frame (N of them), in original video pixels."""

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray
    keypoint_scores: np.ndarray

    @classmethod
    def empty(cls) -> "Persons":
        return cls(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
            np.zeros((0, NUM_KEYPOINTS, 2), np.float32), np.zeros((0, NUM_KEYPOINTS), np.float32),
        )

    @classmethod
    def stack(cls, people: list["Persons"]) -> "Persons":
        if not people:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in people]) for f in ("boxes", "scores", "keypoints", "keypoint_scores")))

    def __len__(self) -> int:
        return len(self.scores)

    def select(self, index: np.ndarray) -> "Persons":
        return Persons(self.boxes[index], self.scores[index], self.keypoints[index], self.keypoint_scores[index])

    def scaled(self, sx: float, sy: float) -> "Persons":
        factor = np.array([sx, sy], np.float32)
        return Persons(self.boxes * np.tile(factor, 2), self.scores, self.keypoints * factor, self.keypoint_scores)

    def clean(self, width: int, height: int, min_score: float = 0.0, limit: int | None = None) -> "Persons":
        """Contract-safe values: float32, finite, inside the frame, scores in [0, 1]; the `limit`
        best persons scoring at least `min_score`. A non-finite keypoint gets score 0."""
        boxes = np.asarray(self.boxes, np.float32).reshape(-1, 4)
        scores = np.nan_to_num(np.asarray(self.scores, np.float32), nan=0.0).clip(0, 1)
        kpts = np.asarray(self.keypoints, np.float32).reshape(-1, NUM_KEYPOINTS, 2)
        kscores = np.nan_to_num(np.asarray(self.keypoint_scores, np.float32), nan=0.0).clip(0, 1)
        kscores = np.where(np.isfinite(kpts).all(-1), kscores, 0).astype(np.float32)
        bound = np.array([width, height], np.float32)
        kpts = np.nan_to_num(kpts, nan=0.0, posinf=0.0, neginf=0.0).clip(0, bound)
        keep = np.isfinite(boxes).all(1) & (scores >= min_score)
        boxes = np.nan_to_num(boxes).reshape(-1, 2, 2).clip(0, bound).reshape(-1, 4)
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2])
        order = np.flatnonzero(keep)[np.argsort(-scores[keep], kind="stable")][:limit]
        return Persons(boxes[order], scores[order], kpts[order], kscores[order])


class PoseBackend:
    """Frames in, per-frame persons out; subclasses set `name` and implement `estimate`."""

    name = ""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def settings(self) -> dict[str, Any]:
        """What the poses depend on: every pose option, with files replaced by their digests."""
        settings = dict(self.options)
        for key in FILE_OPTIONS:
            if settings.get(key):
                settings[key] = self.settings_of_file(Path(settings[key]))
        return settings

    @staticmethod
    def settings_of_file(path: Path) -> str:
        """A file's digest (its bytes decide the poses, not its name); the path if it is not a file."""
        return sha256_file(path) if path.is_file() else str(path)

    def settings_hash(self) -> str:
        return sha256_json({"backend": self.name, **self.settings()})[:16]

    def inputs(self, video: Path) -> list[Path]:
        """Files besides the video that this backend reads for it (their bytes key the cache)."""
        return []

    def estimate(self, batch: FrameBatch) -> list[Persons]:
        raise NotImplementedError

    def __call__(self, batch: FrameBatch, width: int, height: int) -> list[Persons]:
        """Persons per frame of `batch`, cleaned for the contract (original `width` x `height`)."""
        limit = int(self.options.get("max_people") or 0) or None
        threshold = float(self.options.get("score_threshold") or 0.0)
        return [p.clean(width, height, threshold, limit) for p in self.estimate(batch)]


def resolve_device(device: str) -> str:
    """`auto` -> the GPU when torch sees one, else the CPU."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def require_file(options: dict[str, Any], key: str, backend: str) -> Path:
    value = options.get(key)
    if not value:
        raise ValueError(f"pose backend {backend!r} needs the option pose.{key} (a file path)")
    path = Path(value)
    if not path.is_file():
        raise FileNotFoundError(f"pose.{key}: {path} does not exist (pose backend {backend!r})")
    return path


_cache: dict[str, PoseBackend] = {}
_cache_lock = threading.RLock()  # a backend may build another (rtmpose builds its box source)


def make_backend(options: dict[str, Any]) -> PoseBackend:
    """The backend the pose options select, built once a process (models load in seconds)."""
    name = options.get("backend")
    if name not in BACKENDS:
        raise ValueError(f"unknown pose backend {name!r}; expected one of {', '.join(BACKENDS)}")
    key = json.dumps(options, sort_keys=True, default=str)
    with _cache_lock:
        if key not in _cache:
            module, attr = BACKENDS[name].split(":")
            _cache[key] = getattr(importlib.import_module(module), attr)(dict(options))
        return _cache[key]
