"""The shard-backed pose dataset lists the same persons as MMPose's CocoDataset on the raw folder."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mmstack
from schemas.shards import PERSON_IMAGE
from shard_factory import body, broken_person_samples, coco_samples, person, person_sample, write_split
from training.pose.dataset import ShardCocoDataset
from training.pose.evaluate import baseline_predictions, keypoint_ap, write_ground_truth


@pytest.fixture(scope="module")
def val_shards(coco_raw, tmp_path_factory):
    folder = tmp_path_factory.mktemp("coco-shards") / "val"
    write_split(folder, "coco", "val", PERSON_IMAGE, coco_samples(coco_raw, "val"))
    return folder


def persons(dataset) -> dict[int, dict]:
    return {int(info["id"]): info for info in (dataset.get_data_info(i) for i in range(len(dataset)))}


def test_same_persons_boxes_and_keypoints_as_mmpose_on_the_coco_folder(coco_raw, val_shards):
    mmstack.register("mmpose")
    mmstack.import_module("mmengine.registry").init_default_scope("mmpose")
    CocoDataset = mmstack.import_module("mmpose.datasets").CocoDataset
    theirs = persons(CocoDataset(ann_file=str(coco_raw / "annotations" / "person_keypoints_val2017.json"),
                                 data_prefix=dict(img=str(coco_raw / "val2017") + "/"), test_mode=True, pipeline=[]))
    ours = persons(ShardCocoDataset(shards=str(val_shards), test_mode=True, pipeline=[]))
    assert sorted(ours) == sorted(theirs) and len(ours) > 10  # crowds and keypoint-less persons left out alike
    for person_id, info in ours.items():
        for key in ("bbox", "keypoints", "keypoints_visible", "area"):
            assert np.array_equal(info[key], theirs[person_id][key]), (person_id, key)
        assert info["img_id"] == theirs[person_id]["img_id"]


def test_items_decode_to_the_images_pixels(coco_raw, val_shards):
    import cv2

    dataset = ShardCocoDataset(shards=str(val_shards), test_mode=True, pipeline=[])
    info = dataset.get_data_info(0)
    image = dataset.prepare_data(0)["img"]
    file_name = next(i["file_name"] for i in json.loads((coco_raw / "annotations" / "person_keypoints_val2017.json")
                                                        .read_text())["images"] if i["id"] == info["img_id"])
    assert np.array_equal(image, cv2.imread(str(coco_raw / "val2017" / file_name)))


def test_broken_samples_are_skipped_with_their_reasons(tmp_path):
    folder = tmp_path / "train"
    good = person_sample("coco-train-1", 1, [person(10, body(50.0))])
    write_split(folder, "coco", "train", PERSON_IMAGE, [good] + broken_person_samples())
    dataset = ShardCocoDataset(shards=str(folder), pipeline=[], check_images=True)
    assert [dataset.get_data_info(i)["id"] for i in range(len(dataset))] == [10]
    assert dict(dataset.skipped) == {"jpg": 1, "json": 1}
    assert [key for key, _ in dataset.skip_log] == ["coco-train-900002", "coco-train-900001"]


def test_ground_truth_file_holds_every_annotation_and_the_baseline_scores_on_it(coco_raw, val_shards, tmp_path):
    gt_path = write_ground_truth(val_shards, tmp_path / "gt.json")
    written = json.loads(gt_path.read_text())
    source = json.loads((coco_raw / "annotations" / "person_keypoints_val2017.json").read_text())
    shard_images = {i["id"] for i in written["images"]}
    expected = {a["id"]: a["keypoints"] for a in source["annotations"] if a["image_id"] in shard_images}
    assert {a["id"]: a["keypoints"] for a in written["annotations"]} == expected
    sigmas = mmstack.pose_metainfo()["sigmas"]
    figures = keypoint_ap(gt_path, baseline_predictions(val_shards, gt_path), sigmas)
    assert 0 < figures["coco/AP"] < 1 and set(figures) >= {"coco/AP", "coco/AP .5", "coco/AR"}


def test_a_bad_image_drawn_every_epoch_is_counted_once(tmp_path):
    folder = tmp_path / "train"
    good = person_sample("coco-train-1", 1, [person(10, body(50.0))])
    bad = {**person_sample("coco-train-2", 2, [person(20, body(60.0))]), "jpg": b"not a jpeg"}
    write_split(folder, "coco", "train", PERSON_IMAGE, [good, bad])
    dataset = ShardCocoDataset(shards=str(folder), pipeline=[])
    index = next(i for i in range(len(dataset)) if dataset.get_data_info(i)["id"] == 20)
    assert [dataset.prepare_data(index) for _ in range(3)] == [None, None, None]  # training draws another
    assert dict(dataset.skipped) == {"jpg": 1}


def test_within_shared_splits_a_split_is_read_once(val_shards, tmp_path, monkeypatch):
    import training.pose.dataset as module

    reads = []
    read = module._read_split
    monkeypatch.setattr(module, "_read_split", lambda folder: reads.append(folder) or read(folder))
    with module.shared_splits():  # what the stage does: ground truth, dataset and baseline from one read
        gt_path = write_ground_truth(val_shards, tmp_path / "gt.json")
        dataset = ShardCocoDataset(shards=str(val_shards), test_mode=True, pipeline=[])
        baseline_predictions(val_shards, gt_path)
    assert len(reads) == 1 and len(dataset) > 10
    write_ground_truth(val_shards, tmp_path / "gt.json")  # outside it, every call reads
    assert len(reads) == 2
