"""The SMPL-X stage as an MMEngine config, every knob taken from `SmplxParams`.

Dumped beside the checkpoint, it rebuilds the same model (`MODELS.build(cfg.model)`) once
`custom_imports` has registered the project's modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.mesh.runner import mesh_runner_config
from training.smplx.params import SmplxParams

IMPORTS = ["training.smplx.dataset", "training.smplx.model", "training.smplx.metric"]


def load_size(params: SmplxParams) -> int:
    """Decoded crop side: the network's input plus room for augmentation's zoom to resample from."""
    return params.image_size + params.image_size // 7


def model(params: SmplxParams) -> dict[str, Any]:
    augment = params.augment()
    return dict(
        type="SmplxModel",
        encoder=dict(image_size=params.image_size, patch_size=params.patch_size, width=params.width,
                     depth=params.depth, heads=params.heads, mlp_ratio=params.mlp_ratio, pretrained=params.pretrained),
        model_file=str(params.model_path()),
        decoder_layers=params.decoder_layers,
        sincos=params.sincos_positions,
        loss_weights={"2d": params.loss_2d, "joints": params.loss_joints, "pose": params.loss_pose,
                      "shape": params.loss_shape, "expr": params.loss_expr, "camera": params.loss_camera,
                      "prior": params.loss_prior},
        data_preprocessor=dict(type="SmplxDataPreprocessor", image_size=params.image_size, seed=params.seed,
                               augment=vars(augment)),
    )


def dataloader(params: SmplxParams, split: str, test_mode: bool) -> dict[str, Any]:
    # one endless pass in training: MMEngine pauses 2 s each time a finite loader restarts
    sampler = dict(type="DefaultSampler", shuffle=False) if test_mode else dict(type="InfiniteSampler", shuffle=True)
    return dict(batch_size=params.batch_size, num_workers=params.num_workers, persistent_workers=params.num_workers > 0,
                sampler=sampler, collate_fn=dict(type="smplx_collate"),
                dataset=dict(type="SmplxPersonDataset", shards=params.shards, split=split, load_size=load_size(params),
                             crop_scale=params.crop_scale, min_keypoints=params.min_keypoints, test_mode=test_mode))


def build_config(params: SmplxParams, work_dir: Path) -> dict[str, Any]:
    """The whole runner config (training.mesh.runner) with this stage's model, loaders and metric."""
    evaluator = dict(type="SmplxMetric", pck_threshold=params.pck_threshold, crop_size=params.image_size)
    return mesh_runner_config(params, IMPORTS, work_dir, model(params), lambda split, test: dataloader(params, split, test),
                              evaluator)
