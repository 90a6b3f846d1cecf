"""Meshes drawn on images: a person checks a mesh model by looking at its meshes on the crops."""

from __future__ import annotations

import cv2
import numpy as np


def draw_mesh(image: np.ndarray, vertices_cam: np.ndarray, faces: np.ndarray, focal: np.ndarray,
              princpt: np.ndarray, alpha: float = 0.6, color: tuple[int, int, int] = (110, 170, 250)) -> np.ndarray:
    """`image` (RGB uint8) with the mesh (camera frame, mm) painted far-to-near, shaded by facing."""
    out = image.copy()
    z = vertices_cam[:, 2:3]
    if (z <= 1.0).any():
        return out
    pixels = vertices_cam[:, :2] / z * focal + princpt
    tri = vertices_cam[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-9
    centres = tri.mean(1)
    facing = np.abs((normals * -centres / (np.linalg.norm(centres, axis=1, keepdims=True) + 1e-9)).sum(1))
    layer = out.copy()
    shift = 4
    for index in np.argsort(-centres[:, 2]):
        shade = 0.35 + 0.65 * facing[index]
        points = np.round(pixels[faces[index]] * (1 << shift)).astype(np.int32)
        cv2.fillConvexPoly(layer, points, tuple(int(c * shade) for c in color), cv2.LINE_AA, shift)
    return cv2.addWeighted(layer, alpha, out, 1 - alpha, 0)


ZOOM = 2  # val crops are drawn at twice the network's size, so a mesh's outline can be judged


def zoom(image: np.ndarray) -> np.ndarray:
    """`image` ZOOM times larger, nearest-neighbour, to draw on."""
    return np.ascontiguousarray(np.repeat(np.repeat(image, ZOOM, 0), ZOOM, 1))


def zoom_points(points: np.ndarray) -> np.ndarray:
    """Pixel coordinates (or a principal point) in `zoom`'s image: pixel centres stay centres."""
    return points * ZOOM + (ZOOM - 1) / 2


def grid(tiles: list[np.ndarray], columns: int = 4) -> np.ndarray:
    """Tiles of one size side by side, row by row."""
    if not tiles:
        return np.zeros((8, 8, 3), np.uint8)
    height, width = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * height, min(columns, len(tiles)) * width, 3), 255, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * height:(r + 1) * height, c * width:(c + 1) * width] = tile
    return sheet


def draw_skeleton(image: np.ndarray, uv: np.ndarray, bones: list[tuple[int, int]] | tuple[tuple[int, int], ...],
                  valid: np.ndarray | None = None, color: tuple[int, int, int] = (40, 220, 40)) -> np.ndarray:
    """Joints [J, 2] and the `bones` between them, where `valid`."""
    out = image.copy()
    valid = np.ones(len(uv), bool) if valid is None else np.asarray(valid, bool)
    points = np.round(uv).astype(np.int32)
    for a, b in bones:
        if valid[a] and valid[b]:
            cv2.line(out, tuple(points[a]), tuple(points[b]), color, 1, cv2.LINE_AA)
    for point, ok in zip(points, valid):
        if ok:
            cv2.circle(out, tuple(point), 2, color, -1, cv2.LINE_AA)
    return out
