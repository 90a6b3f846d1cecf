"""Shard sample layouts: good samples pass, bad ones are named by sample, member and key."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from schemas import SchemaError
from schemas.shards import (
    HAND_ARRAYS, HAND_CLIP, HAND_SKELETON, PERSON_IMAGE, dump_npy, frame_member, load_npy,
    sample_problems, validate_sample,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def person_sample(**meta_changes) -> dict:
    meta = {
        "image_id": 785, "file_name": "000000000785.jpg", "width": 640, "height": 425,
        "persons": [{"id": 1, "bbox": [1.0, 2.0, 30.0, 60.0], "area": 1800.0, "iscrowd": 0,
                     "keypoints": [[5.0, 6.0, 2]] * 17}],
    }
    meta.update(meta_changes)
    return {"__key__": "coco-val-785", "jpg": JPEG, "json": json.dumps(meta).encode()}


def hand_sample(t: int = 3) -> dict:
    sample = {"__key__": "ih-train-1-right", "json": json.dumps(
        {"handedness": "right", "data_source": "interhand26m", "source_split": "train",
         "source_paths": ["a.jpg"] * t, "crop": {"size": 256}}).encode()}
    for name, shape in HAND_ARRAYS.items():
        sample[f"{name}.npy"] = dump_npy(np.zeros((t, *shape), np.float32))
    for i in range(t):
        sample[frame_member(i)] = JPEG
    return sample


def test_person_image_passes():
    assert sample_problems(person_sample(), PERSON_IMAGE) == []


def test_wids_spelling_with_dots_is_accepted():
    sample = {("." + k if not k.startswith("__") else k): io.BytesIO(v) if isinstance(v, bytes) else v
              for k, v in person_sample().items()}
    assert sample_problems(sample, PERSON_IMAGE) == []


def test_person_keypoints_shape_is_named():
    bad = person_sample(persons=[{"id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0, "keypoints": [[1, 2, 2]] * 16}])
    (problem,) = sample_problems(bad, PERSON_IMAGE)
    assert problem.where == "sample coco-val-785 json persons[0] key 'keypoints'"
    assert "[16, 3]" in problem.message


def test_missing_member_and_bad_json():
    sample = person_sample()
    del sample["jpg"]
    assert [str(p) for p in sample_problems(sample, PERSON_IMAGE)] == ["sample coco-val-785: missing member 'jpg'"]
    broken = person_sample()
    broken["json"] = b"{not json"
    (problem,) = sample_problems(broken, PERSON_IMAGE)
    assert "does not parse" in problem.message


def test_hand_clip_passes_and_skeleton_is_a_tree():
    assert sample_problems(hand_sample(), HAND_CLIP) == []
    children = [b for _, b in HAND_SKELETON]
    assert sorted(children) == list(range(1, 21))


def test_hand_clip_wrong_shape_is_named():
    sample = hand_sample()
    sample["joint_cam.npy"] = dump_npy(np.zeros((3, 21, 2), np.float32))
    (problem,) = sample_problems(sample, HAND_CLIP)
    assert problem.where == "sample ih-train-1-right member 'joint_cam.npy'"
    assert "expected float32 [T, 21, 3]" in problem.message


def test_hand_clip_wrong_dtype_and_length_mismatch():
    sample = hand_sample()
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 21), np.float64))
    sample["joint_valid.npy"] = buffer.getvalue()
    sample["timestamp.npy"] = dump_npy(np.zeros((4,), np.float32))
    messages = [str(p) for p in sample_problems(sample, HAND_CLIP)]
    assert any("joint_valid.npy" in m and "float64" in m for m in messages)
    assert any("disagree on T" in m for m in messages)


def test_hand_clip_missing_frame():
    sample = hand_sample()
    del sample["frame02.jpg"]
    (problem,) = sample_problems(sample, HAND_CLIP)
    assert "frame02.jpg" in problem.message


def test_npy_roundtrip_refuses_pickles():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert np.array_equal(load_npy(dump_npy(array)), array)
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        load_npy(buffer.getvalue())


def test_validate_sample_raises():
    with pytest.raises(SchemaError, match="coco-val-785"):
        validate_sample(person_sample(width="640"), PERSON_IMAGE)
