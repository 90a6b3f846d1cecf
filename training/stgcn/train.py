"""Train STGCN++ on one skeleton-table folder with MMEngine's Runner; write what MMAction2 can load.

Outputs in `out`: `config.py` (the MMAction2 config), `model.pth` (a slim `{'state_dict', 'meta'}`
checkpoint that loads under torch's weights-only default) and the runner's logs in `runner/`.
Metrics and plots go to `metrics_dir` through DVCLive.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mmstack
import numpy as np

from training.engine import CHECKPOINT_NAME, CONFIG_NAME, save_slim_checkpoint, unwrap
from training.metrics import ClassificationReport
from training.precise_bn import PreciseBNHook
from training.skeleton_tables import class_names as table_class_names
from training.skeleton_tables import persons_per_clip, read_table
from training.stgcn.config import build_config
from training.stgcn.live import LiveHook
from training.stgcn.params import ParamsError, StgcnParams



@dataclass
class TrainResult:
    config: Path
    checkpoint: Path
    class_names: list[str]
    report: ClassificationReport
    evaluator_metrics: dict[str, float]  # MMAction2's AccMetric on the same last epoch
    model: Any  # the trained RecognizerGCN, in eval mode


def data_classes(folder: Path) -> list[str]:
    """Class names by label, from the tables' own (label, label_name) pairs."""
    return table_class_names(read_table(folder, "samples", ["label", "label_name"]), str(folder / "samples.parquet"))


def train(params: StgcnParams, out: Path, metrics_dir: Path, source: str = "params.yaml") -> TrainResult:
    """Fit on `train_split`, score `val_split` each epoch, export the last epoch's weights."""
    mmstack.register("mmaction")
    import training.stgcn.dataset  # noqa: F401  (registers SkeletonTableDataset)

    Config = mmstack.import_module("mmengine.config").Config
    Runner = mmstack.import_module("mmengine.runner").Runner
    folder = Path(params.data)
    names = data_classes(folder)
    if params.num_person is None:
        params = dataclasses.replace(params, num_person=persons_per_clip(folder))
    weights = params.class_weights(names, source)
    out.mkdir(parents=True, exist_ok=True)
    work_dir = out / "runner"
    shutil.rmtree(work_dir, ignore_errors=True)
    cfg = Config(build_config(params, weights, work_dir))
    cfg.dump(str(out / CONFIG_NAME))
    runner = Runner.from_cfg(cfg)
    if len(runner.train_dataloader.dataset) == 0:
        raise ParamsError(f"{source}: split {params.train_split!r} of {folder} has no samples to train on")
    if len(runner.val_dataloader.dataset) == 0:
        raise ParamsError(f"{source}: split {params.val_split!r} of {folder} has no samples to score")
    if params.precise_bn_batches:
        runner.register_hook(PreciseBNHook(params.precise_bn_batches))
    live = LiveHook(metrics_dir, names)
    runner.register_hook(live)
    model = unwrap(runner.train())
    model.eval()
    lengths = [s.num_frames for s in runner.train_dataloader.dataset.samples]
    meta = {"classes": names, "config": CONFIG_NAME, "epochs": params.epochs, "seed": params.seed,
            "window": int(np.median(lengths))}
    checkpoint = save_slim_checkpoint(model, out / CHECKPOINT_NAME, meta)
    if live.report is None:
        raise RuntimeError("training ended without scoring the held-out split")
    return TrainResult(config=out / CONFIG_NAME, checkpoint=checkpoint, class_names=names, report=live.report,
                       evaluator_metrics=live.evaluator_metrics, model=model)
