"""Sample windows: which [start, end) frame ranges a clip is cut into.

One rule for the samples a build writes (samples.parquet) and the windows a trained model scores:
`length`-frame windows every `stride` frames; when the last one stops short of the clip's end, one
more is aligned to the end so no tail is lost; a clip shorter than `length` is one window of the
whole clip; a clip without frames has none.
"""

from __future__ import annotations


def window_starts(num_frames: int, length: int, stride: int) -> list[int]:
    """The first frame of every window."""
    if length < 1 or stride < 1:
        raise ValueError(f"window length and stride must be >= 1, got {length} and {stride}")
    if num_frames <= 0:
        return []
    if num_frames <= length:
        return [0]
    starts = list(range(0, num_frames - length + 1, stride))
    if starts[-1] + length < num_frames:
        starts.append(num_frames - length)
    return starts


def window_spans(num_frames: int, length: int, stride: int) -> list[tuple[int, int]]:
    """Every window as (start, end), `end` exclusive and never past the clip's end."""
    return [(start, min(start + length, num_frames)) for start in window_starts(num_frames, length, stride)]
