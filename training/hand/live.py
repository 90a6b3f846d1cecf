"""An MMEngine hook that logs the hand-mesh run through DVCLive, for `dvc metrics` and `dvc plots`.

Each validation is one DVCLive step: the training losses since the last one, the learning rate,
the val figures overall and per source, and the mean-pose baseline's figures beside them. At the
end metrics.json holds the last validation's figures (top level: overall; one block per source),
the baseline's under `baseline`, how many clips were skipped as bad input and why, and a picture
of predicted meshes on val crops goes to plots/images/.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from training.hand.draw import draw_joints, draw_mesh, grid
from training.hand.preprocess import IMAGE_MEAN, IMAGE_STD
from training.mesh.live import MeshLiveHook

ZOOM = 2


def picture(model: Any, batch: dict[str, Any], count: int) -> np.ndarray:
    """Predicted meshes (blue) and labelled joints (green) on the first frames of a val batch."""
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        outputs = model(**data, mode="predict")
    images = data["inputs"][:, 0].float().cpu()
    images = images * torch.tensor(IMAGE_STD).view(1, 3, 1, 1) + torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    images = (images.clamp(0, 1) * 255).byte().permute(0, 2, 3, 1).numpy()
    joint_img = data["data_samples"]["joint_img"][:, 0].cpu().numpy()
    valid = data["data_samples"]["joint_valid"][:, 0].cpu().numpy() > 0
    tiles = []
    for i, out in enumerate(outputs[:count]):
        tile = np.ascontiguousarray(np.repeat(np.repeat(images[i], ZOOM, 0), ZOOM, 1))
        focal, princpt = out["focal"][0] * ZOOM, out["princpt"][0] * ZOOM + (ZOOM - 1) / 2
        tile = draw_mesh(tile, out["vertices_cam"][0], model.mano.faces, focal, princpt)
        tile = draw_joints(tile, joint_img[i] * ZOOM + (ZOOM - 1) / 2, valid[i])
        if out["mirrored"]:
            tile = np.ascontiguousarray(tile[:, ::-1])  # show a left hand as it was
        tiles.append(tile)
    return grid(tiles)


class HandLiveHook(MeshLiveHook):
    """The hand-mesh figures and the picture of meshes on val crops."""

    figures = ("mpjpe", "pa_mpjpe", "mpvpe", "pa_mpvpe", "pck", "auc")
    item = "hand clip"

    def picture(self, model: Any, batch: Any, count: int) -> np.ndarray:
        return picture(model, batch, count)
