"""The trained hand-mesh model on one hand in an image: crop it as the shards do, run the model,
and bring the mesh and the 21 joints back to the image.

A left hand is mirrored into a right one (the model only knows right hands) and its answer
mirrored back. The image's intrinsics are rarely known: `focal` defaults to the longer image side
(a ~53 degree field of view) and the principal point to the image centre; the 2D joints hardly
depend on that guess, the camera-frame depth does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch

from schemas.shards import HAND_JOINTS
from training.hand.dataset import hand_collate
from training.hand.draw import draw_joints, draw_mesh
from training.mesh.boxes import parse_box

__all__ = ["Crop", "HandPrediction", "draw_prediction", "parse_box", "predict_hand"]

CROP_SCALE = 1.5  # as the shards' crops (datasets/*.yaml crop.scale)
CROP_SIZE = 256


@dataclass(frozen=True)
class Crop:
    """A square around the box, `CROP_SCALE` times its longer side, as the shard builder cuts it
    (pixel centres at integers: crop = (source - origin) * scale, for points and intrinsics alike)."""

    x0: float
    y0: float
    scale: float

    @classmethod
    def around(cls, box: np.ndarray) -> "Crop":
        x1, y1, x2, y2 = (float(v) for v in box)
        side = max(x2 - x1, y2 - y1, 8.0) * CROP_SCALE
        return cls((x1 + x2) / 2 - side / 2, (y1 + y2) / 2 - side / 2, CROP_SIZE / side)

    def pixels(self, image: np.ndarray) -> np.ndarray:
        matrix = np.array([[self.scale, 0.0, -self.scale * self.x0], [0.0, self.scale, -self.scale * self.y0]])
        return cv2.warpAffine(image, matrix, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def points(self, xy: np.ndarray) -> np.ndarray:
        return (np.asarray(xy, np.float64) - [self.x0, self.y0]) * self.scale

    def back(self, uv: np.ndarray) -> np.ndarray:
        return np.asarray(uv, np.float64) / self.scale + [self.x0, self.y0]


@dataclass
class HandPrediction:
    joints_2d: np.ndarray  # [21, 2] image pixels, the shards' joint order
    joints_3d: np.ndarray  # [21, 3] mm, camera frame (under the assumed intrinsics)
    vertices: np.ndarray  # [778, 3] mm, camera frame
    faces: np.ndarray
    focal: float
    princpt: np.ndarray
    handedness: str

    def to_json(self) -> dict[str, Any]:
        rel = self.joints_3d - self.joints_3d[:1]
        return {"handedness": self.handedness, "joint_names": list(HAND_JOINTS),
                "joints_2d": np.round(self.joints_2d, 2).tolist(), "joints_3d_mm": np.round(self.joints_3d, 2).tolist(),
                "joints_3d_root_relative_mm": np.round(rel, 2).tolist(), "focal": self.focal,
                "princpt": np.round(self.princpt, 2).tolist()}


def predict_hand(model: Any, image_bgr: np.ndarray, box: np.ndarray, left: bool = False,
                 focal: float | None = None, princpt: np.ndarray | None = None) -> HandPrediction:
    """The mesh and joints of the hand in `box` (x1 y1 x2 y2 px) of a BGR image."""
    height, width = image_bgr.shape[:2]
    focal = float(focal or max(height, width))
    princpt = np.array([(width - 1) / 2, (height - 1) / 2] if princpt is None else princpt, np.float64)
    image, box, cx = image_bgr, np.asarray(box, np.float64), princpt.copy()
    if left:  # mirror the scene: the box and the principal point move with the pixels
        image = np.ascontiguousarray(image_bgr[:, ::-1])
        box = np.array([width - 1 - box[2], box[1], width - 1 - box[0], box[3]])
        cx[0] = width - 1 - cx[0]
    crop = Crop.around(box)
    crop_focal, crop_princpt = np.array([focal, focal]) * crop.scale, crop.points(cx)
    load = model.data_preprocessor.image_size + model.data_preprocessor.image_size // 7
    pixels = cv2.resize(crop.pixels(image), (load, load), interpolation=cv2.INTER_AREA)
    item = {name: np.zeros(shape, np.float32) for name, shape in (
        ("joint_img", (1, 21, 2)), ("joint_cam", (1, 21, 3)), ("joint_valid", (1, 21)), ("mano_pose", (1, 48)),
        ("mano_shape", (1, 10)), ("has_mano", (1,)))}
    item.update(images=cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)[None], focal=crop_focal[None].astype(np.float32),
                princpt=crop_princpt[None].astype(np.float32), crop_size=float(CROP_SIZE), source=0,
                key="image", mirrored=left, skipped=[])
    item["joint_cam"][..., 2] = 1.0
    frames = getattr(model, "frames", 1)
    if frames > 1:  # a temporal model sees the one image as a still clip
        item = {k: (np.repeat(v, frames, 0) if isinstance(v, np.ndarray) else v) for k, v in item.items()}
    model.eval()
    with torch.no_grad():
        out = model.val_step(hand_collate([item]))[0]
    uv = crop.back(out["pred_uv"][0])
    vertices = out["vertices_cam"][0].astype(np.float64)
    joints = out["pred_joints"][0] + (vertices[:1] - out["pred_vertices"][0][:1])
    if left:
        uv[:, 0] = width - 1 - uv[:, 0]
        vertices[:, 0] *= -1
        joints[:, 0] *= -1
    return HandPrediction(joints_2d=uv, joints_3d=joints, vertices=vertices, faces=model.mano.faces, focal=focal,
                          princpt=princpt, handedness="left" if left else "right")


def draw_prediction(image_bgr: np.ndarray, prediction: HandPrediction) -> np.ndarray:
    """The mesh (blue) and the 21 joints (green) on the image, BGR."""
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    rgb = draw_mesh(rgb, prediction.vertices, prediction.faces, np.array([prediction.focal] * 2), prediction.princpt)
    rgb = draw_joints(rgb, prediction.joints_2d)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
