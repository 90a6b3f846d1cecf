"""InterHand2.6M reader: the real sample's joints land where its annotations and MMPose's own
InterHand dataset put them; synthetic clips carry MANO parameters in the camera frame."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from schemas.shards import load_npy, sample_problems
from tasks.readers import interhand26m
from tasks.readers.interhand26m import OPTIONS, TO_COMMON, enumerate_items, load_records
from tasks.shards.crop import project
from tasks.items import ItemError

CLIPS = {**OPTIONS, "clip": {"length": 4, "stride": 1}}
REAL = {**OPTIONS, "annotations": "test_interhand2.6m_{part}.json", "images": ".", "clip": {"length": 1, "stride": 1}}


def arrays(sample: dict) -> dict[str, np.ndarray]:
    return {k[:-4]: load_npy(v) for k, v in sample.items() if k.endswith(".npy")}


def load_all(root: Path, split: str, opts: dict) -> dict[str, dict]:
    out = {}
    for item in enumerate_items(root, split, opts):
        (sample,) = load_records(root, item, opts)
        assert sample_problems(sample, interhand26m.KIND) == []
        out[item.key] = sample
    return out


@pytest.fixture(scope="module")
def real(samples_dir) -> dict[str, dict]:
    return load_all(samples_dir / "interhand2.6m", "test", REAL)


def source_pixels(values: dict[str, np.ndarray], meta: dict, t: int = 0) -> np.ndarray:
    """joint_img (crop pixels) taken back to the source image through the recorded crop."""
    crop = meta["crop"]["frames"][t]
    return values["joint_img"][t] / crop["scale"] + [crop["x0"], crop["y0"]]


@pytest.mark.samples
def test_interacting_frames_give_two_hands(real):
    hands = sorted((key.split("-")[-2], json.loads(s["json"])["frames"][0]["image_id"]) for key, s in real.items())
    # image 326750 and 286291 are interacting, 680801 left, 471953 right
    assert hands == sorted([("left", 286291), ("right", 286291), ("left", 326750), ("right", 326750),
                            ("left", 680801), ("right", 471953)])


@pytest.mark.samples
def test_joints_in_the_camera_frame_and_common_order(real, samples_dir):
    root = samples_dir / "interhand2.6m"
    camera = json.loads((root / "test_interhand2.6m_camera.json").read_text())["4"]
    world = np.array(json.loads((root / "test_interhand2.6m_joint_3d.json").read_text())["4"]["2017"]["world_coord"])
    values = arrays(real["interhand26m-test-cap4-0007_thumbup_normal-cam410028-right-2017"])
    rot, pos = np.array(camera["camrot"]["410028"]), np.array(camera["campos"]["410028"])
    expected = rot @ (world[20] - pos)  # InterHand's right wrist is joint 20
    np.testing.assert_allclose(values["joint_cam"][0, 0], expected, atol=1e-3)
    np.testing.assert_allclose(values["joint_cam"][0, 4], rot @ (world[0] - pos), atol=1e-3)  # thumb tip: first in InterHand
    bone = np.linalg.norm(values["joint_cam"][0, 1:] - values["joint_cam"][0, [0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19]], axis=1)
    assert (bone > 5).all() and (bone < 120).all()  # mm: a hand's bones, so the order is a chain from the wrist


@pytest.mark.samples
def test_projected_joints_fall_in_the_annotated_box_and_crop(real, samples_dir):
    data = json.loads((samples_dir / "interhand2.6m/test_interhand2.6m_data.json").read_text())
    boxes = {a["image_id"]: a["bbox"] for a in data["annotations"]}
    for key, sample in real.items():
        values, meta = arrays(sample), json.loads(sample["json"])
        x, y, w, h = boxes[meta["frames"][0]["image_id"]]
        valid = values["joint_valid"][0] > 0
        pixels = source_pixels(values, meta)[valid]
        assert (pixels >= [x - 1, y - 1]).all() and (pixels <= [x + w + 1, y + h + 1]).all(), key
        # the crop's camera sees joint_cam exactly at joint_img
        again = project(values["joint_cam"][0], values["focal"][0], values["princpt"][0])
        np.testing.assert_allclose(again[valid], values["joint_img"][0][valid], atol=1e-2)
        assert (values["joint_img"][0][valid] >= 0).all() and (values["joint_img"][0][valid] <= meta["crop"]["size"]).all()


@pytest.mark.slow
@pytest.mark.samples
def test_agrees_with_mmpose_interhand_dataset(real, samples_dir):
    import mmstack

    datasets = mmstack.import_module("mmpose.datasets")
    root = str(samples_dir / "interhand2.6m")
    reference = datasets.InterHand3DDataset(
        ann_file="test_interhand2.6m_data.json", camera_param_file="test_interhand2.6m_camera.json",
        joint_file="test_interhand2.6m_joint_3d.json", data_root=root, data_prefix={"img": root + "/"},
        pipeline=[], test_mode=True,
    )
    compared = 0
    for index in range(len(reference)):
        info = reference.get_data_info(index)
        for key, sample in real.items():
            meta = json.loads(sample["json"])
            if meta["frames"][0]["image_id"] != info["img_id"]:
                continue
            offset = 0 if meta["handedness"] == "right" else 21
            theirs = info["keypoints"][0, offset:offset + 21, :2][TO_COMMON]
            values = arrays(sample)
            valid = values["joint_valid"][0] > 0
            assert np.abs(source_pixels(values, meta)[valid] - theirs[valid]).max() < 1.0, key
            np.testing.assert_allclose(values["joint_cam"][0], info["keypoints_cam"][0, offset:offset + 21][TO_COMMON], atol=0.05)
            compared += 1
    assert compared == len(real)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    from synthetic import write_sample

    out = tmp_path_factory.mktemp("raw")
    write_sample(out, seed=0, datasets=("interhand26m",))
    return out


def test_synthetic_clips(synthetic):
    root = synthetic / "interhand26m"
    opts = {**OPTIONS, "clip": {"length": 4, "stride": 2}}
    samples = load_all(root, "train", opts)
    assert samples, "no clips"
    for key, sample in samples.items():
        values, meta = arrays(sample), json.loads(sample["json"])
        assert values["joint_img"].shape == (4, 21, 2)
        assert [f"frame{t:02d}.jpg" in sample for t in range(4)] == [True] * 4
        frames = [f["frame_idx"] for f in meta["frames"]]
        assert frames == sorted(frames) and len(set(frames)) == 4
        np.testing.assert_allclose(values["timestamp"], np.array(frames) / 30.0, rtol=1e-6)
        assert meta["handedness"] == key.split("-")[-2]
        assert values["has_mano"].tolist() == [1.0] * 4
    # the val sequence has a left-only frame: right clips never span it
    val = enumerate_items(root, "val", {**OPTIONS, "clip": {"length": 2, "stride": 1}})
    rights = [i for i in val if i.data["side"] == "right"]
    assert rights and all(all(f["hand_type"] == "interacting" for f in i.data["frames"]) for i in rights)
    assert any(f["hand_type"] == "left" for i in val if i.data["side"] == "left" for f in i.data["frames"])


def test_synthetic_mano_matches_joints_in_camera_frame(synthetic):
    """The stand-in MANO, posed with the shard's mano_pose (camera frame), has the shard's joints
    (up to the translation, which the contract leaves out)."""
    import smplx
    import torch

    from synthetic.bodymodels import fix_left_shapedirs, mano_joints_with_tips
    from synthetic.hands import MANO_TO_COMMON

    root = synthetic / "interhand26m"
    samples = load_all(root, "train", {**OPTIONS, "clip": {"length": 1, "stride": 1}})
    for side in ("right", "left"):
        layer = smplx.MANO(model_path=str(synthetic / "body_models" / f"MANO_{side.upper()}_STANDIN.pkl"),
                           is_rhand=side == "right", use_pca=False, flat_hand_mean=False)
        if side == "left":
            fix_left_shapedirs(layer)
        chosen = [s for k, s in samples.items() if k.split("-")[-2] == side]
        assert chosen
        for sample in chosen[:3]:
            values = arrays(sample)
            pose = torch.tensor(values["mano_pose"][:1])
            out = layer(global_orient=pose[:, :3], hand_pose=pose[:, 3:], betas=torch.tensor(values["mano_shape"][:1]))
            joints = mano_joints_with_tips(out.vertices, out.joints)[0].detach().numpy()[MANO_TO_COMMON] * 1000
            valid = values["joint_valid"][0] > 0
            relative = values["joint_cam"][0] - values["joint_cam"][0, 0]
            np.testing.assert_allclose((joints - joints[0])[valid], relative[valid], atol=0.5)


def test_synthetic_crops_show_the_hand(synthetic):
    root = synthetic / "interhand26m"
    samples = load_all(root, "val", OPTIONS)
    checked = hits = 0
    for sample in samples.values():
        values = arrays(sample)
        for t in range(values["joint_img"].shape[0]):
            crop = cv2.imdecode(np.frombuffer(sample[f"frame{t:02d}.jpg"], np.uint8), cv2.IMREAD_COLOR).astype(int)
            for (x, y), valid in zip(values["joint_img"][t], values["joint_valid"][t]):
                if valid:
                    checked += 1
                    hits += crop[int(round(y)), int(round(x))].max() < 90  # the dark joint dots
    assert checked > 100 and hits / checked > 0.8


@pytest.fixture
def broken(synthetic, tmp_path) -> Path:
    root = tmp_path / "interhand26m"
    shutil.copytree(synthetic / "interhand26m", root)
    return root


def test_joint_outside_the_image_is_refused(broken):
    item = enumerate_items(broken, "train", CLIPS)[0]
    item.data["frames"][1]["camera"]["princpt"] = [-400.0, 100.0]
    with pytest.raises(ItemError) as err:
        load_records(broken, item, CLIPS)
    assert err.value.file == "annotations/train/InterHand2.6M_train_data.json"
    assert "outside the" in err.value.reason and item.files[1] in err.value.reason


def test_unreadable_image_is_named(broken):
    item = enumerate_items(broken, "train", CLIPS)[0]
    (broken / item.files[2]).write_bytes(b"garbage")
    with pytest.raises(ItemError) as err:
        load_records(broken, item, CLIPS)
    assert err.value.file == item.files[2] and "does not decode" in err.value.reason


def test_missing_camera_is_named(broken):
    path = broken / "annotations/train/InterHand2.6M_train_camera.json"
    cameras = json.loads(path.read_text())
    del cameras["0"]["focal"]["400314"]
    path.write_text(json.dumps(cameras))
    items = [i for i in enumerate_items(broken, "train", CLIPS) if i.data["camera"] == "400314"]
    with pytest.raises(ItemError, match="camera 400314 of capture 0: no such camera"):
        load_records(broken, items[0], CLIPS)


def test_broken_json_fails_the_split(broken):
    path = broken / "annotations/val/InterHand2.6M_val_joint_3d.json"
    path.write_text("{not json")
    with pytest.raises(ItemError) as err:
        enumerate_items(broken, "val", OPTIONS)
    assert err.value.file == "annotations/val/InterHand2.6M_val_joint_3d.json"
