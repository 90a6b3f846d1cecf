"""Stick figures drawn at COCO-17 keypoints: what synthetic images and videos show.

Pixels follow the annotations exactly (limbs are lines between keypoints, the head a disc around
the nose), so a test can check drawn pixels against keypoints and a pose model sees real limbs.
"""

from __future__ import annotations

import cv2
import numpy as np

from schemas.skeletons import COCO_SKELETON

# A standing figure of height 1 with feet at y = 0 and the body centred on x = 0 (y grows down).
_STANDING = np.array(
    [
        [0.00, -0.93], [-0.03, -0.95], [0.03, -0.95], [-0.06, -0.94], [0.06, -0.94],
        [-0.12, -0.80], [0.12, -0.80], [-0.16, -0.62], [0.16, -0.62], [-0.18, -0.45],
        [0.18, -0.45], [-0.08, -0.50], [0.08, -0.50], [-0.09, -0.26], [0.09, -0.26],
        [-0.09, -0.02], [0.09, -0.02],
    ],
    dtype=np.float32,
)


def standing_pose(center_x: float, feet_y: float, height: float) -> np.ndarray:
    """[17, 2] pixel keypoints of an upright figure; COCO's left is the figure's left (image right)."""
    pose = _STANDING.copy()
    pose[:, 0] *= -1  # the figure faces the camera: its left side is on the image's right
    return pose * height + np.array([center_x, feet_y], dtype=np.float32)


def background(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth, seeded BGR backdrop with a floor line, so frames are not flat colour."""
    base = rng.integers(40, 200, size=(3,)).astype(np.float32)
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    tint = rng.uniform(-40, 40, size=(2, 3)).astype(np.float32)
    image = base + ys * tint[0] + xs * tint[1]
    image[int(height * 0.85):] *= 0.7
    return np.clip(image, 0, 255).astype(np.uint8)


def draw_figure(
    image: np.ndarray,
    keypoints: np.ndarray,
    color: tuple[int, int, int],
    visible: np.ndarray | None = None,
    thickness: int | None = None,
) -> None:
    """Draw one figure in place: limbs between visible keypoints, a head disc, joint dots."""
    keypoints = np.asarray(keypoints, dtype=np.float32)
    visible = np.ones(len(keypoints), bool) if visible is None else np.asarray(visible, bool)
    extent = float(np.ptp(keypoints[visible, 1])) if visible.sum() > 1 else 50.0
    thickness = thickness or max(2, int(round(extent / 25)))
    points = np.round(keypoints).astype(np.int32)
    for a, b in COCO_SKELETON:
        if visible[a] and visible[b] and a > 4 and b > 4:
            cv2.line(image, tuple(points[a]), tuple(points[b]), color, thickness, cv2.LINE_AA)
    if visible[0]:
        cv2.circle(image, tuple(points[0]), max(3, int(extent * 0.06)), color, -1, cv2.LINE_AA)
    dark = tuple(int(c * 0.5) for c in color)
    for index in range(5, len(points)):
        if visible[index]:
            cv2.circle(image, tuple(points[index]), max(2, thickness // 2 + 1), dark, -1, cv2.LINE_AA)
