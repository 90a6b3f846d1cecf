"""The hand-mesh stage's MMEngine config (training.mesh.runner), every knob taken from `HandParams`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.hand.params import HandParams
from training.mesh.runner import load_size, mesh_loader, mesh_model, mesh_runner_config

__all__ = ["IMPORTS", "build_config", "dataloader", "dataset", "load_size", "model"]

IMPORTS = ["training.hand.dataset", "training.hand.model", "training.hand.metric"]


def model(params: HandParams) -> dict[str, Any]:
    """One right MANO layer decodes every hand; T > 1 frames attend to each other."""
    return mesh_model(params, "HandMeshModel", "HandDataPreprocessor", {}, mano_file=str(params.mano_paths()["right"]),
                      frames=params.frames, temporal_layers=params.temporal_layers)


def dataset(params: HandParams, split: str, test_mode: bool) -> dict[str, Any]:
    return dict(type="HandClipDataset", shards=dict(params.shards), split=split, frames=params.frames,
                load_size=load_size(params), test_mode=test_mode)


def dataloader(params: HandParams, split: str, test_mode: bool) -> dict[str, Any]:
    """Training draws clips by source weight, in one pass: MMEngine pauses 2 s each time a loader restarts."""
    sampler = (dict(type="DefaultSampler", shuffle=False) if test_mode
               else dict(type="SourceWeightedSampler", weights=dict(params.weights), seed=params.seed,
                         num_samples=params.iters * params.batch_size))
    return mesh_loader(params, sampler, "hand_collate", dataset(params, split, test_mode))


def build_config(params: HandParams, work_dir: Path) -> dict[str, Any]:
    """The whole runner config with this stage's model, loaders and metric."""
    evaluator = dict(type="HandMeshMetric", sources=list(params.shards), pck_threshold=params.pck_threshold,
                     auc_max=params.auc_max)
    return mesh_runner_config(params, IMPORTS, work_dir, model(params), lambda split, test: dataloader(params, split, test),
                              evaluator)
