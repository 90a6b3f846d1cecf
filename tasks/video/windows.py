"""Cutting a long video into fixed-length training windows labelled by their overlap with events.

Windows are [start, end) frame ranges as schemas.windows cuts them (`length` frames every `stride`
frames, the last one aligned to the video's end). A window is positive when, for some event range r,
the frames it shares with r are at least `min_overlap` of the shorter of the two (the window or r):
a short fall inside a long window counts as much as a long fall that fills it.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.windows import window_spans


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    positive: bool


def overlaps(start: int, end: int, ranges: list[tuple[int, int]], min_overlap: float) -> bool:
    for r_start, r_end in ranges:
        shared = min(end, r_end) - max(start, r_start)
        if shared > 0 and shared >= min_overlap * min(end - start, r_end - r_start):
            return True
    return False


def cut_windows(
    num_frames: int,
    length: int,
    stride: int,
    min_overlap: float,
    ranges: list[tuple[int, int]],
) -> list[Window]:
    """Windows over a video of `num_frames`, positive where they overlap `ranges` enough."""
    return [Window(s, e, overlaps(s, e, ranges, min_overlap)) for s, e in window_spans(num_frames, length, stride)]
