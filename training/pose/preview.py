"""Predicted skeletons drawn on images: what a person looks at to judge a pose model."""

from __future__ import annotations

import cv2
import numpy as np

from schemas.skeletons import COCO_SKELETON

PRED_COLOR, BOX_COLOR = (0, 220, 255), (80, 200, 80)


def draw_poses(image: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
               threshold: float = 0.3) -> np.ndarray:
    """A copy of a BGR image with each box ([N, 4] xyxy) and its skeleton ([N, 17, 2], scores [N, 17])."""
    canvas = image.copy()
    thickness = max(1, round(max(image.shape[:2]) / 320))
    for box, points, conf in zip(np.asarray(boxes).reshape(-1, 4), np.asarray(keypoints), np.asarray(scores)):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), BOX_COLOR, thickness)
        for a, b in COCO_SKELETON:
            if conf[a] >= threshold and conf[b] >= threshold:
                pa, pb = (tuple(int(round(v)) for v in points[i]) for i in (a, b))
                cv2.line(canvas, pa, pb, PRED_COLOR, thickness + 1, cv2.LINE_AA)
        for point, c in zip(points, conf):
            if c >= threshold:
                cv2.circle(canvas, tuple(int(round(v)) for v in point), thickness + 2, (0, 0, 255), -1, cv2.LINE_AA)
    return canvas


def tile(images: list[np.ndarray], height: int = 320) -> np.ndarray:
    """Images side by side at one height (a contact sheet)."""
    resized = [cv2.resize(im, (max(1, round(im.shape[1] * height / im.shape[0])), height)) for im in images]
    return np.concatenate(resized, axis=1)
