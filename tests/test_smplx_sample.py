"""The synthetic COCO sample's persons are SMPL-X bodies: the written keypoints are where the stand-in
SMPL-X model puts the joints of each person's NeuralAnnot entry, seen through its camera."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from schemas.shards import COCO_FROM_SMPLX, SMPLX_PARAMS
from synthetic.bodymodels import SMPLX_FILE


def entries(root: Path, split: str) -> tuple[dict, list[dict]]:
    annotations = json.loads((root / "annotations" / f"person_keypoints_{split}2017.json").read_text())["annotations"]
    neural = json.loads((root / "annotations" / f"MSCOCO_{split}_SMPLX_all_NeuralAnnot.json").read_text())
    return neural, [a for a in annotations if a["num_keypoints"] > 0]


def test_keypoints_are_the_projected_smplx_joints(coco_raw):
    from training.mesh.bodymodels import Smplx

    model = Smplx(coco_raw.parent / "body_models" / SMPLX_FILE)
    for split in ("train", "val"):
        neural, persons = entries(coco_raw, split)
        assert len(persons) > 20 and {str(p["id"]) for p in persons} == set(neural)
        params = {name: torch.tensor([neural[str(p["id"])]["smplx_param"][name] for p in persons]) for name in SMPLX_PARAMS}
        with torch.no_grad():
            _, joints = model.from_params(params)
        joints = joints[:, list(COCO_FROM_SMPLX)].double().numpy()
        focal = np.array([neural[str(p["id"])]["cam_param"]["focal"] for p in persons])[:, None]
        princpt = np.array([neural[str(p["id"])]["cam_param"]["princpt"] for p in persons])[:, None]
        projected = joints[..., :2] / joints[..., 2:] * focal + princpt
        written = np.array([p["keypoints"] for p in persons], np.float64).reshape(-1, 17, 3)
        labelled = written[..., 2] > 0
        assert labelled.sum() > 17 * len(persons) * 0.8
        assert np.abs(projected - written[..., :2])[labelled].max() < 0.5
        outside = (projected[..., 0] < 0) | (projected[..., 1] < 0)
        assert not labelled[outside].any()  # what falls outside the image is unlabelled


def test_persons_stand_facing_the_camera_with_mild_poses(coco_raw):
    neural, persons = entries(coco_raw, "train")
    keypoints = np.array([p["keypoints"] for p in persons], np.float64).reshape(-1, 17, 3)
    whole = keypoints[(keypoints[..., 2] > 0).all(1)]
    assert len(whole) > 50
    # COCO's left on the image's right, the head above the shoulders above the hips above the ankles
    assert (whole[:, 5, 0] > whole[:, 6, 0]).all() and (whole[:, 11, 0] > whole[:, 12, 0]).all()
    assert (whole[:, 0, 1] < whole[:, 5, 1]).all() and (whole[:, 5, 1] < whole[:, 11, 1]).all()
    assert (whole[:, 11, 1] < whole[:, 15, 1]).all()
    body = np.array([neural[str(p["id"])]["smplx_param"]["body_pose"] for p in persons])
    assert np.ptp(body, axis=0).max() > 0.3  # the arms do swing
    wrists = whole[:, 9, 0] - whole[:, 5, 0]
    assert np.std(wrists / (whole[:, 15, 1] - whole[:, 0, 1])) > 0.02
