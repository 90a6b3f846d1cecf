"""The windows a trained STGCN++ scores are sample rows cut by the build's own rule (schemas.windows)."""

from __future__ import annotations

from schemas.tables import SAMPLES
from schemas.windows import window_spans
from training.stgcn.predict import windows_table


def test_windows_are_sample_rows_over_the_whole_video():
    table = windows_table("clip", 230, 100, 50)
    assert table.schema.equals(SAMPLES)
    spans = list(zip(table.column("start_frame").to_pylist(), table.column("end_frame").to_pylist()))
    assert spans == window_spans(230, 100, 50) == [(0, 100), (50, 150), (100, 200), (130, 230)]
    assert table.column("sample_id").to_pylist()[-1] == "clip-000130"
    assert set(table.column("label").to_pylist()) == {-1}


def test_a_video_without_frames_has_no_windows():
    table = windows_table("clip", 0, 100, 50)
    assert table.num_rows == 0 and table.schema.equals(SAMPLES)
