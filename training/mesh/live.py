"""An MMEngine hook that logs a mesh model's run through DVCLive, for `dvc metrics` and `dvc plots`.

Each validation is one DVCLive step: the training losses since the last one, the learning rate,
the val figures, and the mean-pose baseline's figures beside them. At the end metrics.json holds
the last validation's figures (nested by their `/` prefixes), the baseline's under `baseline`, how
many samples were skipped as bad input and why, and a picture of predicted meshes on val crops
goes to plots/images/.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from dvclive import Live

import mmstack

Hook = mmstack.import_module("mmengine.hooks").Hook

PICTURE = "val_meshes.png"


def nest(flat: dict[str, float]) -> dict[str, Any]:
    """{'a/b': x} -> {'a': {'b': x}}: `dvc metrics show` lists nested keys as columns."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split("/")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return out


def predict_batch(model: Any, batch: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The network's view of a val batch and the model's per-item answers on it, in eval mode: what
    a stage's picture draws."""
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        return data, model(**data, mode="predict")


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


class MeshLiveHook(Hook):
    """Writes `metrics.json` and `plots/` under `folder`; dvc.yaml declares them. A stage names its
    `figures` (logged at each validation), its `item` (what a skipped sample is) and draws its
    `picture(model, val batch, count)` of predicted meshes on val crops (RGB)."""

    priority = "LOW"

    def __init__(self, folder: str | Path, baseline: dict[str, float], index_skips: Counter, vis_samples: int,
                 figures: tuple[str, ...], item: str, picture: Callable[[Any, Any, int], np.ndarray]) -> None:
        self.figures = figures
        self.item = item
        self.picture = picture
        self.folder = Path(folder)
        self.baseline = dict(baseline)
        self.skipped: Counter[str] = Counter(index_skips)
        self.vis_samples = vis_samples
        self.live: Live | None = None
        self.metrics: dict[str, float] = {}
        self._train: dict[str, list[float]] = defaultdict(list)

    def before_run(self, runner: Any) -> None:
        self.live = Live(dir=str(self.folder), save_dvc_exp=False, dvcyaml=None, report=None)

    def _count_skips(self, runner: Any, data_batch: Any) -> None:
        for reason in (data_batch or {}).get("skipped", []):
            self.skipped[reason.split(": ", 2)[1].split(":", 1)[0] if ": " in reason else "other"] += 1
            runner.logger.warning(f"skipped a bad {self.item}: {reason}")

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        self._count_skips(runner, data_batch)
        for name, value in (outputs or {}).items():
            self._train[name].append(float(value.detach()) if isinstance(value, torch.Tensor) else float(value))

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        if self.live is None or not metrics:
            return
        self.metrics = dict(metrics)
        for name, values in self._train.items():
            self.live.log_metric(f"train/{name}", float(np.mean(values)))
        self._train = defaultdict(list)
        for name in self.figures:
            for prefix, figures in (("val", self.metrics), ("baseline", self.baseline)):
                value = _finite(figures.get(name, float("nan")))
                if value is not None:
                    self.live.log_metric(f"{prefix}/{name}", value)
        self.live.log_metric("lr", float(runner.optim_wrapper.get_lr()["lr"][0]))
        self.live.next_step()

    def after_run(self, runner: Any) -> None:
        if self.live is None:
            return
        summary = nest({k: _finite(v) for k, v in self.metrics.items()})
        summary["baseline"] = nest({k: _finite(v) for k, v in self.baseline.items()})
        summary["skipped"] = {"total": int(sum(self.skipped.values())), **{k: int(v) for k, v in self.skipped.items()}}
        summary["iters"] = int(runner.iter)
        self.live.summary.update(summary)
        if self.vis_samples > 0:
            model = runner.model.module if hasattr(runner.model, "module") else runner.model
            batch = next(iter(runner.val_dataloader))
            self.live.log_image(PICTURE, self.picture(model, batch, self.vis_samples))
        self.live.end()
