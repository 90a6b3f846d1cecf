"""Training a mesh stage with MMEngine's Runner, the same way for every mesh model; a `MeshStage`
says what differs (the config, body-model files, baseline, logged figures, picture, checkpoint meta).

Outputs in `out`: `config.py` (the MMEngine config), `model.pth` (a slim `{'state_dict', 'meta'}`
checkpoint that loads under torch's weights-only default; no body-model arrays in it) and the
runner's logs and resumable checkpoint in `runner/`. Metrics and plots go to `metrics_dir`
through DVCLive, with the mean-pose baseline beside the model's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from training.engine import CHECKPOINT_NAME, CONFIG_NAME, save_slim_checkpoint, start_runner, unwrap
from training.mesh.live import MeshLiveHook
from training.mesh.params import MeshParams
from training.params import ParamsError


@dataclass
class TrainResult:
    config: Path
    checkpoint: Path
    metrics: dict[str, float]  # the last validation, flat ('mpjpe', 'dexycb/mpjpe', ...)
    baseline: dict[str, float]
    skipped: dict[str, int]
    model: Any  # the trained model, in eval mode


@dataclass(frozen=True)
class MeshStage:
    """What one mesh stage brings to `train_mesh`."""

    build_config: Callable[[Any, Path], dict[str, Any]]  # (params, runner work_dir) -> the runner config
    body_files: Callable[[Any], dict[str, Path]]  # the body-model files training needs, by what they are
    body_keys: str  # the params keys that name them
    shards: Callable[[Any], object]  # the data, as an error names it
    # (params, model, train set, val loader) -> the mean-pose baseline's figures; may start the model there
    baseline: Callable[[Any, Any, Any, Any], dict[str, float]]
    figures: tuple[str, ...]  # the metric's figures DVCLive logs at each validation
    item: str  # what one sample is, as messages name it
    picture: Callable[[Any, Any, int], np.ndarray]  # (model, val batch, count) -> meshes on val crops (RGB)
    meta: Callable[[Any], dict[str, Any]]  # what the checkpoint records beyond the shared keys


def train_mesh(stage: MeshStage, params: MeshParams, out: Path, metrics_dir: Path, source: str) -> TrainResult:
    """Fit on `train_split`, score `val_split` every `val_interval` iterations; missing body-model
    files and empty splits fail before the first step, naming the key (`source`: where params came from)."""
    for what, path in stage.body_files(params).items():
        if not path.is_file():
            raise ParamsError(f"{source}: the {what} {path} does not exist ({stage.body_keys})")
    runner = start_runner(stage.build_config(params, out / "runner"), out, CONFIG_NAME)
    train_set, val_set = runner.train_dataloader.dataset, runner.val_dataloader.dataset
    for split, data in ((params.train_split, train_set), (params.val_split, val_set)):
        if len(data) == 0:
            raise ParamsError(f"{source}: split {split!r} of {stage.shards(params)} has no usable {stage.item}s")
    baseline = stage.baseline(params, unwrap(runner.model), train_set, runner.val_dataloader)
    live = MeshLiveHook(metrics_dir, baseline, train_set.skipped + val_set.skipped, params.vis_samples, stage.figures,
                        stage.item, stage.picture)
    runner.register_hook(live)
    model = unwrap(runner.train())
    model.eval()
    meta = {"config": CONFIG_NAME, "iters": params.iters, "seed": params.seed, "image_size": params.image_size,
            **stage.meta(params), "encoder_config": model.encoder.model.config.to_dict()}
    checkpoint = save_slim_checkpoint(model, out / CHECKPOINT_NAME, meta)
    if not live.metrics:
        raise RuntimeError("training ended without scoring the held-out split")
    return TrainResult(config=out / CONFIG_NAME, checkpoint=checkpoint, metrics=live.metrics, baseline=baseline,
                       skipped=dict(live.skipped), model=model)


def score(model: Any, loader: Any, metric: Any) -> dict[str, float]:
    """`metric`'s figures for `model` on `loader`, batch by batch as validation computes them."""
    model.eval()
    with torch.no_grad():
        for batch in loader:
            metric.process(batch, model.val_step(batch))
    return metric.compute_metrics(metric.results)
