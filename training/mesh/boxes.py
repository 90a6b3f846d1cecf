"""Boxes as a user gives them on the command line."""

from __future__ import annotations

import numpy as np


def parse_box(text: str) -> np.ndarray:
    """'x1,y1,x2,y2' in pixels -> [4]; raises ValueError naming the problem."""
    parts = [p for p in text.replace(" ", "").split(",") if p]
    if len(parts) != 4:
        raise ValueError(f"--box is {text!r}: expected four numbers x1,y1,x2,y2")
    box = np.array([float(p) for p in parts])
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError(f"--box is {text!r}: expected x2 > x1 and y2 > y1")
    return box
