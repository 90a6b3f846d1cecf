"""The SMPL-X stage's MMEngine config (training.mesh.runner), every knob taken from `SmplxParams`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.mesh.runner import load_size, mesh_loader, mesh_model, mesh_runner_config
from training.smplx.params import SmplxParams

__all__ = ["IMPORTS", "build_config", "dataloader", "load_size", "model"]

IMPORTS = ["training.smplx.dataset", "training.smplx.model", "training.smplx.metric"]


def model(params: SmplxParams) -> dict[str, Any]:
    """SMPL-X adds the expression loss and the shape prior to the shared losses."""
    return mesh_model(params, "SmplxModel", "SmplxDataPreprocessor",
                      {"expr": params.loss_expr, "prior": params.loss_prior},
                      model_file=str(params.model_path()), sincos=params.sincos_positions)


def dataloader(params: SmplxParams, split: str, test_mode: bool) -> dict[str, Any]:
    """Training is one endless pass: MMEngine pauses 2 s each time a finite loader restarts."""
    sampler = dict(type="DefaultSampler", shuffle=False) if test_mode else dict(type="InfiniteSampler", shuffle=True)
    return mesh_loader(params, sampler, "smplx_collate",
                       dict(type="SmplxPersonDataset", shards=params.shards, split=split, load_size=load_size(params),
                            crop_scale=params.crop_scale, min_keypoints=params.min_keypoints, test_mode=test_mode))


def build_config(params: SmplxParams, work_dir: Path) -> dict[str, Any]:
    """The whole runner config with this stage's model, loaders and metric."""
    evaluator = dict(type="SmplxMetric", pck_threshold=params.pck_threshold, crop_size=params.image_size)
    return mesh_runner_config(params, IMPORTS, work_dir, model(params), lambda split, test: dataloader(params, split, test),
                              evaluator)
