"""The hand stage's batch step (training.mesh.preprocess): every label and the intrinsics carried
into the network's pixels.

Everything geometric comes out in network pixels (`image_size` square): `joint_img`, `focal`,
`princpt`; `to_crop` [B, 3, 3] maps them back to the shards' crop pixels. 3D joints and the MANO
global orientation are turned with the image (see training.mesh.augment).
"""

from __future__ import annotations

from typing import Any

import torch

import mmstack
from training.mesh.augment import move_points
from training.mesh.preprocess import IMAGE_MEAN, IMAGE_STD, CropPreprocessor, NetView
from training.mesh.rotations import axis_angle_to_matrix, matrix_to_axis_angle

MODELS = mmstack.import_module("mmengine.registry").MODELS
__all__ = ["HandDataPreprocessor", "IMAGE_MEAN", "IMAGE_STD"]


@MODELS.register_module()
class HandDataPreprocessor(CropPreprocessor):
    """Hand clips [B, T, ...]: 2D joints and the principal point move with the pixels, the focal
    length scales, the 3D joints and MANO's global orientation turn with the camera."""

    def labels(self, data: dict[str, Any], view: NetView) -> dict[str, Any]:
        batch = view.to_net.shape[0]
        k = view.focal_scale.view(batch, 1, 1)
        turn3 = view.rotation.view(batch, 1, 3, 3)
        pose = data["mano_pose"].float()
        global_rot = turn3 @ axis_angle_to_matrix(pose[..., :3])
        return {
            "joint_img": move_points(view.to_net, data["joint_img"].float()),
            "princpt": move_points(view.to_net, data["princpt"].float()),
            "focal": data["focal"].float() * k,
            "joint_cam": data["joint_cam"].float() @ turn3.transpose(-1, -2),
            "mano_pose": torch.cat([matrix_to_axis_angle(global_rot), pose[..., 3:]], dim=-1),
            **{name: data[name] for name in ("joint_valid", "mano_shape", "has_mano", "crop_size", "source", "mirrored")},
            "keys": data["keys"],
            "skipped": data["skipped"],
        }
