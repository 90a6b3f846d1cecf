"""Skeleton tables -> per-sample arrays -> MMAction2's pipeline, checked against a plain re-reading of
the rows and against MMAction2's own PoseDataset fed the equivalent pickle."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import torch

import mmstack
from schemas import SchemaError
from skeleton_factory import CLASSES, HEIGHT, WIDTH, write_skeleton_tables
from training.skeleton_tables import read_split
from training.stgcn.config import pipeline
from training.stgcn.dataset import SkeletonTableDataset
from training.stgcn.params import StgcnParams

CLIP_LEN = 24
PERSONS = 2


def naive_annotations(folder: Path, split: str, num_persons: int = PERSONS) -> list[dict]:
    """The MMAction2 skeleton-pickle annotations of a split, row by row (slow and obvious on purpose):
    the persons present in a sample fill its `num_persons` slots in track order."""
    clips = {c["clip_id"]: c for c in pq.read_table(folder / "clips.parquet").to_pylist()}
    frames = pq.read_table(folder / "frames.parquet").to_pylist()
    out = []
    for s in pq.read_table(folder / "samples.parquet").to_pylist():
        clip = clips[s["clip_id"]]
        if s["split"] != split or clip["status"] != "ok":
            continue
        start, end = s["start_frame"], s["end_frame"]
        rows = [r for r in frames if r["clip_id"] == s["clip_id"] and start <= r["frame_idx"] < end]
        tracks = sorted({r["track_id"] for r in rows})[:num_persons]
        kp = np.zeros((num_persons, end - start, 17, 2), np.float32)
        score = np.zeros((num_persons, end - start, 17), np.float32)
        for r in rows:
            if r["track_id"] in tracks:
                kp[tracks.index(r["track_id"]), r["frame_idx"] - start] = r["keypoints"]
                score[tracks.index(r["track_id"]), r["frame_idx"] - start] = r["keypoint_scores"]
        shape = (clip["height"], clip["width"])
        out.append(dict(frame_dir=s["sample_id"], label=s["label"], total_frames=end - start, img_shape=shape,
                        original_shape=shape, keypoint=kp, keypoint_score=score))
    return out


def params(**changes) -> StgcnParams:
    import yaml

    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())["stgcn"]["fight"]
    data.update(clip_len=CLIP_LEN, num_person=PERSONS, **changes)
    return StgcnParams.from_dict(data)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> Path:
    return write_skeleton_tables(tmp_path_factory.mktemp("skeletons"), {"train": 6, "val": 4}, num_frames=40, failed=1, realistic=True)


@pytest.fixture(scope="module")
def windowed(tmp_path_factory) -> Path:
    return write_skeleton_tables(tmp_path_factory.mktemp("windows"), {"train": 4}, num_frames=40, window=8, realistic=True)


@pytest.mark.parametrize("layout, persons", [("tables", 2), ("windowed", 2), ("tables", 1), ("tables", 4)])
def test_grouped_arrays_equal_the_rows(layout, persons, request):
    folder = request.getfixturevalue(layout)
    data = read_split(folder, "train", persons)
    expected = naive_annotations(folder, "train", persons)
    assert [s.sample_id for s in data.samples] == [a["frame_dir"] for a in expected]
    for sample, annotation in zip(data.samples, expected):
        assert sample.label == annotation["label"]
        assert sample.img_shape == (HEIGHT, WIDTH)
        np.testing.assert_array_equal(sample.keypoint, annotation["keypoint"])
        np.testing.assert_array_equal(sample.keypoint_score, annotation["keypoint_score"])
        assert sample.keypoint.dtype == np.float32 and sample.keypoint.shape[2:] == (17, 2)


def test_windows_fill_slots_with_the_persons_seen_in_them(windowed):
    data = read_split(windowed, "train", 2)
    seen = {s.sample_id: s.keypoint_score.any(axis=(1, 2)).tolist() for s in data.samples}
    # clip 3 has a second person from frame 10 on: absent from the first window, present later
    assert seen["train-003-0000"] == [True, False] and seen["train-003-0016"] == [True, True]
    assert all(s.keypoint.shape == (2, 8, 17, 2) for s in data.samples)


def test_failed_clip_is_skipped_with_its_file_and_reason(tables):
    data = read_split(tables, "train", PERSONS)
    assert data.class_names == list(CLASSES)
    assert len(data.samples) == 5
    (problem,) = data.skipped
    assert str(tables / "samples.parquet") in str(problem) and "cannot decode" in str(problem)


def test_sample_beyond_its_clip_is_skipped(tmp_path, tables):
    for name in ("clips", "frames"):
        (tmp_path / f"{name}.parquet").write_bytes((tables / f"{name}.parquet").read_bytes())
    samples = pq.read_table(tables / "samples.parquet")
    ends = samples.column("end_frame").to_pylist()
    ends[1] = 41
    samples = samples.set_column(samples.schema.get_field_index("end_frame"), "end_frame", pa.array(ends, pa.int32()))
    pq.write_table(samples, tmp_path / "samples.parquet")
    data = read_split(tmp_path, "train", PERSONS)
    assert len(data.samples) == 4
    assert any("ends at frame 41, beyond the clip's 40 frames" in str(p) for p in data.skipped)


def test_missing_or_broken_tables_name_the_file(tmp_path, tables):
    with pytest.raises(SchemaError, match=r"samples\.parquet: missing"):
        read_split(tmp_path, "train", PERSONS)
    for name in ("clips", "samples"):
        (tmp_path / f"{name}.parquet").write_bytes((tables / f"{name}.parquet").read_bytes())
    frames = pq.read_table(tables / "frames.parquet")
    pq.write_table(frames.drop(["bbox_score"]), tmp_path / "frames.parquet")
    with pytest.raises(SchemaError) as err:
        read_split(tmp_path, "train", PERSONS)
    assert str(tmp_path / "frames.parquet") in str(err.value) and "bbox_score" in str(err.value)


def test_unknown_split_is_empty(tables):
    assert read_split(tables, "test", PERSONS).samples == []


def test_items_are_mmaction2_gcn_inputs(tables):
    dataset = SkeletonTableDataset(tables, "train", pipeline(params(), test_mode=False), PERSONS)
    assert len(dataset) == 5 and dataset.metainfo == {"classes": CLASSES}
    item = dataset[1]
    assert item["inputs"].shape == (1, 2, CLIP_LEN, 17, 3)
    assert item["data_samples"].gt_label.item() == dataset.samples[1].label
    before = dataset.samples[1].keypoint.copy()
    dataset[1]
    np.testing.assert_array_equal(dataset.samples[1].keypoint, before)  # the pipeline works on a copy


def test_same_tensors_as_mmaction2_posedataset(tables, tmp_path):
    """Test mode fixes the frame sampling, so both datasets must give identical inputs and labels."""
    annotations = naive_annotations(tables, "val")
    ann_file = tmp_path / "skeletons.pkl"
    ann_file.write_bytes(pickle.dumps({"split": {"val": [a["frame_dir"] for a in annotations]}, "annotations": annotations}))
    steps = pipeline(params(), test_mode=True)
    mmstack.register("mmaction")
    mmstack.import_module("mmengine.registry").init_default_scope("mmaction")
    PoseDataset = mmstack.import_module("mmaction.datasets").PoseDataset
    theirs = PoseDataset(ann_file=str(ann_file), pipeline=steps, split="val", test_mode=True)
    ours = SkeletonTableDataset(tables, "val", steps, PERSONS, test_mode=True)
    assert len(ours) == len(theirs) == 4
    for i in range(len(ours)):
        a, b = ours[i], theirs[i]
        assert torch.equal(a["inputs"], b["inputs"])
        assert a["data_samples"].gt_label.item() == b["data_samples"].gt_label.item()


def test_person_slots_follow_the_tables(tables, tmp_path):
    from training.skeleton_tables import persons_per_clip

    assert persons_per_clip(tables) == 2  # every second clip has a second person
    one = write_skeleton_tables(tmp_path / "one", {"train": 2}, num_frames=8)
    frames = pq.read_table(one / "frames.parquet")
    pq.write_table(frames.filter(pc.equal(frames["track_id"], 0)), one / "frames.parquet")
    assert persons_per_clip(one) == 1
