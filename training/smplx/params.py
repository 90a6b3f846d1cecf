"""The knobs of the SMPL-X stage (the `smplx:` block of params.yaml), typed and checked.

Every key is required and no other is accepted (training.params), so a typo in params.yaml or in
`dvc exp run -S smplx.lr=...` fails before training starts, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.mesh.augment import AugmentSettings
from training.mesh.checks import vit_problems
from training.params import CheckedParams, ParamsError


@dataclass(frozen=True)
class SmplxParams(CheckedParams):
    # data: the COCO person-image shards (NeuralAnnot SMPL-X where the build was given it)
    shards: str
    train_split: str
    val_split: str
    seed: int
    min_keypoints: int  # persons with fewer labelled COCO keypoints are not used
    crop_scale: float  # crop side = crop_scale * the box's longer side, centred on the box
    # body model: the stand-in for the sample, the user's licensed (or converted) file on real data
    model_dir: str
    model_file: str
    # encoder (transformers' Dinov2 from a config, or a local pretrained folder) and decoder
    pretrained: str | None
    image_size: int
    patch_size: int
    width: int
    depth: int
    heads: int
    mlp_ratio: int
    decoder_layers: int
    sincos_positions: bool  # start a from-scratch encoder with 2D sine-cosine position embeddings
    # optimisation
    iters: int
    val_interval: int
    batch_size: int
    num_workers: int
    lr: float
    weight_decay: float
    grad_clip: float
    warmup_iters: int
    min_lr: float
    # losses: 2D for every person; the rest where NeuralAnnot is present; the prior for everyone
    loss_2d: float
    loss_joints: float
    loss_pose: float
    loss_shape: float
    loss_expr: float
    loss_camera: float
    loss_prior: float
    # augmentation (kornia; keypoints, intrinsics and the global orientation follow the pixels)
    aug_rotation: float
    aug_scale: float
    aug_shift: float
    aug_color: float
    # evaluation: PCK threshold as a share of the crop side
    pck_threshold: float
    vis_samples: int

    def check(self, source: str) -> None:
        problems = vit_problems(self, ("image_size", "patch_size", "width", "depth", "heads", "iters", "val_interval",
                                       "batch_size", "min_keypoints"))
        if self.crop_scale < 1:
            problems.append(f"crop_scale is {self.crop_scale}, expected >= 1 (the crop holds the whole box)")
        if not 0 < self.pck_threshold < 1:
            problems.append(f"pck_threshold is {self.pck_threshold}, expected a share of the crop side in (0, 1)")
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))

    def augment(self) -> AugmentSettings:
        return AugmentSettings(rotation_deg=self.aug_rotation, scale=self.aug_scale, shift=self.aug_shift, color=self.aug_color)

    def model_path(self) -> Path:
        return Path(self.model_dir) / self.model_file
