"""DexYCB reader on generated trees: official setups, metres to mm, PCA MANO pose to axis-angle
(checked against smplx's own PCA path), PCA kept with a flag without a model, bad inputs named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from schemas.shards import load_npy, sample_problems
from tasks.readers import dexycb
from tasks.readers.dexycb import OPTIONS, enumerate_items, in_setup, load_records
from tasks.items import ItemError
from tasks.shards.mano import pca_to_axis_angle, pose_components


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    from synthetic import write_sample

    out = tmp_path_factory.mktemp("raw")
    write_sample(out, seed=0, datasets=("dexycb",))
    return out


def options(raw: Path, **changes) -> dict:
    return {**OPTIONS, "mano_model_dir": str(raw / "body_models"),
            "mano_files": {"right": "MANO_RIGHT_STANDIN.pkl", "left": "MANO_LEFT_STANDIN.pkl"},
            "clip": {"length": 2, "stride": 1}, **changes}


def arrays(sample: dict) -> dict[str, np.ndarray]:
    return {k[:-4]: load_npy(v) for k, v in sample.items() if k.endswith(".npy")}


def test_official_setups():
    # s0: every 5th sequence is held out; val subjects 0-1, test subjects 2-9
    assert in_setup("s0", "train", 7, 3, 13) and not in_setup("s0", "train", 7, 3, 14)
    assert in_setup("s0", "val", 1, 0, 14) and not in_setup("s0", "val", 2, 0, 14)
    assert in_setup("s0", "test", 2, 0, 99) and not in_setup("s0", "test", 2, 0, 98)
    assert [s for s in range(10) if in_setup("s1", "test", s, 0, 0)] == [7, 8]
    assert [c for c in range(8) if in_setup("s2", "val", 0, c, 0)] == [6]
    assert [q for q in range(100) if in_setup("s3", "val", 0, 0, q)] == [15, 16, 17, 18, 19, 95, 96, 97, 98, 99]
    for setup in ("s0", "s1", "s2", "s3"):  # each frame lands in exactly one split
        for s, c, q in ((0, 0, 4), (6, 6, 35), (8, 7, 77), (9, 2, 58)):
            assert sum(in_setup(setup, split, s, c, q) for split in ("train", "val", "test")) == 1
    with pytest.raises(ValueError, match="unknown DexYCB setup 's9'"):
        in_setup("s9", "train", 0, 0, 0)


def test_splits_of_the_generated_tree(raw):
    root = raw / "dexycb"
    opts = options(raw)
    keys = {split: enumerate_items(root, split, opts) for split in ("train", "val", "test")}
    subjects = lambda items: sorted({i.data["subject"] for i in items})  # noqa: E731
    assert subjects(keys["val"]) == ["20200709-subject-01", "20200813-subject-02"]
    assert subjects(keys["test"]) == ["20200820-subject-03"]
    fifth = {sorted(p.name for p in (root / s).iterdir())[4] for s in subjects(keys["train"])}
    assert {i.data["sequence"] for i in keys["val"] + keys["test"]} == fifth
    assert not fifth & {i.data["sequence"] for i in keys["train"]}
    s2 = enumerate_items(root, "train", options(raw, setup="s2"))
    assert len(s2) == sum(len(v) for v in keys.values())  # two cameras, both in s2's training serials


def test_metres_to_mm_and_pca_to_axis_angle(raw):
    """Rebuilding the hand from the shard's axis-angle pose with smplx (no PCA) gives the same mesh
    as smplx's own PCA path on DexYCB's coefficients, and joints that match joint_cam in mm."""
    import smplx
    import torch

    from synthetic.bodymodels import mano_joints_with_tips
    from synthetic.hands import MANO_TO_COMMON

    root = raw / "dexycb"
    opts = options(raw)
    item = next(i for i in enumerate_items(root, "train", opts) if i.data["side"] == "right" and i.data["frames"][0] > 0)
    (sample,) = load_records(root, item, opts)
    assert sample_problems(sample, dexycb.KIND) == []
    values, meta = arrays(sample), json.loads(sample["json"])
    assert meta["mano_pose_format"] == "axis_angle" and meta["handedness"] == "right"
    labels = np.load(root / item.files[1])
    np.testing.assert_allclose(values["joint_cam"][0], labels["joint_3d"][0] * 1000, rtol=1e-6)

    model = str(raw / "body_models/MANO_RIGHT_STANDIN.pkl")
    plain = smplx.MANO(model_path=model, is_rhand=True, use_pca=False, flat_hand_mean=False)
    pose = torch.tensor(values["mano_pose"][:1])
    betas = torch.tensor(values["mano_shape"][:1])
    trans = torch.tensor(labels["pose_m"][:, 48:51])
    out = plain(global_orient=pose[:, :3], hand_pose=pose[:, 3:], betas=betas, transl=trans)
    joints = mano_joints_with_tips(out.vertices, out.joints)[0].numpy()[MANO_TO_COMMON]
    np.testing.assert_allclose(joints * 1000, values["joint_cam"][0], atol=0.05)

    k = 12  # smplx turns PCA off at 45 components, so compare on the first K coefficients
    coeffs = labels["pose_m"][0, 3:48].copy()
    coeffs[k:] = 0
    pca = smplx.MANO(model_path=model, is_rhand=True, use_pca=True, num_pca_comps=k, flat_hand_mean=False)
    ours = pca_to_axis_angle(np.concatenate([labels["pose_m"][0, :3], coeffs]), pose_components(model, "right"))
    reference = pca(global_orient=pose[:, :3], hand_pose=torch.tensor(coeffs[None, :k]), betas=betas).vertices
    rebuilt = plain(global_orient=pose[:, :3], hand_pose=torch.tensor(ours[None, 3:], dtype=torch.float32), betas=betas).vertices
    np.testing.assert_allclose(rebuilt.detach().numpy(), reference.detach().numpy(), atol=1e-6)


def test_without_a_model_the_pose_stays_pca(raw):
    root = raw / "dexycb"
    opts = options(raw, mano_model_dir=None)
    item = enumerate_items(root, "val", opts)[0]
    (sample,) = load_records(root, item, opts)
    labels = np.load(root / item.files[1])
    assert json.loads(sample["json"])["mano_pose_format"] == "pca"
    np.testing.assert_allclose(arrays(sample)["mano_pose"][0], labels["pose_m"][0, :48], rtol=1e-6)


def test_frames_without_a_hand_give_no_clip(raw):
    root = raw / "dexycb"
    opts = options(raw)
    empty = [i for i in enumerate_items(root, "train", opts)
             if np.all(np.load(root / i.files[1])["joint_3d"] == -1)]
    assert empty
    assert load_records(root, empty[0], opts) == []


@pytest.fixture
def broken(raw, tmp_path) -> Path:
    shutil.copytree(raw / "dexycb", tmp_path / "dexycb")
    return tmp_path / "dexycb"


def test_bad_labels_and_meta_are_named(raw, broken):
    opts = options(raw)
    item = enumerate_items(broken, "val", opts)[0]
    (broken / item.files[3]).write_bytes(b"not an npz")
    with pytest.raises(ItemError) as err:
        load_records(broken, item, opts)
    assert err.value.file == item.files[3] and "labels do not load" in err.value.reason
    meta = broken / item.data["subject"] / item.data["sequence"] / "meta.yml"
    data = yaml.safe_load(meta.read_text())
    del data["mano_sides"]
    meta.write_text(yaml.safe_dump(data))
    items = enumerate_items(broken, "val", opts)
    bad = [i for i in items if "problem" in i.data]
    assert len(bad) == 1 and bad[0].key.endswith(item.data["sequence"])
    with pytest.raises(ItemError, match="lacks serials, num_frames, mano_sides or mano_calib"):
        load_records(broken, bad[0], opts)


def test_missing_model_file_fails_the_split(raw):
    with pytest.raises(ItemError, match="MANO model file not found"):
        enumerate_items(raw / "dexycb", "train", options(raw, mano_model_dir=str(raw / "nowhere")))
