"""Moving stick figures for the synthetic video sources: poses over time, videos, pose files.

A figure is posed from a few joint angles (arms, legs, lean, and a fall that tips it over its
feet), so a generator describes a motion as angles over time; the video shows exactly those
keypoints (drawn by figures.draw_figure) and the pose file beside it carries them with a little
seeded noise and a few missed detections, the way a detector's output looks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from synthetic.figures import background, draw_figure

POSE_FORMAT = "posefoundry-poses"
POSE_VERSION = 1


@dataclass
class Angles:
    """Joint angles in radians, 0 = limb hanging straight down, positive = forward (or outward
    for a figure facing the camera). Elbows and knees bend relative to the limb above."""

    left_arm: float = 0.1
    left_elbow: float = 0.1
    right_arm: float = 0.1
    right_elbow: float = 0.1
    left_leg: float = 0.0
    left_knee: float = 0.0
    right_leg: float = 0.0
    right_knee: float = 0.0
    lean: float = 0.0
    fall: float = 0.0


def _direction(angle: float, sign: float) -> np.ndarray:
    return np.array([np.sin(angle) * sign, np.cos(angle)], np.float32)


def pose(center_x: float, feet_y: float, height: float, facing: int, a: Angles) -> np.ndarray:
    """[17, 2] COCO keypoints in pixels. `facing` +1/-1 is a profile walking right/left, 0 faces
    the camera (its left side on the image's right)."""
    h = height
    frontal = facing == 0
    side = np.array([1.0, -1.0], np.float32)  # left, right limbs: outward sign when frontal
    f = float(facing)
    hip_c = np.array([0.0, -0.5 * h], np.float32)
    up = np.array([np.sin(a.lean) * f, -np.cos(a.lean)], np.float32)
    shoulder_c = hip_c + 0.3 * h * up
    half_hip, half_sh = (0.08 * h, 0.12 * h) if frontal else (0.02 * h, 0.03 * h)
    kp = np.zeros((17, 2), np.float32)
    for i, s in enumerate(side):
        kp[5 + i] = shoulder_c + [s * half_sh, 0]
        kp[11 + i] = hip_c + [s * half_hip, 0]
    arms = ((a.left_arm, a.left_elbow), (a.right_arm, a.right_elbow))
    legs = ((a.left_leg, a.left_knee), (a.right_leg, a.right_knee))
    for i, ((arm, elbow), (leg, knee)) in enumerate(zip(arms, legs)):
        sign = side[i] if frontal else f
        lean = a.lean if not frontal else 0.0
        kp[7 + i] = kp[5 + i] + 0.17 * h * _direction(arm + lean, sign)
        kp[9 + i] = kp[7 + i] + 0.16 * h * _direction(arm + elbow + lean, sign)
        kp[13 + i] = kp[11 + i] + 0.25 * h * _direction(leg, sign)
        kp[15 + i] = kp[13 + i] + 0.24 * h * _direction(leg - knee, sign)
    nose = shoulder_c + 0.15 * h * up + ([0, 0] if frontal else [0.04 * h * f, 0])
    kp[0] = nose
    if frontal:
        kp[1], kp[2] = nose + [0.025 * h, -0.02 * h], nose + [-0.025 * h, -0.02 * h]
        kp[3], kp[4] = nose + [0.05 * h, -0.01 * h], nose + [-0.05 * h, -0.01 * h]
    else:
        kp[1] = kp[2] = nose + [-0.01 * h * f, -0.02 * h]
        kp[3] = kp[4] = nose + [-0.06 * h * f, -0.01 * h]
    # stand on the lowest foot, then tip over the feet by `fall` (toward the facing side)
    kp[:, 1] -= kp[15:17, 1].max()
    if a.fall:
        pivot = kp[15:17].mean(0)
        angle = a.fall * (f if f else 1.0)
        c, s = np.cos(angle), np.sin(angle)
        rel = kp - pivot
        kp = pivot + np.stack([c * rel[:, 0] - s * rel[:, 1], s * rel[:, 0] + c * rel[:, 1]], 1)
        kp[:, 1] -= max(kp[:, 1].max(), 0)
    return kp + np.array([center_x, feet_y], np.float32)


@dataclass
class Actor:
    """One figure's keypoints over a clip ([T, 17, 2]; NaN rows where it is out of view)."""

    keypoints: np.ndarray
    color: tuple[int, int, int]
    identity: int


@dataclass
class Clip:
    width: int
    height: int
    fps: float
    num_frames: int
    actors: list[Actor] = field(default_factory=list)


def render(clip: Clip, path: Path, fourcc: str, rng: np.random.Generator) -> None:
    """Write the clip's video (OpenCV) with every actor drawn at its keypoints."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backdrop = background(clip.height, clip.width, rng)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), clip.fps, (clip.width, clip.height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {fourcc} video to {path}")
    try:
        for t in range(clip.num_frames):
            frame = backdrop.copy()
            for actor in clip.actors:
                if np.isfinite(actor.keypoints[t]).all():
                    draw_figure(frame, actor.keypoints[t], actor.color)
            writer.write(frame)
    finally:
        writer.release()


def pose_file(clip: Clip, video: Path, rng: np.random.Generator, noise: float = 1.0, drop: float = 0.03) -> dict:
    """The `annotations` backend's file for the clip: noisy keypoints, a few missed detections
    (scattered frames and one short gap per actor), and keypoint scores like a detector's."""
    frames: list[dict] = [{"frame": t, "persons": []} for t in range(clip.num_frames)]
    for actor in clip.actors:
        missed = rng.random(clip.num_frames) < drop
        gap = int(rng.integers(0, max(clip.num_frames - 4, 1)))
        missed[gap:gap + int(rng.integers(2, 5))] = True
        for t in np.flatnonzero(~missed):
            kp = actor.keypoints[t]
            if not np.isfinite(kp).all():
                continue
            kp = kp + rng.normal(0, noise, kp.shape)
            kp[:, 0] = kp[:, 0].clip(0, clip.width - 1)
            kp[:, 1] = kp[:, 1].clip(0, clip.height - 1)
            scores = rng.uniform(0.6, 1.0, len(kp))
            pad = 0.08 * max(float(np.ptp(kp[:, 1])), float(np.ptp(kp[:, 0])), 10.0)
            box = [max(kp[:, 0].min() - pad, 0), max(kp[:, 1].min() - 2 * pad, 0),
                   min(kp[:, 0].max() + pad, clip.width), min(kp[:, 1].max() + pad, clip.height)]
            frames[t]["persons"].append({
                "id": actor.identity,
                "bbox": [round(float(v), 1) for v in box],
                "score": round(float(rng.uniform(0.6, 0.99)), 3),
                "keypoints": [[round(float(x), 1), round(float(y), 1), round(float(s), 3)] for (x, y), s in zip(kp, scores)],
            })
    return {
        "format": POSE_FORMAT, "version": POSE_VERSION, "video": video.name,
        "num_frames": clip.num_frames, "width": clip.width, "height": clip.height,
        "keypoints": "coco17", "frames": [f for f in frames if f["persons"]],
    }


def write_clip(clip: Clip, video: Path, fourcc: str, rng: np.random.Generator) -> None:
    """The video and, beside it, `<stem>.pose.json`."""
    render(clip, video, fourcc, rng)
    data = pose_file(clip, video, rng)
    video.with_name(f"{video.stem}.pose.json").write_text(json.dumps(data, separators=(",", ":")))


def color(rng: np.random.Generator) -> tuple[int, int, int]:
    """A saturated BGR colour that stands out from the muted backdrops."""
    hue = int(rng.integers(0, 180))
    bgr = cv2.cvtColor(np.uint8([[[hue, 220, 230]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(bgr[0]), int(bgr[1]), int(bgr[2])


def walk(t: np.ndarray, period: float, phase: float, stride: float = 0.4) -> list[Angles]:
    """A walking gait: legs swing in opposition, knees bend on the forward swing, arms counter."""
    out = []
    for ti in t:
        s = np.sin(2 * np.pi * ti / period + phase)
        out.append(Angles(
            left_arm=-0.3 * s, left_elbow=0.2, right_arm=0.3 * s, right_elbow=0.2,
            left_leg=stride * s, left_knee=0.4 * max(0.0, -s), right_leg=-stride * s, right_knee=0.4 * max(0.0, s),
        ))
    return out
