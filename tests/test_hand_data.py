"""The hand-clip data path: MANO from the shards reproduces their joints, left hands mirror into
right ones exactly, sources mix by weight, and bad clips are skipped with their reason."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from hand_factory import build_hand_shards
from schemas.shards import dump_npy, load_npy
from shard_factory import member_offsets, replace_member
from training.hand.dataset import HandClipDataset, SourceWeightedSampler, flip_clip, hand_collate
from training.mesh.bodymodels import Mano


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict[str, Path]:
    from synthetic import write_sample

    root = tmp_path_factory.mktemp("hands")
    write_sample(root / "raw", seed=0, datasets=("interhand26m", "dexycb"))
    return {**build_hand_shards(root / "raw", root / "shards"), "body_models": root / "raw" / "body_models"}


@pytest.fixture(scope="module")
def mano(sample) -> dict[str, Mano]:
    folder = sample["body_models"]
    return {"right": Mano(folder / "MANO_RIGHT_STANDIN.pkl", "right"), "left": Mano(folder / "MANO_LEFT_STANDIN.pkl", "left")}


def shards(sample) -> dict[str, str]:
    return {"interhand26m": str(sample["interhand26m"]), "dexycb": str(sample["dexycb"])}


def raw_clips(sample, split: str = "train") -> list[dict]:
    """Every clip's arrays as written (no mirroring), with its handedness."""
    out = []
    for name in ("interhand26m", "dexycb"):
        dataset = HandClipDataset({name: str(sample[name])}, split, frames=1, load_size=128)
        for record in dataset.records:
            item = dataset.labels(dataset.records.index(record))
            if item["mirrored"]:
                item = flip_clip(item)  # back to the shard's own view
            out.append(item)
    return out


def mm(points: torch.Tensor) -> np.ndarray:
    rel = points - points[:, :1]
    return rel.double().numpy() * 1000.0


def test_mano_from_the_shards_reproduces_joint_cam(sample, mano):
    clips = raw_clips(sample)
    sides = {c["handedness"] for c in clips}
    assert sides == {"right", "left"}, "the sample should hold both hands"
    worst = 0.0
    for clip in clips:
        with torch.no_grad():
            _, joints = mano[clip["handedness"]].from_pose(torch.as_tensor(clip["mano_pose"]), torch.as_tensor(clip["mano_shape"]))
        expected = clip["joint_cam"] - clip["joint_cam"][:, :1]
        worst = max(worst, float(np.abs(mm(joints) - expected).max()))
    assert worst < 1.0, f"MANO joints differ from joint_cam by up to {worst:.3f} mm"


