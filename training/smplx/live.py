"""DVCLive logging of the SMPL-X run (training.mesh.live) and its picture: predicted meshes and
the labelled keypoints on val crops."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from schemas.skeletons import COCO_SKELETON
from training.mesh.draw import draw_mesh, draw_skeleton, grid
from training.mesh.live import MeshLiveHook
from training.mesh.preprocess import to_rgb
from training.smplx.metric import FIGURES

ZOOM = 2


def picture(model: Any, batch: dict[str, Any], count: int) -> np.ndarray:
    """Predicted meshes (blue) and labelled keypoints (green) on the first val crops of a batch."""
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        outputs = model(**data, mode="predict")
    images = to_rgb(data["inputs"][:count])
    tiles = []
    for image, out in zip(images, outputs[:count]):
        tile = np.ascontiguousarray(np.repeat(np.repeat(image, ZOOM, 0), ZOOM, 1))
        tile = draw_mesh(tile, out["vertices_cam"], model.smplx.faces, out["focal"] * ZOOM,
                         out["princpt"] * ZOOM + (ZOOM - 1) / 2)
        tiles.append(draw_skeleton(tile, out["gt_uv"] * ZOOM + (ZOOM - 1) / 2, COCO_SKELETON, out["visible"]))
    return grid(tiles)


class SmplxLiveHook(MeshLiveHook):
    """The SMPL-X figures and the picture of meshes on val crops."""

    figures = FIGURES
    item = "person"

    def picture(self, model: Any, batch: Any, count: int) -> np.ndarray:
        return picture(model, batch, count)
