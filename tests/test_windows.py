"""tasks/video/windows.py: windows cover the whole video and are labelled by event overlap."""

from __future__ import annotations

import pytest

from tasks.video.windows import cut_windows, window_starts


def test_windows_cover_the_video_including_its_tail():
    assert window_starts(300, 100, 50) == [0, 50, 100, 150, 200]
    assert window_starts(320, 100, 50) == [0, 50, 100, 150, 200, 220]  # one more, aligned to the end
    assert window_starts(60, 100, 50) == [0]  # shorter than a window: one window
    assert window_starts(0, 100, 50) == []


def test_windows_are_labelled_by_overlap_with_the_shorter_of_window_and_event():
    windows = cut_windows(400, 100, 50, 0.3, [(180, 200)])  # a short, 20-frame fall
    positive = [(w.start, w.end) for w in windows if w.positive]
    assert positive == [(100, 200), (150, 250)]  # the whole fall lies in both
    long_fall = cut_windows(400, 100, 50, 0.3, [(150, 400)])
    assert [w.positive for w in long_fall] == [False, False, True, True, True, True, True]
    # [100, 200) shares 50 frames with [150, 400): 50 >= 0.3 * 100
    edge = cut_windows(400, 100, 50, 0.6, [(150, 400)])
    assert [w.start for w in edge if w.positive] == [150, 200, 250, 300]


def test_bad_window_settings_are_errors():
    with pytest.raises(ValueError, match="length and stride must be >= 1"):
        window_starts(100, 0, 10)