def test_a_flipped_left_hand_gives_the_mirrored_mesh(sample, mano):
    left = [c for c in raw_clips(sample) if c["handedness"] == "left"][0]
    flipped = flip_clip(left)
    assert flipped["handedness"] == "right" and flipped["mirrored"]
    with torch.no_grad():
        left_verts, left_joints = mano["left"].from_pose(torch.as_tensor(left["mano_pose"]), torch.as_tensor(left["mano_shape"]))
        right_verts, right_joints = mano["right"].from_pose(torch.as_tensor(flipped["mano_pose"]), torch.as_tensor(flipped["mano_shape"]))
    mirror = torch.tensor([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(mm(right_verts), mm(left_verts * mirror), atol=1e-3)
    # and the mirrored labels describe that mesh: 3D joints, and 2D joints through the crop camera
    np.testing.assert_allclose(mm(right_joints), flipped["joint_cam"] - flipped["joint_cam"][:, :1], atol=1.0)
    cam = flipped["joint_cam"]
    uv = cam[..., :2] / cam[..., 2:] * flipped["focal"][:, None] + flipped["princpt"][:, None]
    np.testing.assert_allclose(uv, flipped["joint_img"], atol=0.05)
    assert np.array_equal(flip_clip(flipped)["joint_cam"], left["joint_cam"])


def test_items_and_batches_have_the_contract_shapes(sample):
    dataset = HandClipDataset(shards(sample), "train", frames=2, load_size=128)
    batch = hand_collate([dataset[i] for i in range(3)])
    assert batch["images"].shape == (3, 2, 128, 128, 3) and batch["images"].dtype == torch.uint8
    assert batch["joint_img"].shape == (3, 2, 21, 2) and batch["mano_pose"].shape == (3, 2, 48)
    assert all(h == "right" for h in [dataset[i]["handedness"] for i in range(len(dataset))])


def test_sources_are_drawn_by_weight_not_by_size(sample):
    dataset = HandClipDataset(shards(sample), "train", frames=1, load_size=128)
    counts = np.bincount(dataset.source_of)
    assert counts[0] != counts[1]
    for weights, share in (({"interhand26m": 1.0, "dexycb": 1.0}, 0.5), ({"interhand26m": 3.0, "dexycb": 1.0}, 0.75)):
        sampler = SourceWeightedSampler(dataset, weights, seed=0, num_samples=4000)
        drawn = dataset.source_of[list(sampler)]
        assert abs((drawn == 0).mean() - share) < 0.03
    only = SourceWeightedSampler(dataset, {"interhand26m": 0.0, "dexycb": 1.0}, num_samples=100)
    assert set(dataset.source_of[list(only)]) == {1}


def break_split(folder: Path) -> tuple[str, str]:
    """In the first shard: one clip's frames no longer decode, another's joint_cam has the wrong shape."""
    shard = sorted(folder.glob("*.tar"))[0]
    keys = sorted({name.split(".")[0] for name in member_offsets(shard)})
    for t in range(4):
        replace_member(shard, f"{keys[0]}.frame{t:02d}.jpg", b"\xff\xd8 not a jpeg")
    replace_member(shard, f"{keys[1]}.joint_cam.npy", dump_npy(np.zeros((4, 20, 3), np.float32)))
    return keys[0], keys[1]


def test_bad_clips_are_skipped_with_a_logged_reason(sample, tmp_path, caplog):
    import shutil

    folder = tmp_path / "interhand26m"
    shutil.copytree(sample["interhand26m"], folder)
    bad_jpeg, bad_shape = break_split(folder / "train")
    caplog.set_level(logging.WARNING)
    dataset = HandClipDataset({"interhand26m": str(folder)}, "train", frames=1, load_size=128)
    whole = HandClipDataset({"interhand26m": str(sample["interhand26m"])}, "train", frames=1, load_size=128)
    assert len(dataset) == len(whole) - 1  # the wrong shape is found when indexing
    assert dataset.skipped == {"contract": 1}
    assert any(bad_shape in m and "joint_cam" in m for m in caplog.messages)
    # the undecodable frame is met when drawn: another clip comes instead, and the reason travels along
    position = [r.key.split("/", 1)[1] for r in dataset.records].index(bad_jpeg)
    item = dataset[position]
    assert item["key"] != f"interhand26m/{bad_jpeg}"
    assert len(item["skipped"]) >= 1 and "does not decode" in item["skipped"][0]
    assert dataset.skipped["jpg"] >= 1
    # scoring cannot draw another clip: the val-style dataset drops it when indexing
    scored = HandClipDataset({"interhand26m": str(folder)}, "train", frames=1, load_size=128, test_mode=True)
    assert len(scored) == len(whole) - 2 and scored.skipped == {"contract": 1, "jpg": 1}


def test_clips_shorter_than_t_are_skipped(sample):
    dataset = HandClipDataset(shards(sample), "val", frames=5, load_size=128)
    assert len(dataset) == 0 and dataset.skipped["frames"] > 0
    json.dumps(dict(dataset.skipped))
    assert load_npy(dump_npy(np.zeros((1, 21), np.float32))).shape == (1, 21)
