"""Train RTMPose on the COCO shards with MMEngine's Runner; write what MMPose's registry can load.

Outputs in `out`: `config.py` (the MMPose config), `model.pth` (a slim `{'state_dict', 'meta'}`
checkpoint), `val_ground_truth.json` and `val_predictions.json` (the COCO files the reported AP
comes from: any COCO evaluator reproduces it) and the runner's logs in `runner/`. Metrics, curves
and a picture of predictions on val images go to `metrics_dir` through DVCLive.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

import mmstack
from training.engine import CHECKPOINT_NAME, CONFIG_NAME, save_slim_checkpoint, unwrap
from training.pose.config import build_config
from training.pose.dataset import shared_splits
from training.pose.evaluate import baseline_predictions, keypoint_ap, write_ground_truth
from training.pose.live import PoseLiveHook
from training.pose.params import ParamsError, PoseParams
from training.pose.preview import draw_poses, tile

GROUND_TRUTH_NAME = "val_ground_truth.json"
PREDICTIONS_NAME = "val_predictions.json"


@dataclass
class PoseResult:
    config: Path
    checkpoint: Path
    metrics: dict[str, Any]  # what metrics.json holds
    steps: int
    model: Any  # the trained TopdownPoseEstimator, in eval mode


def preview(model: Any, dataset: Any, count: int) -> np.ndarray | None:
    """The first `count` val images with the model's skeletons in their annotated boxes."""
    by_image: dict[int, list[dict]] = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        by_image.setdefault(info["img_id"], []).append(info)
    pictures = []
    for infos in list(by_image.values())[:count]:
        image = dataset._image(infos[0]["shard_index"], infos[0]["img_path"])
        if image is None:
            continue
        boxes = np.concatenate([i["bbox"] for i in infos])
        results = mmstack.pose_inference(model, [image], [boxes])
        keypoints = np.stack([r.pred_instances.keypoints[0] for r in results])
        scores = np.stack([r.pred_instances.keypoint_scores[0] for r in results])
        pictures.append(draw_poses(image, boxes, keypoints, scores))
    return tile(pictures) if pictures else None


def use_ema_weights(runner: Any, model: Any) -> None:
    """The averaged weights, which every validation scored, are the ones exported."""
    EMAHook = mmstack.import_module("mmengine.hooks").EMAHook
    for hook in runner.hooks:
        if isinstance(hook, EMAHook):
            model.load_state_dict(hook.ema_model.module.state_dict())


def channels_last(model: Any) -> None:
    """Convolution weights in channels-last layout, so oneDNN runs every convolution of the step
    (and its backward) without reordering: about 15% less CPU time per training step. Done before
    training builds the optimizer and the EMA copy; a model already wrapped for distributed training
    is left as it is (its gradient buckets follow the layout it was wrapped with)."""
    if not mmstack.import_module("mmengine.model").is_model_wrapper(model):
        model.to(memory_format=torch.channels_last)


def skipped(datasets: dict[str, Any]) -> dict[str, int]:
    return {f"skipped/{split}/{kind}": n for split, d in datasets.items() for kind, n in sorted(d.skipped.items())}


def train(params: PoseParams, out: Path, metrics_dir: Path, source: str = "params.yaml",
          launcher: str = "none") -> PoseResult | None:
    """Fit on `train_split`, score `val_split` with CocoMetric (GT boxes), export the last epoch.

    Under `torchrun ... --launcher pytorch` every process trains; the first one writes the outputs
    and returns the result, the others return None."""
    mmstack.register("mmpose")
    import training.pose.dataset  # noqa: F401  (registers ShardCocoDataset)

    Config = mmstack.import_module("mmengine.config").Config
    Runner = mmstack.import_module("mmengine.runner").Runner
    data = Path(params.data)
    out.mkdir(parents=True, exist_ok=True)
    work_dir = out / "runner"
    shutil.rmtree(work_dir, ignore_errors=True)
    with shared_splits():  # the ground truth, the two datasets and the baseline read each split once
        ground_truth = write_ground_truth(data / params.val_split, out / GROUND_TRUTH_NAME)
        cfg = Config({**build_config(params, work_dir, ground_truth), "launcher": launcher})
        cfg.dump(str(out / CONFIG_NAME))
        runner = Runner.from_cfg(cfg)
        channels_last(runner.model)
        datasets = {params.train_split: runner.train_dataloader.dataset, params.val_split: runner.val_dataloader.dataset}
        for split, dataset in datasets.items():
            if len(dataset) == 0:
                raise ParamsError(f"{source}: split {split!r} of {data} has no labelled persons")
        sigmas = np.asarray(datasets[params.val_split].metainfo["sigmas"])
        baseline = keypoint_ap(ground_truth, baseline_predictions(data / params.train_split, ground_truth), sigmas)
    live = PoseLiveHook(metrics_dir)
    runner.register_hook(live)
    model = unwrap(runner.train())
    if not mmstack.import_module("mmengine.dist").is_main_process():
        return None
    use_ema_weights(runner, model)
    model.to(memory_format=torch.contiguous_format)  # exported and used for inference in the usual layout
    model.eval()
    model.cfg = cfg
    meta = {"config": CONFIG_NAME, "epochs": params.epochs, "seed": params.seed, "arch": params.arch,
            "input_size": list(params.input_size), "dataset_meta": runner.train_dataloader.dataset.metainfo}
    checkpoint = save_slim_checkpoint(model, out / CHECKPOINT_NAME, {k: v for k, v in meta.items() if k != "dataset_meta"})
    shutil.copyfile(work_dir / "val.keypoints.json", out / PREDICTIONS_NAME)
    steps = runner.iter
    extra = {**{f"baseline/{k}": v for k, v in baseline.items()}, **skipped(datasets),
             "steps": steps, "val_persons": len(datasets[params.val_split])}
    picture = preview(model, datasets[params.val_split], params.preview_images)
    metrics = live.finish(extra, picture)
    return PoseResult(config=out / CONFIG_NAME, checkpoint=checkpoint, metrics=metrics, steps=steps, model=model)
