"""Tiny videos written with OpenCV for the decode, pose and flow tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

W, H, N = 160, 120, 40


def write_video(path: Path, fourcc: str = "MJPG", frames: int = N) -> Path:
    """A bright square that moves 3 px right per frame on a dark field."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25.0, (W, H))
    for t in range(frames):
        image = np.full((H, W, 3), 30, np.uint8)
        image[40:80, 3 * t:3 * t + 20] = (40, 220, 250)
        writer.write(image)
    writer.release()
    return path


def truncate(source: Path, target: Path, share: float = 0.5) -> Path:
    target.write_bytes(source.read_bytes()[: int(source.stat().st_size * share)])
    return target
