"""The MMEngine config both mesh stages train with: iteration-based, AdamW with gradient clipping,
linear warm-up then cosine, validation every `val_interval` iterations, and one runner checkpoint
at the end (resumable). The encoder, the batch step, the loss weights and the loaders take the
keys every mesh stage has (training.mesh.params); a stage adds its model's own arguments, its
loaders' sampler and dataset, and its metric.

Dumped beside the checkpoint, the config rebuilds the same model (`MODELS.build(cfg.model)`) once
`custom_imports` has registered the project's modules.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from training.engine import data_sections, runner_defaults, warmup_cosine
from training.mesh.params import MeshParams


def load_size(params: MeshParams) -> int:
    """Decoded crop side: the network's input plus room for augmentation's zoom to resample from."""
    return params.image_size + params.image_size // 7


def mesh_model(params: MeshParams, model_type: str, preprocessor_type: str, extra_losses: dict[str, float],
               **specifics: Any) -> dict[str, Any]:
    """A mesh model's config: the ViT encoder, decoder depth, loss weights (the shared five and
    `extra_losses`) and the augmenting batch step, plus the model's own `specifics`."""
    return dict(
        type=model_type,
        encoder=dict(image_size=params.image_size, patch_size=params.patch_size, width=params.width,
                     depth=params.depth, heads=params.heads, mlp_ratio=params.mlp_ratio, pretrained=params.pretrained),
        decoder_layers=params.decoder_layers,
        loss_weights={"joints": params.loss_joints, "2d": params.loss_2d, "pose": params.loss_pose,
                      "shape": params.loss_shape, "camera": params.loss_camera, **extra_losses},
        data_preprocessor=dict(type=preprocessor_type, image_size=params.image_size, seed=params.seed,
                               augment=asdict(params.augment())),
        **specifics,
    )


def mesh_loader(params: MeshParams, sampler: dict[str, Any], collate: str, dataset: dict[str, Any]) -> dict[str, Any]:
    """One dataloader's config: `batch_size` items collated by the registered function `collate`."""
    return dict(batch_size=params.batch_size, num_workers=params.num_workers, persistent_workers=params.num_workers > 0,
                sampler=sampler, collate_fn=dict(type=collate), dataset=dataset)


def mesh_runner_config(params: MeshParams, imports: list[str], work_dir: Path, model: dict[str, Any],
                       loader: Callable[[str, bool], dict[str, Any]], evaluator: dict[str, Any]) -> dict[str, Any]:
    """The whole config: `model`, `loader(split, test_mode)` for each split, and `evaluator`."""
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
