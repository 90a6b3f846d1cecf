"""Train the hand-mesh model on the hand-clip shards (training.mesh.trainer: what goes where); write
a model that `predict hand` and the tests can load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.hand.baseline import evaluate_baseline, mean_pose
from training.hand.config import build_config
from training.hand.live import picture
from training.hand.metric import FIGURES
from training.hand.params import HandParams
from training.mesh.checkpoint import load_mesh_model
from training.mesh.trainer import MeshStage, TrainResult, score, train_mesh


def baseline(params: HandParams, model: Any, train_set: Any, val_loader: Any) -> dict[str, float]:
    """The training clips' mean hand on the val clips, per source as the model is scored."""
    return evaluate_baseline(mean_pose(train_set, model.mano), model, val_loader, list(params.shards),
                             params.pck_threshold, params.auc_max)


STAGE = MeshStage(
    build_config=build_config,
    body_files=lambda params: {f"{side} MANO file": path for side, path in params.mano_paths().items()},
    body_keys="mano_dir / mano_files",
    shards=lambda params: sorted(params.shards.values()),
    baseline=baseline,
    figures=FIGURES,
    item="hand clip",
    picture=picture,
    meta=lambda params: {"frames": params.frames, "sources": list(params.shards)},
)


def train(params: HandParams, out: Path, metrics_dir: Path, source: str = "params.yaml") -> TrainResult:
    """Fit on `train_split` (sources mixed by weight), score `val_split` every `val_interval` iterations."""
    return train_mesh(STAGE, params, out, metrics_dir, source)


def evaluate(model: Any, loader: Any, sources: list[str], pck_threshold: float, auc_max: float) -> dict[str, float]:
    """The figures of `model` on `loader`'s clips, computed as validation computes them."""
    from training.hand.metric import HandMeshMetric

    return score(model, loader, HandMeshMetric(sources, pck_threshold, auc_max))


def load_model(folder: Path, mano_file: str | Path | None = None, device: str = "cpu") -> Any:
    """The trained model from `folder`; `mano_file` overrides the right MANO file it was trained with."""
    import training.hand.model  # noqa: F401  (registers HandMeshModel)

    return load_mesh_model(folder, {"mano_file": mano_file}, device)
