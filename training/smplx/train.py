"""Train the SMPL-X model with MMEngine's Runner on the COCO shards; write a model that
`predict body` and the tests can load.

Outputs in `out`: `config.py` (the MMEngine config), `model.pth` (a slim `{'state_dict', 'meta'}`
checkpoint that loads under torch's weights-only default; no body-model arrays in it) and the
runner's logs and resumable checkpoint in `runner/`. Metrics and plots go to `metrics_dir`
through DVCLive, with the mean-pose baseline beside the model's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from training.engine import CHECKPOINT_NAME, CONFIG_NAME, save_slim_checkpoint, start_runner, unwrap
from training.mesh.checkpoint import load_mesh_model
from training.params import ParamsError
from training.smplx.baseline import evaluate_baseline, mean_body
from training.smplx.config import build_config
from training.smplx.live import SmplxLiveHook
from training.smplx.params import SmplxParams


@dataclass
class TrainResult:
    config: Path
    checkpoint: Path
    metrics: dict[str, float]  # the last validation
    baseline: dict[str, float]
    skipped: dict[str, int]
    model: Any  # the trained SmplxModel, in eval mode


def train(params: SmplxParams, out: Path, metrics_dir: Path, source: str = "params.yaml") -> TrainResult:
    """Fit on `train_split`'s persons, score `val_split`'s every `val_interval` iterations."""
    if not params.model_path().is_file():
        raise ParamsError(f"{source}: the SMPL-X file {params.model_path()} does not exist (model_dir / model_file)")
    runner = start_runner(build_config(params, out / "runner"), out, CONFIG_NAME)
    train_set, val_set = runner.train_dataloader.dataset, runner.val_dataloader.dataset
    for split, data in ((params.train_split, train_set), (params.val_split, val_set)):
        if len(data) == 0:
            raise ParamsError(f"{source}: split {split!r} of {params.shards} has no usable persons")
    model = unwrap(runner.model)
    mean, mean_uv = mean_body(train_set, model)
    model.start_from(mean)
    baseline = evaluate_baseline(mean, mean_uv, model, runner.val_dataloader, params.pck_threshold)
    live = SmplxLiveHook(metrics_dir, baseline, train_set.skipped + val_set.skipped, params.vis_samples)
    runner.register_hook(live)
    model = unwrap(runner.train())
    model.eval()
    meta = {"config": CONFIG_NAME, "iters": params.iters, "seed": params.seed, "image_size": params.image_size,
            "crop_scale": params.crop_scale, "encoder_config": model.encoder.model.config.to_dict()}
    checkpoint = save_slim_checkpoint(model, out / CHECKPOINT_NAME, meta)
    if not live.metrics:
        raise RuntimeError("training ended without scoring the held-out split")
    return TrainResult(config=out / CONFIG_NAME, checkpoint=checkpoint, metrics=live.metrics, baseline=baseline,
                       skipped=dict(live.skipped), model=model)


def load_model(folder: Path, model_file: str | None = None, device: str = "cpu") -> Any:
    """The trained model from `folder` (config.py + model.pth); `model_file` overrides the SMPL-X file."""
    import training.smplx.model  # noqa: F401  (registers SmplxModel)

    return load_mesh_model(folder, CONFIG_NAME, CHECKPOINT_NAME, {"model_file": str(model_file)} if model_file else {},
                           device)


def evaluate(model: Any, loader: Any, pck_threshold: float) -> dict[str, float]:
    """The figures of `model` on `loader`'s persons, computed as validation computes them."""
    from training.smplx.metric import SmplxMetric

    metric = SmplxMetric(pck_threshold, model.image_size)
    model.eval()
    with torch.no_grad():
        for batch in loader:
            metric.process(batch, model.val_step(batch))
    return metric.compute_metrics(metric.results)
