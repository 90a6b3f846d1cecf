"""The knobs every mesh stage has (splits, the ViT encoder and decoder, the iteration schedule, the
losses both models weigh, kornia's augmentation, PCK), so a stage's block declares only its own.

Each field stays a required key of the stage's block (training.params): the stage's dataclass
inherits these and adds its data, body model and extra losses.
"""

from __future__ import annotations

from dataclasses import dataclass

from training.mesh.augment import AugmentSettings
from training.params import CheckedParams


@dataclass(frozen=True)
class MeshParams(CheckedParams):
    train_split: str
    val_split: str
    seed: int
    # encoder (transformers' Dinov2 from a config, or a local pretrained folder) and decoder
    pretrained: str | None
    image_size: int
    patch_size: int
    width: int
    depth: int
    heads: int
    mlp_ratio: int  # Dinov2Config takes an integer ratio (it ignores intermediate_size)
    decoder_layers: int
    # optimisation (iterations of `batch_size` items)
    iters: int
    val_interval: int
    batch_size: int
    num_workers: int
    lr: float
    weight_decay: float
    grad_clip: float
    warmup_iters: int
    min_lr: float
    # losses: 3D joints (mm), 2D keypoints (network px), body-model pose and shape, and the camera
    # (the root's pixel and depth, straight from the labels: speeds up the 2D fit)
    loss_joints: float
    loss_2d: float
    loss_pose: float
    loss_shape: float
    loss_camera: float
    # augmentation (kornia; labels, intrinsics and the global orientation follow the pixels)
    aug_rotation: float
    aug_scale: float
    aug_shift: float
    aug_color: float
    # evaluation: PCK threshold as a share of the crop side; meshes drawn on this many val crops
    pck_threshold: float
    vis_samples: int

    def augment(self) -> AugmentSettings:
        """The `aug_*` keys as the batch step takes them."""
        return AugmentSettings(rotation_deg=self.aug_rotation, scale=self.aug_scale, shift=self.aug_shift,
                               color=self.aug_color)
