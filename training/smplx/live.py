"""The picture DVCLive keeps of the SMPL-X run (training.mesh.live logs it): predicted meshes and the
labelled keypoints on val crops."""

from __future__ import annotations

from typing import Any

import numpy as np

from schemas.skeletons import COCO_SKELETON
from training.mesh.draw import ZOOM, draw_mesh, draw_skeleton, grid, zoom, zoom_points
from training.mesh.live import predict_batch
from training.mesh.preprocess import to_rgb


def picture(model: Any, batch: dict[str, Any], count: int) -> np.ndarray:
    """Predicted meshes (blue) and labelled keypoints (green) on the first val crops of a batch."""
    data, outputs = predict_batch(model, batch)
    tiles = []
    for image, out in zip(to_rgb(data["inputs"][:count]), outputs[:count]):
        tile = draw_mesh(zoom(image), out["vertices_cam"], model.smplx.faces, out["focal"] * ZOOM,
                         zoom_points(out["princpt"]))
        tiles.append(draw_skeleton(tile, zoom_points(out["gt_uv"]), COCO_SKELETON, out["visible"]))
    return grid(tiles)
