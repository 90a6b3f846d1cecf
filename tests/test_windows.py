"""schemas/windows.py and tasks/video/windows.py: windows cover the whole video (one rule for the
samples a build writes and the windows a model scores) and are labelled by event overlap."""

from __future__ import annotations

import pytest

from schemas.windows import window_spans, window_starts
from tasks.video.windows import cut_windows


@pytest.mark.parametrize(
    "frames, length, stride, starts",
    [
        (300, 100, 50, [0, 50, 100, 150, 200]),
        (320, 100, 50, [0, 50, 100, 150, 200, 220]),  # one more, aligned to the end
        (230, 100, 50, [0, 50, 100, 130]),
        (200, 100, 50, [0, 50, 100]),
        (100, 100, 50, [0]),
        (60, 100, 50, [0]),  # shorter than a window: one window
        (10, 4, 4, [0, 4, 6]),
        (1, 100, 50, [0]),
        (0, 100, 50, []),  # no frames: no window
    ],
)
def test_windows_cover_the_video_including_its_tail(frames, length, stride, starts):
    assert window_starts(frames, length, stride) == starts
    spans = window_spans(frames, length, stride)
    assert [s for s, _ in spans] == starts
    assert all(0 <= s < e <= frames and e - s == min(length, frames) for s, e in spans)


def test_a_video_without_frames_has_no_windows():
    assert window_spans(0, 100, 50) == []
    assert cut_windows(0, 100, 50, 0.3, [(0, 10)]) == []


def test_windows_are_labelled_by_overlap_with_the_shorter_of_window_and_event():
    windows = cut_windows(400, 100, 50, 0.3, [(180, 200)])  # a short, 20-frame fall
    positive = [(w.start, w.end) for w in windows if w.positive]
    assert positive == [(100, 200), (150, 250)]  # the whole fall lies in both
    long_fall = cut_windows(400, 100, 50, 0.3, [(150, 400)])
    assert [w.positive for w in long_fall] == [False, False, True, True, True, True, True]
    # [100, 200) shares 50 frames with [150, 400): 50 >= 0.3 * 100
    edge = cut_windows(400, 100, 50, 0.6, [(150, 400)])
    assert [w.start for w in edge if w.positive] == [150, 200, 250, 300]


@pytest.mark.parametrize("length, stride", [(0, 10), (10, 0)])
def test_bad_window_settings_are_errors(length, stride):
    with pytest.raises(ValueError, match="length and stride must be >= 1"):
        window_starts(100, length, stride)
