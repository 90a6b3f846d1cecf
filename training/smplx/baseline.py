"""The mean-pose baseline every SMPL-X figure is shown beside: every person gets the training
persons' mean NeuralAnnot body (chordal mean of each joint's rotation, mean shape and expression)
and their mean COCO-17 keypoints (as a share of the crop). The model starts from this body too,
so what it scores beyond the baseline it learned from the pixels."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from schemas.shards import SMPLX_PARAMS
from training.mesh.augment import move_points
from training.mesh.rotations import mean_rotation
from training.smplx.dataset import SmplxPersonDataset
from training.smplx.metric import person_rows, summarise
from training.smplx.model import MeanBody, body_points, package


def mean_body(dataset: SmplxPersonDataset, model: Any) -> tuple[MeanBody, np.ndarray]:
    """The mean body (and camera) over persons with NeuralAnnot, and the mean keypoints [17, 2]
    (share of the crop side) over labelled ones."""
    uv_sum, uv_count = np.zeros((17, 2)), np.zeros((17, 1))
    params: dict[str, list[np.ndarray]] = {name: [] for name in (*SMPLX_PARAMS, "focal", "princpt", "crop_size")}
    for index in range(len(dataset)):
        item = dataset.labels(index)
        visible = item["visible"][:, None] > 0
        uv_sum += item["keypoints"] / item["crop_size"] * visible
        uv_count += visible
        if item["has_smplx"] > 0:
            for name in params:
                params[name].append(np.float32(item[name]))
    if not params["shape"]:
        raise ValueError("no training person has NeuralAnnot SMPL-X parameters: the mean-pose baseline needs some")
    tensors = {name: torch.as_tensor(np.stack(values)) for name, values in params.items()}
    rot = model.smplx.rotations(tensors)
    # the camera as the unaugmented network sees each crop: crop px scaled to the network's size
    scale = (model.image_size / tensors["crop_size"])[:, None]
    samples = {**tensors, "turn": torch.eye(3).expand(len(scale), 3, 3), "focal": tensors["focal"] * scale,
               "princpt": tensors["princpt"] * scale, "has_smplx": torch.ones(len(scale))}
    with torch.no_grad():
        cam = model.ground_truth(samples, mesh=False)["cam"]
    mean = MeanBody(rot=torch.stack([mean_rotation(rot[:, j]) for j in range(rot.shape[1])]),
                    betas=tensors["shape"].mean(0), expression=tensors["expr"].mean(0), cam=cam.mean(0))
    return mean, uv_sum / np.maximum(uv_count, 1)


def evaluate_baseline(mean: MeanBody, uv: np.ndarray, model: Any, loader: Any, pck_threshold: float) -> dict[str, float]:
    """The baseline's figures on `loader`'s persons, through the same ground truth and metric as the model."""
    with torch.no_grad():
        points = body_points(model.smplx, mean.rot[None], mean.betas[None], mean.expression[None], mesh=True)
    rows = []
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        samples = data["data_samples"]
        n = len(samples["keys"])
        with torch.no_grad():
            gt = model.ground_truth(samples)
        # the 2D mean is a share of the crop: into crop pixels, then through the batch's crop -> network map
        uv_crop = torch.as_tensor(uv, dtype=torch.float32)[None] * samples["crop_size"].view(n, 1, 1).float()
        uv_net = move_points(torch.linalg.inv(samples["to_crop"]), uv_crop)
        pred = {"joints": points["joints"].expand(n, -1, -1), "vertices": points["vertices"].expand(n, -1, -1), "uv": uv_net}
        rows.append(person_rows(package(samples, gt, pred)))
    return summarise(rows, pck_threshold, model.image_size)
