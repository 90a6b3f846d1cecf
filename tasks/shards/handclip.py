"""A hand-clip sample from T annotated frames of one hand: crops, arrays in the contract, JSON.

Readers turn their source's frames into `HandFrame`s (camera-frame joints in the common wrist-first
order, in mm; the source image's intrinsics); everything after that is the same for every source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from schemas.shards import HAND_JOINTS, NUM_HAND_JOINTS, dump_npy, frame_member
from tasks.shards.crop import crop_image, points_bbox, project, square_crop
from tasks.shards.images import decode, encode_jpeg, read_bytes
from tasks.items import ItemError


@dataclass
class HandFrame:
    image: str
    joint_cam: np.ndarray
    joint_valid: np.ndarray
    focal: np.ndarray
    princpt: np.ndarray
    timestamp: float
    width: int | None = None
    height: int | None = None
    mano_pose: np.ndarray = field(default_factory=lambda: np.zeros(48))
    mano_shape: np.ndarray = field(default_factory=lambda: np.zeros(10))
    has_mano: float = 0.0
    annotation: str = ""


def _joint_name(index: int) -> str:
    return HAND_JOINTS[index]


def frame_geometry(frame: HandFrame, margin: float, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Projected joints [21, 2] and the hand box; fails if a labelled joint leaves the image."""
    joint_cam = np.asarray(frame.joint_cam, dtype=np.float64).reshape(NUM_HAND_JOINTS, 3)
    valid = np.asarray(frame.joint_valid, dtype=np.float64).reshape(NUM_HAND_JOINTS) > 0
    where = frame.annotation or frame.image
    if not valid.any():
        raise ItemError(where, f"no labelled joint for {frame.image}")
    if (joint_cam[valid, 2] <= 0).any():
        bad = int(np.flatnonzero(valid & (joint_cam[:, 2] <= 0))[0])
        raise ItemError(where, f"joint {_joint_name(bad)} of {frame.image} lies behind the camera (z={joint_cam[bad, 2]:.1f} mm)")
    joint_2d = project(joint_cam, frame.focal, frame.princpt)
    x, y = joint_2d[:, 0], joint_2d[:, 1]
    outside = valid & ((x < -margin) | (y < -margin) | (x > width + margin) | (y > height + margin))
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise ItemError(
            where,
            f"joint {_joint_name(bad)} of {frame.image} projects to ({x[bad]:.1f}, {y[bad]:.1f}), outside the {width}x{height} image",
        )
    return joint_2d, points_bbox(joint_2d[valid])


def hand_clip_sample(
    root: Path,
    key: str,
    frames: Sequence[HandFrame],
    *,
    handedness: str,
    data_source: str,
    source_split: str,
    crop: dict[str, Any],
    margin: float = 0.0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One sample: `frameNN.jpg` crops and the float32 arrays of DESIGN.md, plus its JSON."""
    sample: dict[str, Any] = {"__key__": key}
    arrays: dict[str, list] = {name: [] for name in (
        "joint_img", "joint_cam", "joint_valid", "hand_bbox", "focal", "princpt",
        "mano_pose", "mano_shape", "has_mano", "timestamp")}
    transforms = []
    for t, frame in enumerate(frames):
        image = decode(read_bytes(root, frame.image), frame.image)
        height, width = image.shape[:2]
        if frame.width is not None and (width, height) != (frame.width, frame.height):
            raise ItemError(frame.image, f"is {width}x{height} pixels but annotated as {frame.width}x{frame.height}")
        joint_2d, bbox = frame_geometry(frame, margin, width, height)
        transform = square_crop(bbox, float(crop["scale"]), int(crop["size"]))
        sample[frame_member(t)] = encode_jpeg(crop_image(image, transform), int(crop.get("quality", 95)))
        focal, princpt = transform.intrinsics(frame.focal, frame.princpt)
        joint_img = transform.points(joint_2d)
        joint_img[~np.isfinite(joint_img).all(axis=1)] = 0.0
        arrays["joint_img"].append(joint_img)
        arrays["joint_cam"].append(np.asarray(frame.joint_cam, dtype=np.float64))
        arrays["joint_valid"].append(np.asarray(frame.joint_valid, dtype=np.float64).reshape(NUM_HAND_JOINTS))
        arrays["hand_bbox"].append(bbox)
        arrays["focal"].append(focal)
        arrays["princpt"].append(princpt)
        arrays["mano_pose"].append(np.asarray(frame.mano_pose, dtype=np.float64).reshape(48))
        arrays["mano_shape"].append(np.asarray(frame.mano_shape, dtype=np.float64).reshape(10))
        arrays["has_mano"].append(frame.has_mano)
        arrays["timestamp"].append(frame.timestamp)
        transforms.append(transform.as_dict())
    for name, values in arrays.items():
        sample[f"{name}.npy"] = dump_npy(np.asarray(values, dtype=np.float32))
    meta = {
        "handedness": handedness,
        "data_source": data_source,
        "source_split": source_split,
        "source_paths": [frame.image for frame in frames],
        "crop": {"scale": float(crop["scale"]), "size": int(crop["size"]), "frames": transforms},
        **(extra or {}),
    }
    sample["json"] = json.dumps(meta, sort_keys=True).encode()
    return sample


def clip_windows(present: Sequence[bool], length: int, stride: int) -> list[list[int]]:
    """Indices of every T consecutive frames in which the hand is present, every `stride` frames;
    a frame without the hand ends a run, so no clip spans a gap."""
    if length < 1 or stride < 1:
        raise ValueError(f"clip length and stride must be positive, got length={length}, stride={stride}")
    windows, start = [], None
    for index, here in enumerate([*present, False]):
        if here and start is None:
            start = index
        elif not here and start is not None:
            windows += [list(range(s, s + length)) for s in range(start, index - length + 1, stride)]
            start = None
    return windows
