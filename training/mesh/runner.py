"""The MMEngine runner config both mesh stages train with: iteration-based, AdamW with gradient
clipping, linear warm-up then cosine, validation every `val_interval` iterations, and one runner
checkpoint at the end (resumable); the stage gives its model, loaders and metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from training.engine import data_sections, runner_defaults, warmup_cosine


def mesh_runner_config(params: Any, imports: list[str], work_dir: Path, model: dict[str, Any],
                       loader: Callable[[str, bool], dict[str, Any]], evaluator: dict[str, Any]) -> dict[str, Any]:
    """The whole config; `params` has seed, iters, val_interval, lr, weight_decay, grad_clip,
    warmup_iters, min_lr, train_split and val_split."""
    return dict(
        custom_imports=dict(imports=imports, allow_failed_imports=False),
        work_dir=str(work_dir),
        model=model,
        **data_sections(loader, params.train_split, params.val_split, evaluator),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=params.iters, val_interval=params.val_interval),
        val_cfg=dict(type="ValLoop"),
        test_cfg=dict(type="TestLoop"),
        optim_wrapper=dict(optimizer=dict(type="AdamW", lr=params.lr, weight_decay=params.weight_decay),
                           clip_grad=dict(max_norm=params.grad_clip, norm_type=2)),
        param_scheduler=warmup_cosine(params.iters, params.warmup_iters, params.min_lr),
        **runner_defaults(params.seed, by_epoch=False, checkpoint=dict(
            type="CheckpointHook", by_epoch=False, interval=params.iters, max_keep_ckpts=1)),
    )
