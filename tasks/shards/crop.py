"""Square crops around a hand and the camera that sees the crop.

Pixel coordinates are continuous with pixel centres at integers (as perspective projection gives
them and as OpenCV's warpAffine samples), so `crop = (source - origin) * scale` holds exactly for
points, for the warped image, and for the intrinsics: focal * scale, (princpt - origin) * scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def project(points_cam: np.ndarray, focal: np.ndarray, princpt: np.ndarray) -> np.ndarray:
    """Pinhole projection of [..., 3] camera-frame points to [..., 2] pixels."""
    points_cam = np.asarray(points_cam, dtype=np.float64)
    z = points_cam[..., 2:3]
    with np.errstate(divide="ignore", invalid="ignore"):
        return points_cam[..., :2] / z * np.asarray(focal, np.float64) + np.asarray(princpt, np.float64)


def points_bbox(points: np.ndarray) -> np.ndarray:
    """x1 y1 x2 y2 of [N, 2] points."""
    points = np.asarray(points, dtype=np.float64)
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


@dataclass(frozen=True)
class CropTransform:
    x0: float
    y0: float
    scale: float
    size: int

    def points(self, xy: np.ndarray) -> np.ndarray:
        return (np.asarray(xy, dtype=np.float64) - [self.x0, self.y0]) * self.scale

    def intrinsics(self, focal: np.ndarray, princpt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        focal = np.asarray(focal, dtype=np.float64) * self.scale
        return focal, self.points(princpt)

    def matrix(self) -> np.ndarray:
        s = self.scale
        return np.array([[s, 0.0, -s * self.x0], [0.0, s, -s * self.y0]], dtype=np.float64)

    def as_dict(self) -> dict[str, float]:
        return {"x0": self.x0, "y0": self.y0, "scale": self.scale, "size": self.size}


def square_crop(bbox_xyxy: np.ndarray, scale: float, size: int, min_side: float = 8.0) -> CropTransform:
    """A square `scale` times the longer side of the box, centred on it, resized to `size` pixels."""
    x1, y1, x2, y2 = (float(v) for v in bbox_xyxy)
    side = max(x2 - x1, y2 - y1, min_side) * scale
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return CropTransform(cx - side / 2, cy - side / 2, size / side, size)


def crop_image(image: np.ndarray, transform: CropTransform) -> np.ndarray:
    """The crop, black where the square leaves the image."""
    return cv2.warpAffine(
        image, transform.matrix(), (transform.size, transform.size),
        flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0,
    )
