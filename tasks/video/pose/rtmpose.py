"""The `rtmpose` backend: a top-down RTMPose (the `train_pose` stage's model, or any MMPose top-down
config and checkpoint) run on person boxes that another backend finds.

`pose.checkpoint` is the trained `model.pth` (or its folder); `pose.config` defaults to the
`config.py` beside it. `pose.boxes` names the box source: `annotations` (the sample's pose files),
`rtmo`, `onnx` or `mediapipe` on real video, with that backend's files in `pose.box_config`,
`pose.box_checkpoint` or `pose.box_model`. Each batch of frames becomes one batch of crops.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

import mmstack
from tasks.video.decode import FrameBatch
from tasks.video.pose import Persons, PoseBackend, make_backend, require_file, resolve_device

BOX_FILES = {"box_config": "config", "box_checkpoint": "checkpoint", "box_model": "model"}
CHECKPOINT_NAME, CONFIG_NAME = "model.pth", "config.py"


def model_files(options: dict[str, Any]) -> tuple[Path, Path]:
    """(config, checkpoint) from `pose.checkpoint` (a file or a trained model folder) and `pose.config`."""
    value = options.get("checkpoint")
    if not value:
        raise ValueError("pose backend 'rtmpose' needs pose.checkpoint (a trained model.pth or its folder)")
    checkpoint = Path(value) / CHECKPOINT_NAME if Path(value).is_dir() else Path(value)
    if not checkpoint.is_file():
        raise FileNotFoundError(f"pose.checkpoint: {checkpoint} does not exist (run the train_pose stage first)")
    config = require_file(options, "config", "rtmpose") if options.get("config") else checkpoint.parent / CONFIG_NAME
    if not config.is_file():
        raise FileNotFoundError(f"pose.config: {config} does not exist (expected beside the checkpoint)")
    return config, checkpoint


def box_options(options: dict[str, Any]) -> dict[str, Any]:
    """The box source's own options: the `box_*` files under their usual names."""
    source = options.get("boxes") or "annotations"
    if source == "rtmpose":
        raise ValueError("pose.boxes cannot be 'rtmpose' itself: name a backend that finds persons")
    inner = {k: v for k, v in options.items() if k not in BOX_FILES and k not in ("config", "checkpoint", "model")}
    inner.update({plain: options.get(key) for key, plain in BOX_FILES.items()})
    inner["backend"] = source
    return inner


class RTMPoseBackend(PoseBackend):
    name = "rtmpose"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        config, checkpoint = model_files(options)
        self.files = {"config": config, "checkpoint": checkpoint}
        self.boxes = make_backend(box_options(options))
        self.model = mmstack.build_pose_model(mmstack.load_config(config), checkpoint,
                                              device=resolve_device(options.get("device") or "auto"))
        self._lock = threading.Lock()

    def settings(self) -> dict[str, Any]:
        settings = super().settings()
        for key, path in self.files.items():
            settings[key] = super().settings_of_file(path)
        settings["boxes"] = {"backend": self.boxes.name, **self.boxes.settings()}
        for key in BOX_FILES:
            settings.pop(key, None)
        return settings

    def inputs(self, video: Path) -> list[Path]:
        return self.boxes.inputs(video)

    def estimate(self, batch: FrameBatch) -> list[Persons]:
        sx, sy = batch.scale
        found = self.boxes.estimate(batch)  # original pixels
        size = int(self.options.get("batch_size") or 8)
        out: list[Persons] = []
        for start in range(0, len(batch), size):
            frames = list(range(start, min(start + size, len(batch))))
            images = [np.ascontiguousarray(batch.images[i][..., ::-1]) for i in frames]  # RGB -> BGR
            boxes = [found[i].boxes / np.array([sx, sy, sx, sy], np.float32) for i in frames]
            with self._lock:
                results = mmstack.pose_inference(self.model, images, boxes)
            offset = 0
            for i, frame_boxes in zip(frames, boxes):
                mine = results[offset:offset + len(frame_boxes)]
                offset += len(frame_boxes)
                if not mine:
                    out.append(Persons.empty())
                    continue
                persons = Persons(
                    frame_boxes.astype(np.float32),
                    found[i].scores.astype(np.float32),
                    np.stack([np.asarray(r.pred_instances.keypoints, np.float32)[0] for r in mine]),
                    np.stack([np.asarray(r.pred_instances.keypoint_scores, np.float32)[0] for r in mine]),
                )
                out.append(persons.scaled(sx, sy))
        return out
