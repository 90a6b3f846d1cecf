"""The SMPL-X stage's batch step (training.mesh.preprocess): keypoints and the principal point
move with the pixels, the focal length scales, and the camera's turn travels with the batch
(`turn`), so the model turns the NeuralAnnot body with it (global orientation and camera-frame
joints; the body's own articulation does not change)."""

from __future__ import annotations

from typing import Any

import mmstack
from schemas.shards import SMPLX_PARAMS
from training.mesh.augment import move_points
from training.mesh.preprocess import CropPreprocessor, NetView

MODELS = mmstack.import_module("mmengine.registry").MODELS


@MODELS.register_module()
class SmplxDataPreprocessor(CropPreprocessor):
    def labels(self, data: dict[str, Any], view: NetView) -> dict[str, Any]:
        return {
            "keypoints": move_points(view.to_net, data["keypoints"].float()),
            "princpt": move_points(view.to_net, data["princpt"].float()),
            "focal": data["focal"].float() * view.focal_scale[:, None],
            "turn": view.rotation,
            **{name: data[name].float() for name in ("visible", "has_smplx", *SMPLX_PARAMS)},
            "crop_size": data["crop_size"],
            "keys": data["keys"],
            "skipped": data["skipped"],
        }
