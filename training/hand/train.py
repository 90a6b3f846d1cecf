"""Train the hand-mesh model with MMEngine's Runner on the hand-clip shards; write a model that
`predict hand` and the tests can load.

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
from training.hand.baseline import evaluate_baseline, mean_pose
from training.hand.config import build_config
from training.hand.live import HandLiveHook
from training.hand.params import HandParams
from training.mesh.checkpoint import load_mesh_model
from training.params import ParamsError



@dataclass
class TrainResult:
    config: Path
    checkpoint: Path
    metrics: dict[str, float]  # the last validation, flat ('mpjpe', 'dexycb/mpjpe', ...)
    baseline: dict[str, float]
    skipped: dict[str, int]
    model: Any  # the trained HandMeshModel, in eval mode


def train(params: HandParams, out: Path, metrics_dir: Path, source: str = "params.yaml") -> TrainResult:
    """Fit on `train_split` (sources mixed by weight), score `val_split` every `val_interval` iterations."""
    for side, path in params.mano_paths().items():
        if not path.is_file():
            raise ParamsError(f"{source}: the {side} MANO file {path} does not exist (mano_dir / mano_files)")
    runner = start_runner(build_config(params, out / "runner"), out, CONFIG_NAME)
    train_set, val_set = runner.train_dataloader.dataset, runner.val_dataloader.dataset
    for split, data in ((params.train_split, train_set), (params.val_split, val_set)):
        if len(data) == 0:
            raise ParamsError(f"{source}: split {split!r} of {sorted(params.shards.values())} has no usable hand clips")
    model = unwrap(runner.model)
    baseline = evaluate_baseline(mean_pose(train_set, model.mano), model, runner.val_dataloader, list(params.shards),
                                 params.pck_threshold, params.auc_max)
    live = HandLiveHook(metrics_dir, baseline, train_set.skipped + val_set.skipped, params.vis_samples)
    runner.register_hook(live)
    model = unwrap(runner.train())
    model.eval()
    meta = {"config": CONFIG_NAME, "iters": params.iters, "seed": params.seed, "frames": params.frames,
            "image_size": params.image_size, "sources": list(params.shards),
            "encoder_config": model.encoder.model.config.to_dict()}
    checkpoint = save_slim_checkpoint(model, out / CHECKPOINT_NAME, meta)
    if not live.metrics:
        raise RuntimeError("training ended without scoring the held-out split")
    return TrainResult(config=out / CONFIG_NAME, checkpoint=checkpoint, metrics=live.metrics, baseline=baseline,
                       skipped=dict(live.skipped), model=model)


def load_model(folder: Path, mano_file: str | None = None, device: str = "cpu") -> Any:
    """The trained model from `folder` (config.py + model.pth); `mano_file` overrides the right MANO file."""
    import training.hand.model  # noqa: F401  (registers HandMeshModel)

    return load_mesh_model(folder, CONFIG_NAME, CHECKPOINT_NAME, {"mano_file": str(mano_file)} if mano_file else {},
                           device)


def evaluate(model: Any, loader: Any, sources: list[str], pck_threshold: float, auc_max: float) -> dict[str, float]:
    """The figures of `model` on `loader`'s clips, computed as validation computes them."""
    from training.hand.metric import HandMeshMetric

    metric = HandMeshMetric(sources, pck_threshold, auc_max)
    model.eval()
    with torch.no_grad():
        for batch in loader:
            metric.process(batch, model.val_step(batch))
    return metric.compute_metrics(metric.results)
