"""The `rtmo` backend: MMPose's RTMO (one-stage, multi-person) built from a config through the
registry, batched, on the GPU when there is one.

`pose.config` defaults to the RTMO-s config the mmpose wheel ships; `pose.checkpoint` is the
trained weights. Without a checkpoint the model keeps its initial random weights (seeded, the
backbone's pretrained download removed): that runs end to end and gives contract-valid tables,
useful for tests and timing only, since the poses mean nothing.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

import mmstack
from tasks.video.decode import FrameBatch
from tasks.video.pose import Persons, PoseBackend, require_file, resolve_device

DEFAULT_CONFIG = "body_2d_keypoint/rtmo/coco/rtmo-s_8xb32-600e_coco-640x640.py"
RANDOM_SEED = 0
# candidates kept (best first) before NMS; the config may set its own
NMS_PRE = 500


def _test_pipeline(cfg: Any) -> list[dict]:
    """The config's test pipeline without its image loading (frames arrive decoded)."""
    pipeline = cfg.get("test_dataloader", {}).get("dataset", {}).get("pipeline") or cfg.get("val_pipeline")
    if not pipeline:
        raise ValueError("the RTMO config has no test_dataloader.dataset.pipeline nor val_pipeline")
    return [dict(step) for step in pipeline if step.get("type") != "LoadImage"]


class RTMOBackend(PoseBackend):
    name = "rtmo"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        import torch

        config = require_file(options, "config", self.name) if options.get("config") else mmstack.config_dir("mmpose") / DEFAULT_CONFIG
        checkpoint = require_file(options, "checkpoint", self.name) if options.get("checkpoint") else None
        cfg = mmstack.load_config(config)
        cfg.model.test_cfg["score_thr"] = float(options.get("score_threshold") or 0.0)
        cfg.model.test_cfg.setdefault("nms_pre", NMS_PRE)
        if checkpoint is None:
            cfg.model.backbone.pop("init_cfg", None)
        torch.manual_seed(RANDOM_SEED)
        self.model = mmstack.build_pose_model(cfg, checkpoint, device=resolve_device(options.get("device") or "auto"))
        if checkpoint is None:
            self.model.init_weights()
        self.model.eval()
        compose = mmstack.import_module("mmengine.dataset").Compose
        transforms = mmstack.import_module("mmpose.registry").TRANSFORMS
        self.pipeline = compose([transforms.build(step) for step in _test_pipeline(cfg)])
        self.collate = mmstack.import_module("mmengine.dataset").pseudo_collate
        self._lock = threading.Lock()

    def settings(self) -> dict[str, Any]:
        settings = super().settings()
        settings["config"] = settings.get("config") or DEFAULT_CONFIG
        return settings

    def estimate(self, batch: FrameBatch) -> list[Persons]:
        import torch

        size = int(self.options.get("batch_size") or 8)
        out: list[Persons] = []
        for start in range(0, len(batch), size):
            data = []
            for image in batch.images[start:start + size]:
                bgr = np.ascontiguousarray(image[..., ::-1])
                data.append(self.pipeline({"img": bgr, "img_shape": bgr.shape[:2], "ori_shape": bgr.shape[:2]}))
            with self._lock, torch.no_grad():
                results = self.model.test_step(self.collate(data))
            for result in results:
                pred = result.pred_instances
                persons = Persons(
                    np.asarray(pred.bboxes, np.float32).reshape(-1, 4),
                    np.asarray(pred.bbox_scores, np.float32).reshape(-1),
                    np.asarray(pred.keypoints, np.float32).reshape(-1, 17, 2),
                    np.asarray(pred.keypoint_scores, np.float32).reshape(-1, 17),
                )
                out.append(persons.scaled(*batch.scale))
        return out
