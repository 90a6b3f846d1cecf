"""tasks/readers/rwf2000.py: the split/label folders, stable clip ids, one sample per clip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.readers import rwf2000 as reader
from tasks.spec import load_spec

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def test_every_video_with_split_and_label(synthetic_sample):
    spec = load_spec("rwf2000", DATASETS, root=synthetic_sample / "rwf2000")
    items = reader.videos(spec)
    assert len(items) == 64
    counts = {}
    for item in items:
        split, label_name, name = item.path.split("/")
        assert (item.split, item.label_name) == (split, label_name)
        assert item.label == {"NonFight": 0, "Fight": 1}[label_name]
        assert item.clip_id == f"{split}/{label_name}/{Path(name).stem}"
        counts[(split, label_name)] = counts.get((split, label_name), 0) + 1
    assert counts == {("train", "Fight"): 24, ("train", "NonFight"): 24, ("val", "Fight"): 8, ("val", "NonFight"): 8}
    assert [i.path for i in items] == [i.path for i in reader.videos(spec)]  # stable order
    (span,) = reader.samples(spec, items[0], 64)
    assert (span.sample_id, span.start, span.end, span.label) == (items[0].clip_id, 0, 64, items[0].label)


def test_no_videos_is_a_clear_error(tmp_path):
    spec = load_spec("rwf2000", DATASETS, root=tmp_path)
    with pytest.raises(ValueError, match=r"no videos under .* match '\{split\}/\{label\}/\*\.avi'"):
        reader.videos(spec)
