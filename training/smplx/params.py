"""The knobs of the SMPL-X stage (the `smplx:` block of params.yaml): the keys every mesh stage has
(training.mesh.params) and SMPL-X's own, typed and checked before training starts, so a typo in
params.yaml or in `dvc exp run -S smplx.lr=...` fails naming the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.mesh.checks import vit_problems
from training.mesh.params import MeshParams
from training.params import ParamsError


@dataclass(frozen=True)
class SmplxParams(MeshParams):
    # data: the COCO person-image shards (NeuralAnnot SMPL-X where the build was given it)
    shards: str
    min_keypoints: int  # persons with fewer labelled COCO keypoints are not used
    crop_scale: float  # crop side = crop_scale * the box's longer side, centred on the box
    # body model: the stand-in for the sample, the user's licensed (or converted) file on real data
    model_dir: str
    model_file: str
    sincos_positions: bool  # start a from-scratch encoder with 2D sine-cosine position embeddings
    # losses: 2D for every person, the shared ones and `expr` where NeuralAnnot is present, the
    # shape prior for everyone
    loss_expr: float
    loss_prior: float

    def check(self, source: str) -> None:
        problems = vit_problems(self, ("image_size", "patch_size", "width", "depth", "heads", "iters", "val_interval",
                                       "batch_size", "min_keypoints"))
        if self.crop_scale < 1:
            problems.append(f"crop_scale is {self.crop_scale}, expected >= 1 (the crop holds the whole box)")
        if not 0 < self.pck_threshold < 1:
            problems.append(f"pck_threshold is {self.pck_threshold}, expected a share of the crop side in (0, 1)")
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))

    def model_path(self) -> Path:
        return Path(self.model_dir) / self.model_file
