"""MMPose's own RTMPose config, re-pointed at the COCO shards, every knob from `PoseParams`.

The model block comes from the config the mmpose wheel ships for the chosen size (mmdet-scoped
pieces mapped by mmstack); the input size, SimCC codec, pipelines, data, schedule and evaluator are
set from params. The dumped config rebuilds the same model through MMPose's registry, and trains on
several GPUs with MMEngine's launcher (`torchrun --nproc_per_node N ... --launcher pytorch`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mmstack
from training.engine import data_sections, runner_defaults
from training.pose.params import ARCHS, PoseParams

DATASET_MODULE = "training.pose.dataset"
# The 256x192 recipe's SimCC sigmas; other input sizes scale them with the width and height.
BASE_INPUT, BASE_SIGMA = (192, 256), (4.9, 5.66)


def codec(params: PoseParams) -> dict[str, Any]:
    width, height = params.input_size
    sigma = (round(BASE_SIGMA[0] * width / BASE_INPUT[0], 3), round(BASE_SIGMA[1] * height / BASE_INPUT[1], 3))
    return dict(type="SimCCLabel", input_size=(width, height), sigma=sigma, simcc_split_ratio=2.0,
                normalize=False, use_dark=False)


def model(params: PoseParams) -> dict[str, Any]:
    """The shipped RTMPose model block with this input size, flip test and backbone weights."""
    shipped = mmstack.load_config(mmstack.config_dir("mmpose") / ARCHS[params.arch])
    net = shipped.model.to_dict()
    width, height = params.input_size
    net["head"].update(input_size=(width, height), in_featuremap_size=(width // 32, height // 32), decoder=codec(params))
    net["test_cfg"] = dict(flip_test=params.flip_test)
    net["backbone"].pop("init_cfg", None)  # the shipped one downloads ImageNet weights
    if params.pretrained:
        net["backbone"]["init_cfg"] = dict(type="Pretrained", prefix="backbone.", checkpoint=params.pretrained)
    return net


def train_pipeline(params: PoseParams) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [dict(type="LoadImage"), dict(type="GetBBoxCenterScale")]
    if params.flip:
        steps.append(dict(type="RandomFlip", direction="horizontal"))
    if params.half_body:
        steps.append(dict(type="RandomHalfBody"))
    steps.append(dict(type="RandomBBoxTransform", shift_factor=params.shift, scale_factor=list(params.scale_range),
                      rotate_factor=params.rotate))
    steps.append(dict(type="TopdownAffine", input_size=tuple(params.input_size)))
    if params.hsv:
        steps.append(dict(type="YOLOXHSVRandomAug"))
    steps += [dict(type="GenerateTarget", encoder=codec(params)), dict(type="PackPoseInputs")]
    return steps


def val_pipeline(params: PoseParams) -> list[dict[str, Any]]:
    return [dict(type="LoadImage"), dict(type="GetBBoxCenterScale"),
            dict(type="TopdownAffine", input_size=tuple(params.input_size)), dict(type="PackPoseInputs")]


def dataloader(params: PoseParams, split: str, test_mode: bool) -> dict[str, Any]:
    return dict(
        batch_size=params.val_batch_size if test_mode else params.batch_size,
        num_workers=params.num_workers,
        persistent_workers=params.num_workers > 0,
        drop_last=False,
        sampler=dict(type="DefaultSampler", shuffle=not test_mode, round_up=not test_mode),
        dataset=dict(type="ShardCocoDataset", shards=str(Path(params.data) / split), data_mode="topdown",
                     pipeline=val_pipeline(params) if test_mode else train_pipeline(params), test_mode=test_mode),
    )


def schedule(params: PoseParams) -> list[dict[str, Any]]:
    """RTMPose's: linear warm-up over iterations, cosine to 5% over the second half of the epochs."""
    steps: list[dict[str, Any]] = []
    if params.warmup_iters:
        steps.append(dict(type="LinearLR", start_factor=1.0e-5, by_epoch=False, begin=0, end=params.warmup_iters))
    half = params.epochs // 2
    if params.epochs - half > 0:
        steps.append(dict(type="CosineAnnealingLR", eta_min=params.lr * 0.05, begin=half, end=params.epochs,
                          T_max=params.epochs - half, by_epoch=True, convert_to_iter_based=True))
    return steps


def build_config(params: PoseParams, work_dir: Path, ground_truth: Path) -> dict[str, Any]:
    """The whole runner config: model, shard data, AdamW, schedule, CocoMetric on the val shards."""
    evaluator = dict(type="CocoMetric", ann_file=str(ground_truth), outfile_prefix=str(work_dir / "val"))
    return dict(
        default_scope="mmpose",
        custom_imports=dict(imports=[DATASET_MODULE], allow_failed_imports=False),
        work_dir=str(work_dir),
        model=model(params),
        codec=codec(params),
        **data_sections(lambda split, test: dataloader(params, split, test), params.train_split, params.val_split,
                        evaluator),
        train_cfg=dict(by_epoch=True, max_epochs=params.epochs, val_interval=params.val_interval),
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(
            type="OptimWrapper",
            optimizer=dict(type="AdamW", lr=params.lr, weight_decay=params.weight_decay),
            paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True),
        ),
        param_scheduler=schedule(params),
        custom_hooks=[dict(type="EMAHook", ema_type="ExponentialMovingAverage", momentum=params.ema_momentum,
                           update_buffers=True, priority=49)] if params.ema_momentum else [],
        **runner_defaults(params.seed),
    )
