"""Mesh stages small enough to train in seconds on the synthetic sample: the project's params block
with a tiny ViT and a few iterations, and a module-scoped fixture that trains it once."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(image_size=56, width=32, depth=1, heads=2, iters=6, val_interval=3, warmup_iters=1, batch_size=8,
            vis_samples=2)


def tiny_stage_params(params_type: Any, block: str, data: dict[str, Any], changes: dict[str, Any]) -> Any:
    """params.yaml's `block` on the test's `data` (shards, body models), tiny, then `changes`."""
    values = yaml.safe_load((ROOT / "params.yaml").read_text())[block]
    values.update(data, **TINY)
    values.update(changes)
    return params_type.from_dict(values, "test")


def trained_fixture(stage: str, params: Callable[[Path], Any]) -> Any:
    """A module-scoped fixture: `params(sample)` trained by `training.<stage>.train` into a temporary
    folder (model/ and metrics/); it gives (params, the TrainResult, the folder)."""

    @pytest.fixture(scope="module")
    def trained(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
        train = importlib.import_module(f"training.{stage}.train").train
        out = tmp_path_factory.mktemp("model")
        chosen = params(sample)
        return chosen, train(chosen, out / "model", out / "metrics"), out

    return trained
