"""tasks/video/mmaction.py: the pickle loads in MMAction2's PoseDataset and feeds the STGCN++ pipeline."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import mmstack
from tasks.rawfiles import FileDigests
from tasks.readers import reader_module
from tasks.spec import load_spec
from tasks.video.mmaction import export_pickle
from tasks.video.pipeline import build_part
from tasks.video.tables import merge_parts

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
PIPELINE = [
    dict(type="PreNormalize2D"),
    dict(type="GenSkeFeat", dataset="coco", feats=["j"]),
    dict(type="UniformSampleFrames", clip_len=100),
    dict(type="PoseDecode"),
    dict(type="FormatGCNInput", num_person=2),
    dict(type="PackActionInputs"),
]


def build_tables(name: str, root: Path, out: Path, limit: int) -> None:
    """The tables of the first `limit` videos of each split, without Prefect."""
    spec = load_spec(name, DATASETS, root=root)
    reader = reader_module(spec.reader)
    chosen = [i for s in spec.splits for i in reader.enumerate_items(root, s, spec.options)[:limit]]
    results = [build_part(i, reader, FileDigests(root), spec.options, spec.settings_hash(), out / "parts") for i in chosen]
    merge_parts(out, [out / "parts" / r.part for r in results])


@pytest.fixture(scope="module")
def exported(synthetic_sample, tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, limit in (("rwf2000", 4), ("aihub_falldown", 3)):
        folder = tmp_path_factory.mktemp(name)
        build_tables(name, synthetic_sample / name, folder, limit)
        out[name] = export_pickle(folder, num_persons=2)
    return out


def test_the_pickle_has_the_pyskl_layout(exported):
    data = pickle.loads(exported["aihub_falldown"].read_bytes())
    folder = exported["aihub_falldown"].parent
    samples = pq.read_table(folder / "samples.parquet").to_pylist()
    assert sorted(data["split"]) == ["train", "val"]
    assert sum(len(v) for v in data["split"].values()) == len(samples) == len(data["annotations"])
    clips = {c["clip_id"]: c for c in pq.read_table(folder / "clips.parquet").to_pylist()}
    for sample, ann in zip(samples, data["annotations"]):
        assert ann["frame_dir"] == sample["sample_id"] and ann["label"] == sample["label"]
        assert ann["total_frames"] == sample["end_frame"] - sample["start_frame"]
        assert ann["img_shape"] == ann["original_shape"] == (clips[sample["clip_id"]]["height"], clips[sample["clip_id"]]["width"])
        assert ann["keypoint"].shape == (2, ann["total_frames"], 17, 2) and ann["keypoint"].dtype == np.float32
        assert ann["keypoint_score"].shape == (2, ann["total_frames"], 17) and ann["keypoint_score"].dtype == np.float32
    # the keypoints are the frames table's, in video pixels
    frames = pq.read_table(folder / "frames.parquet").to_pylist()
    first = next(f for f in frames if f["clip_id"] == samples[0]["clip_id"] and f["track_id"] == 0)
    ann = data["annotations"][0]
    assert np.allclose(ann["keypoint"][0, first["frame_idx"] - samples[0]["start_frame"]], first["keypoints"])
    assert {a["label"] for a in data["annotations"]} == {0, 1}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rwf2000", "aihub_falldown"])
def test_pose_dataset_loads_it_through_the_stgcn_pipeline(exported, name):
    mmstack.register("mmaction")
    mmstack.import_module("mmengine.registry").init_default_scope("mmaction")
    datasets = mmstack.import_module("mmaction.registry").DATASETS
    for split in ("train", "val"):
        dataset = datasets.build(dict(type="PoseDataset", ann_file=str(exported[name]), pipeline=PIPELINE, split=split))
        assert len(dataset) > 0
        for index in range(len(dataset)):
            item = dataset[index]
            assert tuple(item["inputs"].shape) == (1, 2, 100, 17, 3)
            assert item["data_samples"].gt_label.item() in (0, 1)
            assert np.isfinite(item["inputs"].numpy()).all()
