"""The knobs of the hand-mesh stage (the `hand:` block of params.yaml), typed and checked.

Every key is required and no other is accepted (training.params), so a typo in params.yaml or in
`dvc exp run -S hand.lr=...` fails before training starts, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.mesh.augment import AugmentSettings
from training.mesh.checks import vit_problems
from training.params import CheckedParams, ParamsError


@dataclass(frozen=True)
class HandParams(CheckedParams):
    # data: hand-clip shard folders by source name, mixed in training by `weights`
    shards: dict[str, str]
    weights: dict[str, float]
    train_split: str
    val_split: str
    frames: int  # T: 1 trains the single-frame model; T > 1 attends across T frames of a clip
    seed: int
    # body model: the stand-ins for the sample, the user's licensed (or converted) files on real data
    mano_dir: str
    mano_files: dict[str, str]
    # encoder (transformers' Dinov2 from a config, or a local pretrained folder) and decoder
    pretrained: str | None
    image_size: int
    patch_size: int
    width: int
    depth: int
    heads: int
    mlp_ratio: int  # Dinov2Config takes an integer ratio (it ignores intermediate_size)
    decoder_layers: int
    temporal_layers: int
    # optimisation (iterations of `batch_size` clips drawn by source weight)
    iters: int
    val_interval: int
    batch_size: int
    num_workers: int
    lr: float
    weight_decay: float
    grad_clip: float
    warmup_iters: int
    min_lr: float
    # losses
    loss_joints: float
    loss_2d: float
    loss_pose: float
    loss_shape: float
    loss_camera: float  # the wrist's pixel and depth, straight from the labels (speeds up the 2D fit)
    # augmentation (kornia; labels and intrinsics follow the pixels)
    aug_rotation: float
    aug_scale: float
    aug_shift: float
    aug_color: float
    # evaluation: PCK threshold and AUC range as fractions of the crop side
    pck_threshold: float
    auc_max: float
    vis_samples: int

    def check(self, source: str) -> None:
        problems = []
        if not self.shards:
            problems.append("shards names no source")
        if sorted(self.weights) != sorted(self.shards):
            problems.append(f"weights name {sorted(self.weights)}, but shards name {sorted(self.shards)}")
        if any(w < 0 for w in self.weights.values()) or not any(w > 0 for w in self.weights.values()):
            problems.append(f"weights are {self.weights}, expected >= 0 with one > 0")
        problems += vit_problems(self, ("frames", "image_size", "patch_size", "width", "depth", "heads", "iters",
                                        "val_interval", "batch_size"))
        if not 0 < self.pck_threshold <= self.auc_max:
            problems.append(f"pck_threshold {self.pck_threshold} and auc_max {self.auc_max}: expected 0 < pck_threshold <= auc_max")
        for side in ("right", "left"):
            if side not in self.mano_files:
                problems.append(f"mano_files names no {side!r} file")
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))

    def augment(self) -> AugmentSettings:
        return AugmentSettings(rotation_deg=self.aug_rotation, scale=self.aug_scale, shift=self.aug_shift, color=self.aug_color)

    def mano_paths(self) -> dict[str, Path]:
        return {side: Path(self.mano_dir) / self.mano_files[side] for side in ("right", "left")}
