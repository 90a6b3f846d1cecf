"""Cutting a long video into fixed-length training windows labelled by their overlap with events.

Windows are [start, end) frame ranges of `length` frames every `stride` frames; when the last one
stops short of the video's end, one more is aligned to the end so no tail is lost; a video shorter
than `length` is one window. A window is positive when, for some event range r, the frames it
shares with r are at least `min_overlap` of the shorter of the two (the window or r): a short fall
inside a long window counts as much as a long fall that fills it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    positive: bool


def window_starts(num_frames: int, length: int, stride: int) -> list[int]:
    if length < 1 or stride < 1:
        raise ValueError(f"window length and stride must be >= 1, got {length} and {stride}")
    if num_frames <= length:
        return [0] if num_frames > 0 else []
    starts = list(range(0, num_frames - length + 1, stride))
    if starts[-1] + length < num_frames:
        starts.append(num_frames - length)
    return starts


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
    return [
        Window(s, min(s + length, num_frames), overlaps(s, min(s + length, num_frames), ranges, min_overlap))
        for s in window_starts(num_frames, length, stride)
    ]
