"""The knobs of the hand-mesh stage (the `hand:` block of params.yaml): the keys every mesh stage has
(training.mesh.params) and the hand's own, typed and checked before training starts, so a typo in
params.yaml or in `dvc exp run -S hand.lr=...` fails naming the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.mesh.checks import vit_problems
from training.mesh.params import MeshParams
from training.params import ParamsError


@dataclass(frozen=True)
class HandParams(MeshParams):
    # data: hand-clip shard folders by source name, mixed in training by `weights`
    shards: dict[str, str]
    weights: dict[str, float]
    frames: int  # T: 1 trains the single-frame model; T > 1 attends across T frames of a clip
    # body model: the stand-ins for the sample, the user's licensed (or converted) files on real data
    mano_dir: str
    mano_files: dict[str, str]
    temporal_layers: int  # attention across a clip's frames (T > 1)
    # evaluation: the AUC's PCK range as a share of the crop side
    auc_max: float

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

    def mano_paths(self) -> dict[str, Path]:
        return {side: Path(self.mano_dir) / self.mano_files[side] for side in ("right", "left")}
