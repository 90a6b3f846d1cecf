"""COCO reader on the real sample files (values checked by hand against test_coco.json) and on the
synthetic tree; broken inputs fail with the file and the reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from schemas.shards import sample_problems
from synthetic.coco import _COLORS
from tasks.items import ItemError
from tasks.readers import coco
from tasks.readers.coco import OPTIONS, enumerate_items, load_records

REAL = {**OPTIONS, "annotations": "test_coco.json", "images": "."}


def by_image(root: Path, split: str, opts: dict) -> dict[int, dict]:
    out = {}
    for item in enumerate_items(root, split, opts):
        (sample,) = load_records(root, item, opts)
        assert sample_problems(sample, coco.KIND) == []
        out[json.loads(sample["json"])["image_id"]] = {**sample, "meta": json.loads(sample["json"])}
    return out


@pytest.mark.samples
def test_real_sample_counts_and_values(samples_dir):
    root = samples_dir / "coco"
    images = by_image(root, "val", REAL)
    # test_coco.json: 4 images; persons per image (keypoint-less ones included)
    assert {i: len(s["meta"]["persons"]) for i, s in images.items()} == {785: 1, 40083: 3, 196141: 5, 197388: 5}
    person = images[785]["meta"]["persons"][0]
    assert person["id"] == 442619
    assert person["keypoints"][0] == [367, 81, 2]  # the nose
    assert person["keypoints"][16] == [396, 341, 2]  # the right ankle
    assert person["bbox"] == [280.79, 44.73, 218.7, 346.68]
    assert images[40083]["meta"]["persons"][2]["num_keypoints"] == 0
    assert images[785]["meta"]["width"] == 640 and images[785]["meta"]["height"] == 425
    assert images[785]["jpg"] == (root / "000000000785.jpg").read_bytes()  # never re-encoded
    assert images[785]["__key__"] == "coco-val-785"


def test_synthetic_images_show_the_keypoints(coco_raw):
    root = coco_raw
    images = by_image(root, "val", OPTIONS)
    checked = hits = 0
    for sample in images.values():
        picture = cv2.imdecode(np.frombuffer(sample["jpg"], np.uint8), cv2.IMREAD_COLOR).astype(int)
        for k, person in enumerate(sample["meta"]["persons"]):
            dark = np.array(_COLORS[k % len(_COLORS)]) * 0.5
            for x, y, v in person["keypoints"][5:]:
                if v > 0:
                    checked += 1
                    hits += np.abs(picture[int(round(y)), int(round(x))] - dark).max() < 40
    assert checked > 50 and hits / checked > 0.85


def test_synthetic_smplx_and_filters(coco_raw):
    root = coco_raw
    data = json.loads((root / "annotations/person_keypoints_train2017.json").read_text())
    with_keypoints = {a["image_id"] for a in data["annotations"] if a["num_keypoints"] > 0}
    opts = {**OPTIONS, "smplx_annotations": "annotations/MSCOCO_{split}_SMPLX_all_NeuralAnnot.json"}
    items = enumerate_items(root, "train", opts)
    assert {int(i.key.rsplit("-", 1)[1]) for i in items} == with_keypoints < {im["id"] for im in data["images"]}
    everything = enumerate_items(root, "train", {**opts, "require_keypoints": False})
    assert len(everything) == len(data["images"])
    (sample,) = load_records(root, items[0], opts)
    person = json.loads(sample["json"])["persons"][0]
    truth = json.loads((root / "annotations/MSCOCO_train_SMPLX_all_NeuralAnnot.json").read_text())[str(person["id"])]
    assert person["smplx"]["body_pose"] == truth["smplx_param"]["body_pose"]
    assert person["smplx"]["cam"] == truth["cam_param"]


@pytest.fixture
def broken(coco_raw, tmp_path) -> Path:
    root = tmp_path / "coco"
    shutil.copytree(coco_raw, root)
    return root


def first_item(root: Path, opts: dict = OPTIONS):
    return enumerate_items(root, "val", opts)[0]


def test_unreadable_image(broken):
    item = first_item(broken)
    (broken / item.files[0]).write_bytes(b"\xff\xd8 this is not a JPEG at all")
    with pytest.raises(ItemError) as err:
        load_records(broken, item, OPTIONS)
    assert err.value.file == item.files[0]
    assert "truncated" in err.value.reason or "decode" in err.value.reason


def test_truncated_image(broken):
    item = first_item(broken)
    path = broken / item.files[0]
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ItemError, match="truncated JPEG"):
        load_records(broken, item, OPTIONS)


def test_keypoints_outside_the_image_are_kept_and_flagged(broken):
    item = first_item(broken)
    person = item.data["persons"][0]
    person["keypoints"][0:3] = [item.data["image"]["width"] + 50.5, -24.9, 2]
    (sample,) = load_records(broken, item, OPTIONS)
    (carried, *_) = json.loads(sample["json"])["persons"]
    assert carried["keypoints"][0] == [item.data["image"]["width"] + 50.5, -24.9, 2]
    assert carried["outside_image"][0] == "nose"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("bbox", [1.0, float("nan"), 3.0, 4.0], "bbox holds a non-finite number"),
    ("area", float("inf"), "area is inf, expected a finite number"),
    ("num_keypoints", -1, "num_keypoints is -1, expected an integer from 0 to 17"),
])
def test_non_finite_and_invalid_numbers_fail_the_item(broken, field, value, message):
    item = first_item(broken)
    item.data["persons"][0][field] = value
    with pytest.raises(ItemError, match=message):
        load_records(broken, item, OPTIONS)


def test_annotations_naming_no_image_fail_as_one_counted_item(broken):
    path = broken / "annotations/person_keypoints_val2017.json"
    data = json.loads(path.read_text())
    data["annotations"][0]["image_id"] = 999999999
    del data["annotations"][1]["image_id"]
    path.write_text(json.dumps(data))
    (orphans,) = [i for i in enumerate_items(broken, "val", OPTIONS) if i.key == "coco-val-orphans"]
    with pytest.raises(ItemError, match=r"2 person annotation\(s\) name no image of the split"):
        load_records(broken, orphans, OPTIONS)


def test_annotation_that_does_not_parse(broken):
    path = broken / "annotations/person_keypoints_val2017.json"
    data = json.loads(path.read_text())
    data["annotations"][0]["keypoints"] = data["annotations"][0]["keypoints"][:-3]
    path.write_text(json.dumps(data))
    item = next(i for i in enumerate_items(broken, "val", OPTIONS) if i.key == f"coco-val-{data['annotations'][0]['image_id']}")
    with pytest.raises(ItemError, match="keypoints has 48 values, expected 51"):
        load_records(broken, item, OPTIONS)
    path.write_text(path.read_text()[:-20])
    with pytest.raises(ItemError) as err:
        enumerate_items(broken, "val", OPTIONS)
    assert err.value.file == "annotations/person_keypoints_val2017.json" and "does not parse as JSON" in err.value.reason


def test_missing_annotation_file(broken):
    with pytest.raises(ItemError, match="annotation file not found"):
        enumerate_items(broken, "test", OPTIONS)
