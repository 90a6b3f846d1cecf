"""The `onnx` backend: an RTMO end-to-end ONNX model (as rtmlib and MMDeploy export it) on onnxruntime.

Input: BGR frames letterboxed into the model's input (top-left, padded with 114, no
normalisation), NCHW float32. Outputs: `dets` [B, N, 5] (x1 y1 x2 y2 score) and `keypoints`
[B, N, 17, 3] (x y score), in input pixels. Boxes scoring under `pose.score_threshold` are dropped
and overlapping ones suppressed (IoU above NMS_IOU), as rtmlib does after the model.
"""

from __future__ import annotations

import threading
from typing import Any

import cv2
import numpy as np

from tasks.video.boxes import nms
from tasks.video.decode import FrameBatch
from tasks.video.pose import Persons, PoseBackend, require_file, resolve_device

NMS_IOU = 0.45
PAD_VALUE = 114
DEFAULT_SIZE = 640


def letterbox(image: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float]:
    """`image` shrunk (or grown) to fit, placed top-left on a grey canvas; returns it and the ratio."""
    ratio = min(width / image.shape[1], height / image.shape[0])
    size = (max(1, int(image.shape[1] * ratio)), max(1, int(image.shape[0] * ratio)))
    canvas = np.full((height, width, 3), PAD_VALUE, np.uint8)
    canvas[: size[1], : size[0]] = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    return canvas, ratio


class RTMOOnnxBackend(PoseBackend):
    name = "onnx"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        import onnxruntime as ort

        model = require_file(options, "model", self.name)
        cuda = resolve_device(options.get("device") or "auto").startswith("cuda")
        providers = ["CPUExecutionProvider"]
        if cuda and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(model), providers=providers)
        shape = self.session.get_inputs()[0].shape
        self.input_name = self.session.get_inputs()[0].name
        self.width = shape[3] if isinstance(shape[3], int) else DEFAULT_SIZE
        self.height = shape[2] if isinstance(shape[2], int) else DEFAULT_SIZE
        self.chunk = shape[0] if isinstance(shape[0], int) else int(options.get("batch_size") or 1)
        names = [o.name for o in self.session.get_outputs()]
        ranks = [len(o.shape) for o in self.session.get_outputs()]
        self.outputs = ["dets", "keypoints"] if {"dets", "keypoints"} <= set(names) else [names[ranks.index(3)], names[ranks.index(4)]]
        self._lock = threading.Lock()

    def _postprocess(self, dets: np.ndarray, keypoints: np.ndarray, ratio: float) -> Persons:
        scores = dets[:, 4]
        keep = np.flatnonzero(scores >= float(self.options.get("score_threshold") or 0.0))
        keep = keep[nms(dets[keep, :4], scores[keep], NMS_IOU)] if len(keep) else keep
        return Persons(
            dets[keep, :4] / ratio, scores[keep],
            keypoints[keep, :, :2] / ratio, keypoints[keep, :, 2],
        )

    def estimate(self, batch: FrameBatch) -> list[Persons]:
        out: list[Persons] = []
        for start in range(0, len(batch), self.chunk):
            images = batch.images[start:start + self.chunk]
            boxed = [letterbox(np.ascontiguousarray(im[..., ::-1]), self.width, self.height) for im in images]
            tensor = np.stack([b for b, _ in boxed]).transpose(0, 3, 1, 2).astype(np.float32)
            with self._lock:
                dets, keypoints = self.session.run(self.outputs, {self.input_name: tensor})
            for i, (_, ratio) in enumerate(boxed):
                out.append(self._postprocess(dets[i], keypoints[i], ratio).scaled(*batch.scale))
        return out
