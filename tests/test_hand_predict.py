"""`predict hand`: crops as the shards do, answers as validation does, mirrors left hands exactly,
and the command writes the picture and the 21 joints."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from hand_factory import build_hand_shards
from schemas.shards import load_npy, normalise

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from synthetic import write_sample
    from training.hand.params import HandParams
    from training.hand.train import train

    root = tmp_path_factory.mktemp("hand-predict")
    write_sample(root / "raw", seed=0, datasets=("interhand26m", "dexycb"))
    build_hand_shards(root / "raw", root / "shards")
    block = yaml.safe_load((ROOT / "params.yaml").read_text())["hand"]
    block.update(shards={"interhand26m": str(root / "shards" / "interhand26m")}, weights={"interhand26m": 1.0},
                 mano_dir=str(root / "raw" / "body_models"), image_size=56, width=32, depth=1, heads=2, iters=30,
                 val_interval=30, warmup_iters=1, batch_size=8, vis_samples=0, aug_rotation=0.0, lr=3e-3)
    params = HandParams.from_dict(block, "test")
    train(params, root / "model", root / "metrics")
    return root, params


def clip(root: Path, handedness: str, split: str) -> tuple[dict, dict]:
    from training.hand.dataset import open_index

    dataset = open_index(root / "shards" / "interhand26m" / split)
    for index in range(len(dataset)):
        sample = normalise(dataset[index])
        meta = json.loads(sample["json"].getvalue())
        if meta["handedness"] == handedness:
            return sample, meta
    raise AssertionError(f"no {handedness} clip")


def test_the_image_path_agrees_with_validation_on_the_same_hand(trained):
    """Cropping the source image around the shard's box gives what the model says on the shard's crop."""
    from training.hand.dataset import HandClipDataset, hand_collate
    from training.hand.config import load_size
    from training.hand.predict import predict_hand
    from training.hand.train import load_model

    root, params = trained
    model = load_model(root / "model")
    sample, meta = clip(root, "right", "train")
    image = cv2.imread(str(root / "raw" / "interhand26m" / meta["source_paths"][0]))
    box = load_npy(sample["hand_bbox.npy"])[0]
    crop = meta["crop"]["frames"][0]
    # the crop's intrinsics back in the source image
    focal = load_npy(sample["focal.npy"])[0] / crop["scale"]
    princpt = load_npy(sample["princpt.npy"])[0] / crop["scale"] + [crop["x0"], crop["y0"]]
    assert abs(focal[0] - focal[1]) < 0.01 * focal[0]
    predicted = predict_hand(model, image, box, focal=float(focal.mean()), princpt=princpt)
    dataset = HandClipDataset(dict(params.shards), "train", 1, load_size(params), test_mode=True)
    index = [r.key for r in dataset.records].index(f"interhand26m/{sample['__key__']}")
    with torch.no_grad():
        out = model.val_step(hand_collate([dataset[index]]))[0]
    expected = out["pred_uv"][0] / crop["scale"] + [crop["x0"], crop["y0"]]
    # same hand, same crop; only the pixels differ (the shard's crop went through JPEG once more)
    assert np.abs(predicted.joints_2d - expected).max() < 4.0
    np.testing.assert_allclose(predicted.joints_3d - predicted.joints_3d[:1], out["pred_joints"][0], atol=3.0)


def test_a_left_hand_is_the_mirror_of_the_mirrored_right_answer(trained):
    from training.hand.predict import predict_hand
    from training.hand.train import load_model

    root, _ = trained
    model = load_model(root / "model")
    sample, meta = clip(root, "left", "val")
    image = cv2.imread(str(root / "raw" / "interhand26m" / meta["source_paths"][0]))
    width = image.shape[1]
    box = load_npy(sample["hand_bbox.npy"])[0]
    left = predict_hand(model, image, box, left=True)
    mirrored_box = np.array([width - 1 - box[2], box[1], width - 1 - box[0], box[3]])
    right = predict_hand(model, np.ascontiguousarray(image[:, ::-1]), mirrored_box)
    assert left.handedness == "left" and right.handedness == "right"
    np.testing.assert_allclose(left.joints_2d[:, 0], width - 1 - right.joints_2d[:, 0], atol=1e-4)
    np.testing.assert_allclose(left.joints_2d[:, 1], right.joints_2d[:, 1], atol=1e-4)
    np.testing.assert_allclose(left.vertices * [-1, 1, 1], right.vertices, atol=1e-3)


def test_the_command_writes_the_picture_and_the_joints(trained, tmp_path):
    from cli.main import app

    root, _ = trained
    sample, meta = clip(root, "right", "train")
    image = root / "raw" / "interhand26m" / meta["source_paths"][0]
    box = ",".join(f"{v:.1f}" for v in load_npy(sample["hand_bbox.npy"])[0])
    out, joints = tmp_path / "hand.png", tmp_path / "hand.json"
    result = CliRunner().invoke(app, ["predict", "hand", str(image), "--box", box, "--model", str(root / "model"),
                                      "--out", str(out), "--joints", str(joints)])
    assert result.exit_code == 0, result.output
    picture, original = cv2.imread(str(out)), cv2.imread(str(image))
    assert picture.shape == original.shape and np.abs(picture.astype(int) - original).sum() > 0
    data = json.loads(joints.read_text())
    assert len(data["joints_2d"]) == 21 and len(data["joints_3d_mm"]) == 21 and data["joint_names"][0] == "wrist"
    x1, y1, x2, y2 = (float(v) for v in box.split(","))
    inside = [(x1 - 40 <= x <= x2 + 40) and (y1 - 40 <= y <= y2 + 40) for x, y in data["joints_2d"]]
    assert sum(inside) >= 15, data["joints_2d"]
    bad = CliRunner().invoke(app, ["predict", "hand", str(image), "--box", "3,4,1", "--model", str(root / "model")])
    assert bad.exit_code == 2 and "four numbers" in bad.output
