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


def warmup_cosine(iters: int, warmup_iters: int, min_lr: float) -> list[dict[str, Any]]:
    """Iteration-based schedule: linear warm-up for `warmup_iters`, then cosine down to `min_lr`."""
    steps: list[dict[str, Any]] = []
    if warmup_iters:
        steps.append(dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=warmup_iters))
    steps.append(dict(type="CosineAnnealingLR", eta_min=min_lr, by_epoch=False, T_max=iters - warmup_iters,
                      begin=warmup_iters, end=iters))
    return steps


def start_runner(config: dict[str, Any], out: Path, config_name: str) -> Any:
    """An MMEngine Runner for `config` (its `work_dir` emptied first), the config dumped as
    `out/config_name` so the trained model can be rebuilt from it."""
    import shutil

    Config = mmstack.import_module("mmengine.config").Config
    Runner = mmstack.import_module("mmengine.runner").Runner
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(config["work_dir"], ignore_errors=True)
    cfg = Config(config)
    cfg.dump(str(out / config_name))
    return Runner.from_cfg(cfg)
