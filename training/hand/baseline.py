"""The mean-pose baseline every hand metric is shown beside: every hand gets the training clips'
mean MANO hand (mean finger pose, mean shape, the mean global orientation) and their mean 2D
joints (as a share of the crop), after mirroring left hands to right ones as the model sees them.
Its PA-MPJPE is what the mean articulation scores; what the model scores beyond it, it learned
from the pixels (the model starts from this mean hand too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from training.hand.dataset import HandClipDataset
from training.hand.metric import clip_rows, report
from training.hand.model import package
from training.mesh.bodymodels import Mano
from training.mesh.rotations import axis_angle_to_matrix, mean_rotation


@dataclass
class MeanPose:
    joints: np.ndarray  # [21, 3] mm, root-relative
    vertices: np.ndarray  # [778, 3] mm, relative to the wrist joint
    uv: np.ndarray  # [21, 2] share of the crop side


def mean_pose(dataset: HandClipDataset, mano: Mano) -> MeanPose:
    """Means over every frame of every training clip with MANO parameters (2D: where labelled)."""
    uv_sum, uv_count = np.zeros((21, 2)), np.zeros((21, 1))
    poses, shapes = [], []
    for index in range(len(dataset)):
        item = dataset.labels(index)
        valid = item["joint_valid"] > 0
        uv_sum += (item["joint_img"] / item["crop_size"] * valid[..., None]).sum(0)
        uv_count += valid.sum(0)[:, None]
        has = item["has_mano"] > 0
        poses.append(item["mano_pose"][has])
        shapes.append(item["mano_shape"][has])
    pose = torch.as_tensor(np.concatenate(poses)).reshape(-1, 48)
    if not len(pose):
        raise ValueError("no training clip has MANO parameters: the mean-pose baseline needs some")
    global_rot = mean_rotation(axis_angle_to_matrix(pose[:, :3]))
    fingers = pose[:, 3:].mean(0, keepdim=True)
    _, hand_rot = mano.rotations(torch.cat([torch.zeros(1, 3), fingers], dim=1))
    betas = torch.as_tensor(np.concatenate(shapes)).reshape(-1, 10).mean(0, keepdim=True)
    with torch.no_grad():
        vertices, joints = mano(global_rot[None], hand_rot, betas)
    root = joints[:, :1]
    return MeanPose(joints=((joints - root) * 1000.0)[0].double().numpy(),
                    vertices=((vertices - root) * 1000.0)[0].double().numpy(),
                    uv=uv_sum / np.maximum(uv_count, 1))


def evaluate_baseline(mean: MeanPose, model: Any, loader: Any, sources: list[str], pck_threshold: float,
                      auc_max: float) -> dict[str, float]:
    """The baseline's figures on `loader`'s clips, through the same ground truth and metric as the model."""
    rows, source_ids = [], []
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        samples = data["data_samples"]
        frames = samples["joint_cam"].shape[1]
        with torch.no_grad():
            gt = model.ground_truth(samples)
        n = gt["joints"].shape[0]
        crop = samples["crop_size"].repeat_interleave(frames).view(n, 1, 1).float()
        # the 2D mean is a share of the crop; `package` maps network px to crop px, so hand it network px
        uv_crop = torch.as_tensor(mean.uv, dtype=torch.float32, device=crop.device)[None] * crop
        to_net = torch.linalg.inv(samples["to_crop"]).repeat_interleave(frames, 0)
        uv_net = uv_crop @ to_net[:, :2, :2].transpose(1, 2) + to_net[:, None, :2, 2]
        pred = {"joints": torch.as_tensor(mean.joints, dtype=torch.float32).expand(n, -1, -1),
                "vertices": torch.as_tensor(mean.vertices, dtype=torch.float32).expand(n, -1, -1), "uv": uv_net}
        for item in package(samples, gt, pred):
            rows.append(clip_rows(item))
            source_ids.append(item["source"])
    return report(rows, source_ids, sources, pck_threshold, auc_max)
