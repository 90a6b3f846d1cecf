"""The hand-mesh model (CS-ViT2/HaMeR-style): a ViT encoder, one learned query that cross-attends
to the image tokens, heads for MANO pose (6D per joint), shape and a camera; with T > 1 frames the
per-frame queries attend to each other across the clip before the heads.

Every hand is a right hand here (left ones arrive mirrored), so one right MANO layer decodes all.
The camera is (log scale, u, v): the wrist's pixel (u, v in [-1, 1] of the image) and a depth
from how large the hand appears, back-projected through each crop's own intrinsics, so the same
network serves crops from any camera. The MANO layer is held outside the module tree: the body
model's licensed arrays never enter a checkpoint.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

import mmstack
import training.hand.preprocess  # noqa: F401  (registers HandDataPreprocessor)
from training.mesh.bodymodels import Mano, OutsideTree
from training.mesh.camera import camera_points, camera_target, masked_mean
from training.mesh.encoder import VitEncoder
from training.mesh.rotations import axis_angle_to_matrix, matrix_to_rot6d, rot6d_to_matrix

BaseModel = mmstack.import_module("mmengine.model").BaseModel
MODELS = mmstack.import_module("mmengine.registry").MODELS

HAND_SPAN_MM = 285.0  # depth scale: a ~190 mm hand filling 2/3 of the image at log scale 0


@MODELS.register_module()
class HandMeshModel(BaseModel):
    def __init__(self, encoder: dict[str, Any], mano_file: str, frames: int, decoder_layers: int,
                 temporal_layers: int, loss_weights: dict[str, float], data_preprocessor: dict[str, Any]) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.encoder = VitEncoder(**encoder)
        width, heads = self.encoder.width, int(encoder["heads"])
        self.image_size = int(encoder["image_size"])
        self.frames = int(frames)
        self.loss_weights = dict(loss_weights)
        self._mano = OutsideTree(Mano(mano_file, "right"))
        self.query = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        layer = nn.TransformerDecoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, max(1, decoder_layers))
        self.temporal = None
        if self.frames > 1 and temporal_layers > 0:
            self.time = nn.Parameter(torch.zeros(1, self.frames, width))
            block = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True, norm_first=True)
            self.temporal = nn.TransformerEncoder(block, temporal_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head_pose = nn.Linear(width, 16 * 6)
        self.head_shape = nn.Linear(width, 10)
        self.head_cam = nn.Linear(width, 3)
        with torch.no_grad():  # start at the mean hand, facing the camera, centred
            for head in (self.head_pose, self.head_shape, self.head_cam):
                head.weight.mul_(0.01)
                head.bias.zero_()
            mean = torch.cat([torch.zeros(3), self.mano.hand_mean.float().cpu()]).view(16, 3)
            self.head_pose.bias.copy_(matrix_to_rot6d(axis_angle_to_matrix(mean)).reshape(-1))

    @property
    def mano(self) -> Mano:
        return self._mano.model

    def regress(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Images [B, T, 3, S, S] -> per frame (B*T rows): rotations [N, 16, 3, 3], betas, cam, and
        the root-relative joints [N, 21, 3] and vertices [N, 778, 3] in mm."""
        batch, frames = images.shape[:2]
        tokens = self.encoder(images.flatten(0, 1))
        state = self.decoder(self.query.expand(tokens.shape[0], -1, -1), tokens)[:, 0]
        if self.temporal is not None:
            state = self.temporal(state.view(batch, frames, -1) + self.time[:, :frames]).flatten(0, 1)
        state = self.norm(state)
        rot = rot6d_to_matrix(self.head_pose(state).view(-1, 16, 6))
        betas = self.head_shape(state)
        vertices, joints = self._mano.on(images.device)(rot[:, 0], rot[:, 1:], betas)
        root = joints[:, :1]
        return {"rot": rot, "betas": betas, "cam": self.head_cam(state),
                "joints": (joints - root) * 1000.0, "vertices": (vertices - root) * 1000.0}

    def ground_truth(self, samples: dict[str, Any]) -> dict[str, torch.Tensor]:
        """Per frame: root-relative joints (mm), which joints count, MANO rotations and the mesh where given."""
        joint_cam = samples["joint_cam"].flatten(0, 1)
        valid = samples["joint_valid"].flatten(0, 1) > 0
        valid = valid & valid[:, :1]  # root-relative needs the root
        has_mano = samples["has_mano"].flatten(0, 1) > 0
        pose, betas = samples["mano_pose"].flatten(0, 1), samples["mano_shape"].flatten(0, 1)
        mano = self._mano.on(pose.device)
        global_rot, hand_rot = mano.rotations(pose)
        with torch.no_grad():
            vertices, joints = mano(global_rot, hand_rot, betas)
        return {"joints": joint_cam - joint_cam[:, :1], "valid": valid, "has_mano": has_mano,
                "rot": torch.cat([global_rot[:, None], hand_rot], dim=1), "betas": betas,
                "vertices": (vertices - joints[:, :1]) * 1000.0,
                "uv": samples["joint_img"].flatten(0, 1)}

    def forward(self, inputs: torch.Tensor, data_samples: dict[str, Any] | None = None, mode: str = "tensor") -> Any:
        pred = self.regress(inputs)
        if mode == "tensor":
            return pred
        focal = data_samples["focal"].flatten(0, 1)
        princpt = data_samples["princpt"].flatten(0, 1)
        points, pixels = camera_points(pred["joints"], pred["cam"], focal, princpt, self.image_size, HAND_SPAN_MM)
        gt = self.ground_truth(data_samples)
        if mode == "loss":
            w = self.loss_weights
            return {
                "loss_joints": w["joints"] * masked_mean((pred["joints"] - gt["joints"]).abs() / 1000.0, gt["valid"]),
                "loss_2d": w["2d"] * masked_mean((pixels - gt["uv"]).abs() / self.image_size, gt["valid"]),
                "loss_pose": w["pose"] * masked_mean((pred["rot"] - gt["rot"]) ** 2, gt["has_mano"]),
                "loss_shape": w["shape"] * masked_mean((pred["betas"] - gt["betas"]) ** 2, gt["has_mano"]),
                "loss_camera": w["camera"] * masked_mean(
                    (pred["cam"] - camera_target(data_samples["joint_cam"].flatten(0, 1), gt["uv"], focal, self.image_size, HAND_SPAN_MM)).abs(),
                    gt["valid"][:, 0]),
            }
        if mode == "predict":
            vertices_cam = pred["vertices"] + (points[:, :1] - pred["joints"][:, :1])
            return package(data_samples, gt, {"joints": pred["joints"], "vertices": pred["vertices"], "uv": pixels,
                                              "vertices_cam": vertices_cam})
        raise ValueError(f"unknown mode {mode!r}")


