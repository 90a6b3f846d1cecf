"""What every training stage does around MMEngine's Runner: unwrap the trained model, export it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import torch

import mmstack

# What every stage writes beside its runner logs: the config its registry rebuilds the model from,
# and a slim checkpoint.
CONFIG_NAME = "config.py"
CHECKPOINT_NAME = "model.pth"


def unwrap(model: Any) -> Any:
    """The model inside a distributed wrapper (or the model itself)."""
    is_wrapper = mmstack.import_module("mmengine.model").is_model_wrapper
    return model.module if is_wrapper(model) else model


def save_slim_checkpoint(model: Any, path: Path, meta: dict[str, Any]) -> Path:
    """`{'state_dict', 'meta'}`, written atomically: it loads under torch's weights-only default."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state_dict": state, "meta": meta}, tmp)
    tmp.replace(path)
    return path


def runner_defaults(seed: int, visualizer: str = "Visualizer", log_interval: int = 10, by_epoch: bool = True,
                    checkpoint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parts of an MMEngine runner config every stage shares: hooks (`checkpoint` None: no
    runner checkpoints, the stage exports its own model), environment, seeding, logging."""
    return dict(
        default_hooks=dict(
            runtime_info=dict(type="RuntimeInfoHook"),
            timer=dict(type="IterTimerHook"),
            logger=dict(type="LoggerHook", interval=log_interval, ignore_last=False),
            param_scheduler=dict(type="ParamSchedulerHook"),
            checkpoint=checkpoint,
            sampler_seed=dict(type="DistSamplerSeedHook"),
        ),
        env_cfg=dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
                     dist_cfg=dict(backend="nccl")),
        randomness=dict(seed=seed, deterministic=False),
        log_processor=dict(type="LogProcessor", window_size=log_interval, by_epoch=by_epoch),
        visualizer=dict(type=visualizer, vis_backends=[dict(type="LocalVisBackend")]),
        log_level="INFO",
        load_from=None,
        resume=False,
    )


def data_sections(loader: Callable[[str, bool], dict[str, Any]], train_split: str, val_split: str,
                  evaluator: Any) -> dict[str, Any]:
    """Train on `train_split`; validate and test on `val_split` with the same evaluator.

    `loader(split, test_mode)` builds one dataloader config."""
    return dict(
        train_dataloader=loader(train_split, False),
        val_dataloader=loader(val_split, True),
        test_dataloader=loader(val_split, True),
        val_evaluator=evaluator,
        test_evaluator=evaluator,
    )
