"""Train the SMPL-X model on the COCO shards (training.mesh.trainer: what goes where); write a model
that `predict body` and the tests can load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.mesh.checkpoint import load_mesh_model
from training.mesh.trainer import MeshStage, TrainResult, score, train_mesh
from training.smplx.baseline import evaluate_baseline, mean_body
from training.smplx.config import build_config
from training.smplx.live import picture
from training.smplx.metric import FIGURES
from training.smplx.params import SmplxParams


def start_at_mean(params: SmplxParams, model: Any, train_set: Any, val_loader: Any) -> dict[str, float]:
    """The training persons' mean body, which the model starts from, scored on the val persons."""
    mean, mean_uv = mean_body(train_set, model)
    model.start_from(mean)
    return evaluate_baseline(mean, mean_uv, model, val_loader, params.pck_threshold)


STAGE = MeshStage(
    build_config=build_config,
    body_files=lambda params: {"SMPL-X file": params.model_path()},
    body_keys="model_dir / model_file",
    shards=lambda params: params.shards,
    baseline=start_at_mean,
    figures=FIGURES,
    item="person",
    picture=picture,
    meta=lambda params: {"crop_scale": params.crop_scale},
)


def train(params: SmplxParams, out: Path, metrics_dir: Path, source: str = "params.yaml") -> TrainResult:
    """Fit on `train_split`'s persons, score `val_split`'s every `val_interval` iterations."""
    return train_mesh(STAGE, params, out, metrics_dir, source)


def evaluate(model: Any, loader: Any, pck_threshold: float) -> dict[str, float]:
    """The figures of `model` on `loader`'s persons, computed as validation computes them."""
    from training.smplx.metric import SmplxMetric

    return score(model, loader, SmplxMetric(pck_threshold, model.image_size))


def load_model(folder: Path, model_file: str | Path | None = None, device: str = "cpu") -> Any:
    """The trained model from `folder`; `model_file` overrides the SMPL-X file it was trained with."""
    import training.smplx.model  # noqa: F401  (registers SmplxModel)

    return load_mesh_model(folder, {"model_file": model_file}, device)
