"""Drawing skeletons, boxes and captions with OpenCV, and laying tiles out in a grid.

Coordinates are continuous pixels (centres at integers) drawn with sub-pixel precision, so a drawn
joint lies on its keypoint; a `Tile` records where each source image landed in the final picture
and at what scale, so keypoints can be mapped onto it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from schemas.shards import HAND_SKELETON
from schemas.skeletons import COCO_SKELETON
from tasks.atomic import write_bytes

# BGR, bright and distinct on photos and on the dark canvas alike.
PALETTE = [
    (0, 200, 255), (255, 120, 0), (60, 220, 60), (255, 0, 200), (0, 80, 255),
    (255, 220, 0), (180, 0, 255), (0, 255, 180), (120, 120, 255), (200, 255, 100),
]
FINGER_COLORS = [(255, 80, 80), (80, 255, 80), (80, 200, 255), (255, 80, 255), (80, 255, 255)]
WRIST_COLOR = (255, 255, 255)
CANVAS_GREY = 40
BAND_LINE = 18
SHIFT = 4  # sub-pixel bits for OpenCV's drawing functions
EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")


@dataclass
class Tile:
    """Where one source image lies in a picture: top-left corner and scale."""

    label: str
    x: int
    y: int
    scale: float
    width: int
    height: int

    def to_picture(self, points: np.ndarray) -> np.ndarray:
        """Source pixel coordinates -> picture coordinates."""
        return (np.asarray(points, dtype=np.float64) + 0.5) * self.scale - 0.5 + [self.x, self.y]


@dataclass
class Picture:
    image: np.ndarray
    tiles: list[Tile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        h, w = self.image.shape[:2]
        return {"width": w, "height": h, "tiles": [asdict(t) for t in self.tiles], "notes": self.notes}


def _fixed(point: Sequence[float]) -> tuple[int, int]:
    return int(round(point[0] * (1 << SHIFT))), int(round(point[1] * (1 << SHIFT)))


def line_width(height: int, width: int) -> int:
    return max(1, int(round(min(height, width) / 160)))


def draw_body(
    image: np.ndarray,
    keypoints: np.ndarray,
    labelled: np.ndarray,
    color: tuple[int, int, int],
    thickness: int,
    occluded: np.ndarray | None = None,
    radius: float | None = None,
) -> None:
    """COCO-17 limbs between labelled keypoints, then the joints (occluded ones as rings); joints of
    a small person get a smaller `radius`, so they do not hide it."""
    keypoints = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
    labelled = np.asarray(labelled, dtype=bool)
    occluded = np.zeros_like(labelled) if occluded is None else np.asarray(occluded, dtype=bool)
    for a, b in COCO_SKELETON:
        if labelled[a] and labelled[b]:
            cv2.line(image, _fixed(keypoints[a]), _fixed(keypoints[b]), color, thickness, cv2.LINE_AA, SHIFT)
    size = int(round(min(radius or thickness + 2, thickness + 2) * (1 << SHIFT)))
    rim = size + (1 << SHIFT)
    solid = np.flatnonzero(labelled & ~occluded)
    for index in solid:  # dark rims first, so a neighbour's rim never covers a joint
        cv2.circle(image, _fixed(keypoints[index]), rim, (0, 0, 0), -1, cv2.LINE_AA, SHIFT)
    for index in solid:
        cv2.circle(image, _fixed(keypoints[index]), size, color, -1, cv2.LINE_AA, SHIFT)
    for index in np.flatnonzero(labelled & occluded):
        cv2.circle(image, _fixed(keypoints[index]), size, color, max(1, thickness // 2 + 1), cv2.LINE_AA, SHIFT)


def draw_hand(image: np.ndarray, joints: np.ndarray, valid: np.ndarray, thickness: int) -> None:
    """The 21-joint hand: bones coloured by finger, joints as dots (the wrist white)."""
    joints = np.asarray(joints, dtype=np.float64).reshape(-1, 2)
    valid = np.asarray(valid, dtype=bool)
    for a, b in HAND_SKELETON:
        if valid[a] and valid[b]:
            color = FINGER_COLORS[(b - 1) // 4]
            cv2.line(image, _fixed(joints[a]), _fixed(joints[b]), color, thickness, cv2.LINE_AA, SHIFT)
    radius = (thickness + 1) << SHIFT
    for index in np.flatnonzero(valid):
        color = WRIST_COLOR if index == 0 else FINGER_COLORS[(index - 1) // 4]
        cv2.circle(image, _fixed(joints[index]), radius, color, -1, cv2.LINE_AA, SHIFT)


def draw_box(image: np.ndarray, xyxy: Sequence[float], color: tuple[int, int, int], thickness: int = 1) -> None:
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    cv2.rectangle(image, _fixed((x1, y1)), _fixed((x2, y2)), color, thickness, cv2.LINE_AA, SHIFT)


def draw_label(image: np.ndarray, text: str, origin: Sequence[float], color: tuple[int, int, int]) -> None:
    """Small text with a dark outline, kept inside the image."""
    h, w = image.shape[:2]
    x = int(min(max(origin[0], 0), max(w - 8 * len(text), 0)))
    y = int(min(max(origin[1], 12), h - 2))
    cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1, cv2.LINE_AA)


def with_caption(image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """The image with a black band below it holding the lines (the image's pixels stay where they are)."""
    band = np.zeros((BAND_LINE * len(lines) + 6, image.shape[1], 3), np.uint8)
    for i, text in enumerate(lines):
        cv2.putText(band, text, (4, BAND_LINE * (i + 1) - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (235, 235, 235), 1, cv2.LINE_AA)
    return np.vstack([image, band])


def blank(height: int, width: int) -> np.ndarray:
    return np.full((height, width, 3), CANVAS_GREY, np.uint8)


def layout(tiles: Sequence[np.ndarray], columns: int, gap: int = 4) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Tiles left to right, `columns` to a row, on a black sheet; returns it and each tile's corner."""
    columns = max(1, min(columns, len(tiles)))
    rows = -(-len(tiles) // columns)
    cell_w = max(t.shape[1] for t in tiles)
    cell_h = max(t.shape[0] for t in tiles)
    sheet = np.zeros((rows * cell_h + (rows - 1) * gap, columns * cell_w + (columns - 1) * gap, 3), np.uint8)
    corners = []
    for index, tile in enumerate(tiles):
        y, x = (index // columns) * (cell_h + gap), (index % columns) * (cell_w + gap)
        sheet[y:y + tile.shape[0], x:x + tile.shape[1]] = tile
        corners.append((x, y))
    return sheet, corners


def write_image(path: Path, image: np.ndarray) -> Path:
    """Encode by the file's extension and write it whole (a temporary name, then a rename)."""
    path = Path(path)
    if path.suffix.lower() not in EXTENSIONS:
        raise ValueError(f"{path}: unsupported image type {path.suffix!r}; use one of {', '.join(EXTENSIONS)}")
    ok, buffer = cv2.imencode(path.suffix.lower(), image)
    if not ok:
        raise ValueError(f"{path}: OpenCV could not encode the image")
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes(path, buffer.tobytes())
