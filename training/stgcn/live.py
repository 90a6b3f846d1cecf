"""An MMEngine hook that logs a classifier's run through DVCLive, for `dvc metrics` and `dvc plots`.

Per epoch (one DVCLive step): train loss and accuracy, val loss, top-1 and mean class accuracy.
At the end, at the top level of metrics.json: the last epoch's held-out top-1, mean class accuracy,
loss and per-class precision/recall/F1/support; the confusion matrix goes out as a plot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mmstack
import numpy as np
from dvclive import Live

from training.metrics import ClassificationReport, classification_report

Hook = mmstack.import_module("mmengine.hooks").Hook

CONFUSION_PLOT = "confusion_matrix.json"


class LiveHook(Hook):
    """Writes `metrics.json` and `plots/` under `folder`; dvc.yaml declares them (no dvc.yaml edits)."""

    priority = "LOW"

    def __init__(self, folder: str | Path, class_names: list[str]) -> None:
        self.folder = Path(folder)
        self.class_names = list(class_names)
        self.live: Live | None = None
        self.report: ClassificationReport | None = None
        self.evaluator_metrics: dict[str, float] = {}
        self._train: dict[str, list[float]] = {"loss": [], "acc": []}
        self._labels: list[int] = []
        self._scores: list[np.ndarray] = []
        self._predictions: tuple[list[int], np.ndarray] | None = None

    def before_run(self, runner: Any) -> None:
        self.live = Live(dir=str(self.folder), save_dvc_exp=False, dvcyaml=None, report=None)

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        if outputs:
            self._train["loss"].append(float(outputs["loss"]))
            if "top1_acc" in outputs:
                self._train["acc"].append(float(outputs["top1_acc"]))

    def before_val_epoch(self, runner: Any) -> None:
        self._labels, self._scores = [], []

    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        for sample in outputs or []:
            self._labels.append(int(sample.gt_label.item()))
            self._scores.append(sample.pred_score.detach().cpu().numpy())

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        if self.live is None or not self._scores:
            return
        self.evaluator_metrics = dict(metrics or {})
        scores = np.stack(self._scores)
        self.report = classification_report(np.array(self._labels), scores, self.class_names)
        self._predictions = (list(self._labels), scores)
        for name, values in self._train.items():
            if values:
                self.live.log_metric(f"train/{name}", float(np.mean(values)))
        self._train = {"loss": [], "acc": []}
        self.live.log_metric("val/top1", self.report.top1)
        self.live.log_metric("val/mean_class_accuracy", self.report.mean_class_accuracy)
        if self.report.loss is not None:
            self.live.log_metric("val/loss", self.report.loss)
        self.live.log_metric("lr", float(runner.optim_wrapper.get_lr()["lr"][0]), plot=True)
        self.live.next_step()

    def after_run(self, runner: Any) -> None:
        if self.live is None:
            return
        if self.report is not None and self._predictions is not None:
            self.live.summary.update(self.report.to_dict())
            labels, scores = self._predictions
            names = self.class_names
            self.live.log_sklearn_plot(
                "confusion_matrix",
                [names[i] for i in labels],
                [names[i] for i in scores.argmax(axis=1)],
                name=CONFUSION_PLOT,
                title="Confusion matrix (held-out split)",
            )
        self.live.end()
