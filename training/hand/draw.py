"""Meshes drawn on images: a person checks a hand model by looking at its meshes on the crops."""

from __future__ import annotations

import numpy as np

from schemas.shards import HAND_SKELETON
from training.mesh.draw import draw_mesh, draw_skeleton, grid

__all__ = ["draw_joints", "draw_mesh", "grid"]


def draw_joints(image: np.ndarray, uv: np.ndarray, valid: np.ndarray | None = None,
                color: tuple[int, int, int] = (40, 220, 40)) -> np.ndarray:
    """The 21 joints and their bones."""
    return draw_skeleton(image, uv, HAND_SKELETON, valid, color)
