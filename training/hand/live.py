"""The picture DVCLive keeps of the hand-mesh run (training.mesh.live logs it): predicted meshes and
the labelled joints on val crops, left hands shown as they were."""

from __future__ import annotations

from typing import Any

import numpy as np

from training.hand.draw import draw_joints, draw_mesh, grid
from training.mesh.draw import ZOOM, zoom, zoom_points
from training.mesh.live import predict_batch
from training.mesh.preprocess import to_rgb


def picture(model: Any, batch: dict[str, Any], count: int) -> np.ndarray:
    """Predicted meshes (blue) and labelled joints (green) on the first frames of a val batch."""
    data, outputs = predict_batch(model, batch)
    images = to_rgb(data["inputs"][:count, 0])
    joint_img = data["data_samples"]["joint_img"][:, 0].cpu().numpy()
    valid = data["data_samples"]["joint_valid"][:, 0].cpu().numpy() > 0
    tiles = []
    for i, out in enumerate(outputs[:count]):
        tile = draw_mesh(zoom(images[i]), out["vertices_cam"][0], model.mano.faces, out["focal"][0] * ZOOM,
                         zoom_points(out["princpt"][0]))
        tile = draw_joints(tile, zoom_points(joint_img[i]), valid[i])
        if out["mirrored"]:
            tile = np.ascontiguousarray(tile[:, ::-1])  # show a left hand as it was
        tiles.append(tile)
    return grid(tiles)
