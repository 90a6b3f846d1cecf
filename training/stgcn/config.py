"""The seed projects' STGCN++ setup as an MMEngine config, every knob taken from `StgcnParams`.

The result is a plain MMAction2 config: dumped beside the checkpoint, it rebuilds the same recognizer
with MMAction2's own tools (`init_recognizer(config, checkpoint)`), and its datasets name
`SkeletonTableDataset`, which `custom_imports` registers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.engine import data_sections, runner_defaults
from training.stgcn.params import StgcnParams

DATASET_MODULE = "training.stgcn.dataset"


def pipeline(params: StgcnParams, test_mode: bool) -> list[dict[str, Any]]:
    """PreNormalize2D -> GenSkeFeat -> UniformSampleFrames -> PoseDecode -> FormatGCNInput -> Pack."""
    sample = dict(type="UniformSampleFrames", clip_len=params.clip_len)
    if test_mode:
        sample.update(num_clips=1, test_mode=True)
    return [
        dict(type="PreNormalize2D"),
        dict(type="GenSkeFeat", dataset="coco", feats=list(params.feats)),
        sample,
        dict(type="PoseDecode"),
        dict(type="FormatGCNInput", num_person=params.num_person),
        dict(type="PackActionInputs"),
    ]


def out_channels(params: StgcnParams) -> int:
    """The backbone's width after its inflated stages (what the head takes in)."""
    inflations = sum(1 for s in params.inflate_stages if 2 <= s <= params.num_stages)
    return params.base_channels * 2**inflations


def model(params: StgcnParams, class_weights: list[float]) -> dict[str, Any]:
    return dict(
        type="RecognizerGCN",
        backbone=dict(
            type="STGCN",
            in_channels=3 * len(params.feats),
            base_channels=params.base_channels,
            num_stages=params.num_stages,
            inflate_stages=list(params.inflate_stages),
            down_stages=list(params.down_stages),
            gcn_adaptive=params.gcn_adaptive,
            gcn_with_res=params.gcn_with_res,
            tcn_type=params.tcn_type,
            graph_cfg=dict(layout=params.graph_layout, mode=params.graph_mode),
        ),
        cls_head=dict(
            type="GCNHead",
            num_classes=len(class_weights),
            in_channels=out_channels(params),
            dropout=params.dropout,
            topk=(1,),
            loss_cls=dict(type="CrossEntropyLoss", class_weight=list(class_weights)),
        ),
    )


def schedule(params: StgcnParams) -> list[dict[str, Any]]:
    """Linear warm-up for `warmup_epochs`, then cosine to `min_lr` or steps at `milestones`."""
    steps: list[dict[str, Any]] = []
    if params.warmup_epochs:
        steps.append(dict(type="LinearLR", start_factor=params.warmup_factor, by_epoch=True,
                          begin=0, end=params.warmup_epochs, convert_to_iter_based=True))
    if params.schedule == "cosine":
        steps.append(dict(type="CosineAnnealingLR", eta_min=params.min_lr, by_epoch=True,
                          T_max=params.epochs - params.warmup_epochs, begin=params.warmup_epochs,
                          end=params.epochs, convert_to_iter_based=True))
    else:
        steps.append(dict(type="MultiStepLR", milestones=list(params.milestones), gamma=params.gamma,
                          by_epoch=True, begin=0, end=params.epochs))
    return steps


def dataloader(params: StgcnParams, folder: Path, split: str, test_mode: bool) -> dict[str, Any]:
    return dict(
        batch_size=params.batch_size,
        num_workers=params.num_workers,
        persistent_workers=params.num_workers > 0,
        sampler=dict(type="DefaultSampler", shuffle=not test_mode),
        dataset=dict(type="SkeletonTableDataset", folder=str(folder), split=split,
                     pipeline=pipeline(params, test_mode), num_persons=params.num_person, test_mode=test_mode),
    )


def build_config(params: StgcnParams, class_weights: list[float], work_dir: Path) -> dict[str, Any]:
    """The whole runner config: model, data, AdamW with clipping, schedule, AccMetric, hooks."""
    folder = Path(params.data)
    evaluator = [dict(type="AccMetric", metric_options=dict(top_k_accuracy=dict(topk=(1,))))]
    return dict(
        default_scope="mmaction",
        custom_imports=dict(imports=[DATASET_MODULE], allow_failed_imports=False),
        work_dir=str(work_dir),
        model=model(params, class_weights),
        **data_sections(lambda split, test: dataloader(params, folder, split, test), params.train_split,
                        params.val_split, evaluator),
        train_cfg=dict(type="EpochBasedTrainLoop", max_epochs=params.epochs, val_begin=1, val_interval=1),
        val_cfg=dict(type="ValLoop"),
        test_cfg=dict(type="TestLoop"),
        optim_wrapper=dict(
            optimizer=dict(type="AdamW", lr=params.lr, weight_decay=params.weight_decay),
            clip_grad=dict(max_norm=params.grad_clip, norm_type=2),
        ),
        param_scheduler=schedule(params),
        **runner_defaults(params.seed, "ActionVisualizer"),
    )
