"""Meshes drawn on images: a person checks a hand model by looking at its meshes on the crops."""

from __future__ import annotations

import cv2
import numpy as np

from schemas.shards import HAND_SKELETON
from training.mesh.draw import draw_mesh, grid

__all__ = ["draw_joints", "draw_mesh", "grid"]


def draw_joints(image: np.ndarray, uv: np.ndarray, valid: np.ndarray | None = None,
                color: tuple[int, int, int] = (40, 220, 40)) -> np.ndarray:
    """The 21 joints and their bones."""
    out = image.copy()
    valid = np.ones(len(uv), bool) if valid is None else np.asarray(valid, bool)
    points = np.round(uv).astype(np.int32)
    for a, b in HAND_SKELETON:
        if valid[a] and valid[b]:
            cv2.line(out, tuple(points[a]), tuple(points[b]), color, 1, cv2.LINE_AA)
    for point, ok in zip(points, valid):
        if ok:
            cv2.circle(out, tuple(point), 2, color, -1, cv2.LINE_AA)
    return out
