"""An MMEngine hook that logs the pose run through DVCLive, for `dvc metrics` and `dvc plots`.

One DVCLive step per epoch: the epoch's mean train loss and SimCC accuracy and the learning rate;
on the epochs that validate, the CocoMetric figures of the val split (`val/AP`, `val/AR`, ...) at
the same step, so a run that validates once at the end still has its training curves. At the end
(`finish`), CocoMetric's own keys (`coco/AP`, `coco/AP .5`, ...) at the top level of metrics.json
with whatever the stage adds (baseline, skipped samples), and the prediction picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from dvclive import Live

import mmstack

Hook = mmstack.import_module("mmengine.hooks").Hook

PREVIEW_NAME = "predictions.png"
TRAIN_KEYS = ("loss", "acc_pose")


class PoseLiveHook(Hook):
    priority = "LOW"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.live: Live | None = None
        self.last: dict[str, float] = {}
        self.history: list[dict[str, float]] = []
        self._train: dict[str, list[float]] = {k: [] for k in TRAIN_KEYS}

    def before_run(self, runner: Any) -> None:
        if not mmstack.import_module("mmengine.dist").is_main_process():
            return  # one process of a distributed run writes the metrics
        self.live = Live(dir=str(self.folder), save_dvc_exp=False, dvcyaml=None, report=None)

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        for key in TRAIN_KEYS:
            if outputs and key in outputs:
                value = outputs[key]
                self._train[key].append(float(value.detach() if hasattr(value, "detach") else value))

    def after_train_epoch(self, runner: Any) -> None:
        if self.live is None:
            return
        self.live.step = runner.epoch  # the epoch just trained, from 0 (the loop counts it after this hook)
        for key, values in self._train.items():
            if values:
                self.live.log_metric(f"train/{key}", float(np.mean(values)))
        self._train = {k: [] for k in TRAIN_KEYS}
        self.live.log_metric("lr", float(runner.optim_wrapper.get_lr()["lr"][0]))

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        if self.live is None or not metrics:
            return
        self.last = {k: float(v) for k, v in metrics.items() if k.startswith("coco/")}
        self.history.append({"epoch": runner.epoch, **self.last})
        self.live.step = runner.epoch - 1  # the step of the epoch it follows
        for key, value in self.last.items():
            self.live.log_metric("val/" + key.split("/", 1)[1].replace(" ", ""), value)

    def finish(self, extra: dict[str, Any], preview: np.ndarray | None) -> dict[str, Any]:
        """Write the final summary (the last validation's figures plus `extra`) and the picture."""
        if self.live is None:
            raise RuntimeError("the run never started")
        if not self.last:
            raise RuntimeError("training ended without scoring the val split")
        self.live.summary.update({**self.last, **extra})
        if preview is not None:
            self.live.log_image(PREVIEW_NAME, preview[..., ::-1].copy())  # BGR -> RGB
        self.live.end()
        return dict(self.live.summary)
