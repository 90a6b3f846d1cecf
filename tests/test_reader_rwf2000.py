"""tasks/readers/rwf2000.py: the split/label folders, stable clip ids, one sample per clip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.items import MissingSplit
from tasks.readers import rwf2000 as reader
from tasks.spec import load_spec
from tasks.video.items import VideoItem, cut_samples

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def test_every_video_with_split_and_label(synthetic_sample):
    root = synthetic_sample / "rwf2000"
    spec = load_spec("rwf2000", DATASETS, root=root)
    items = [i for split in spec.splits for i in reader.enumerate_items(root, split, spec.options)]
    assert len(items) == 64
    counts = {}
    for item in items:
        (record,) = reader.load_records(root, item, spec.options)
        split, label_name, name = record["path"].split("/")
        assert (record["split"], record["label_name"]) == (split, label_name)
        assert record["label"] == {"NonFight": 0, "Fight": 1}[label_name]
        assert record["clip_id"] == item.key == f"{split}/{label_name}/{Path(name).stem}"
        counts[(split, label_name)] = counts.get((split, label_name), 0) + 1
    assert counts == {("train", "Fight"): 24, ("train", "NonFight"): 24, ("val", "Fight"): 8, ("val", "NonFight"): 8}
    again = [i for split in spec.splits for i in reader.enumerate_items(root, split, spec.options)]
    assert [i.files for i in items] == [i.files for i in again]  # stable order
    clip = VideoItem(**reader.load_records(root, items[0], spec.options)[0])
    (span,) = cut_samples(clip, 64, spec.options["windows"], spec.labels)
    assert (span.sample_id, span.start, span.end, span.label) == (clip.clip_id, 0, 64, clip.label)


def test_a_split_without_videos_is_missing(tmp_path):
    spec = load_spec("rwf2000", DATASETS, root=tmp_path)
    with pytest.raises(MissingSplit, match=r"no videos of split 'val' \(val/Fight/\*\.avi, val/NonFight/\*\.avi\)"):
        reader.enumerate_items(tmp_path, "val", spec.options)
