"""The hand-mesh stage as an MMEngine config, every knob taken from `HandParams`.

Dumped beside the checkpoint, it rebuilds the same model (`MODELS.build(cfg.model)`) once
`custom_imports` has registered the project's modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.mesh.runner import mesh_runner_config
from training.hand.params import HandParams

IMPORTS = ["training.hand.dataset", "training.hand.model", "training.hand.metric"]


def load_size(params: HandParams) -> int:
    """Decoded frame side: the network's input plus room for augmentation's zoom to resample from."""
    return params.image_size + params.image_size // 7


def model(params: HandParams) -> dict[str, Any]:
    augment = params.augment()
    return dict(
        type="HandMeshModel",
        encoder=dict(image_size=params.image_size, patch_size=params.patch_size, width=params.width,
                     depth=params.depth, heads=params.heads, mlp_ratio=params.mlp_ratio, pretrained=params.pretrained),
        mano_file=str(params.mano_paths()["right"]),
        frames=params.frames,
        decoder_layers=params.decoder_layers,
        temporal_layers=params.temporal_layers,
        loss_weights={"joints": params.loss_joints, "2d": params.loss_2d, "pose": params.loss_pose, "shape": params.loss_shape,
                      "camera": params.loss_camera},
        data_preprocessor=dict(type="HandDataPreprocessor", image_size=params.image_size, seed=params.seed,
                               augment=dict(rotation_deg=augment.rotation_deg, scale=augment.scale,
                                            shift=augment.shift, color=augment.color)),
    )


def dataset(params: HandParams, split: str, test_mode: bool) -> dict[str, Any]:
    return dict(type="HandClipDataset", shards=dict(params.shards), split=split, frames=params.frames,
                load_size=load_size(params), test_mode=test_mode)


def dataloader(params: HandParams, split: str, test_mode: bool) -> dict[str, Any]:
    sampler = (dict(type="DefaultSampler", shuffle=False) if test_mode
               else dict(type="SourceWeightedSampler", weights=dict(params.weights), seed=params.seed,
                        num_samples=params.iters * params.batch_size))  # one pass: MMEngine pauses 2 s per restart
    return dict(batch_size=params.batch_size, num_workers=params.num_workers, persistent_workers=params.num_workers > 0,
                sampler=sampler, collate_fn=dict(type="hand_collate"), dataset=dataset(params, split, test_mode))


def build_config(params: HandParams, work_dir: Path) -> dict[str, Any]:
    """The whole runner config (training.mesh.runner) with this stage's model, loaders and metric."""
    evaluator = dict(type="HandMeshMetric", sources=list(params.shards), pck_threshold=params.pck_threshold,
                     auc_max=params.auc_max)
    return mesh_runner_config(params, IMPORTS, work_dir, model(params), lambda split, test: dataloader(params, split, test),
                              evaluator)