def package(samples: dict[str, Any], gt: dict[str, torch.Tensor], pred: dict[str, torch.Tensor]) -> list[dict[str, Any]]:
    """Per-clip dicts for the metric: predictions and ground truth [T, ...] as numpy, 2D in crop pixels."""
    batch, frames = samples["joint_cam"].shape[:2]
    to_crop = samples["to_crop"].repeat_interleave(frames, 0)

    def crop_px(uv: torch.Tensor) -> torch.Tensor:
        return uv @ to_crop[:, :2, :2].transpose(1, 2) + to_crop[:, None, :2, 2]

    fields = {
        "pred_joints": pred["joints"], "pred_vertices": pred["vertices"], "pred_uv": crop_px(pred["uv"]),
        "gt_joints": gt["joints"], "gt_vertices": gt["vertices"], "gt_uv": crop_px(gt["uv"]),
        "valid": gt["valid"], "has_mano": gt["has_mano"],
    }
    if "vertices_cam" in pred:
        fields.update(vertices_cam=pred["vertices_cam"], focal=samples["focal"].flatten(0, 1),
                      princpt=samples["princpt"].flatten(0, 1))
    arrays = {k: v.detach().float().cpu().numpy().reshape(batch, frames, *v.shape[1:]) for k, v in fields.items()}
    out = []
    for i in range(batch):
        item = {k: v[i] for k, v in arrays.items()}
        item.update(source=int(samples["source"][i]), crop_size=float(samples["crop_size"][i]),
                    mirrored=bool(samples["mirrored"][i]), key=samples["keys"][i])
        out.append(item)
    return out
