"""Sliding windows over a video: every frame is covered, the last window ends at the last frame."""

from __future__ import annotations

import pytest

from training.stgcn.predict import window_starts


@pytest.mark.parametrize(
    "frames, length, stride, starts",
    [
        (100, 100, 50, [0]),
        (60, 100, 50, [0]),
        (200, 100, 50, [0, 50, 100]),
        (230, 100, 50, [0, 50, 100, 130]),
        (10, 4, 4, [0, 4, 6]),
    ],
)
def test_window_starts(frames, length, stride, starts):
    assert window_starts(frames, length, stride) == starts
