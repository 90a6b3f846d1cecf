"""Precise BatchNorm statistics: recompute them with the epoch's final weights before validating.

BatchNorm's running statistics are a moving average over the last few batches, taken while the
weights still moved. With few iterations an epoch (a small dataset) and batches whose make-up
varies (skeleton samples padded with absent persons), they drift from what the final weights
produce, and eval-mode scores shift even where train-mode scores separate the classes perfectly.
Recomputing them as a plain average over a number of training batches (PreciseBN, as in pycls and
PySlowFast) removes that drift; the weights are not touched.
"""

from __future__ import annotations

from typing import Any

import mmstack
import torch
from torch.nn.modules.batchnorm import _BatchNorm

Hook = mmstack.import_module("mmengine.hooks").Hook


def recompute_bn_stats(model: torch.nn.Module, batches: Any, num_batches: int) -> int:
    """Reset every BatchNorm's running stats and average them over up to `num_batches` batches;
    returns how many batches were used. The model's train/eval mode is restored."""
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    if not norms or num_batches < 1:
        return 0
    momenta = [m.momentum for m in norms]
    was_training = model.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches seen
    model.train()
    used = 0
    try:
        with torch.no_grad():
            for batch in batches:
                if used >= num_batches:
                    break
                data = model.data_preprocessor(batch, True)
                model(**data, mode="tensor")
                used += 1
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        model.train(was_training)
    return used


class PreciseBNHook(Hook):
    """After each training epoch (so before its validation and the saved weights)."""

    priority = "ABOVE_NORMAL"

    def __init__(self, num_batches: int) -> None:
        self.num_batches = num_batches

    def after_train_epoch(self, runner: Any) -> None:
        is_wrapper = mmstack.import_module("mmengine.model").is_model_wrapper
        model = runner.model.module if is_wrapper(runner.model) else runner.model
        used = recompute_bn_stats(model, runner.train_dataloader, self.num_batches)
        runner.logger.info(f"precise BN: running statistics recomputed over {used} training batches")
