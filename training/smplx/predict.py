"""The trained SMPL-X model on one person in an image: crop it as training does, run the model, and
bring the mesh, the COCO-17 keypoints and NeuralAnnot-style parameters back to the image.

The image's intrinsics are rarely known: `focal` defaults to the longer image side (a ~53 degree
field of view) and the principal point to the image centre; the 2D keypoints hardly depend on that
guess, the translation does. The network's camera differs from the image's only by a resampling of
pixels, so the camera-frame mesh it places is the image camera's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch

from schemas.shards import SMPLX_PARAMS
from schemas.skeletons import COCO_KEYPOINTS, COCO_SKELETON
from training.mesh.draw import draw_mesh, draw_skeleton
from training.mesh.rotations import matrix_to_axis_angle
from training.smplx.dataset import Crop, smplx_collate


@dataclass
class BodyPrediction:
    keypoints: np.ndarray  # [17, 2] image pixels, COCO-17 order
    vertices: np.ndarray  # [10475, 3] mm, camera frame (under the assumed intrinsics)
    faces: np.ndarray
    params: dict[str, list[float]]  # NeuralAnnot's smplx_param fields
    focal: float
    princpt: np.ndarray

    def to_json(self) -> dict[str, Any]:
        return {"keypoint_names": list(COCO_KEYPOINTS), "keypoints": np.round(self.keypoints, 2).tolist(),
                "smplx_param": self.params,
                "cam_param": {"focal": [self.focal, self.focal], "princpt": np.round(self.princpt, 2).tolist()}}


def network_to_load(uv: np.ndarray, image_size: int, load_size: int) -> np.ndarray:
    """Network pixels -> pixels of the loaded crop (the preprocessor's area-aligned resize, undone)."""
    k = image_size / load_size
    return (np.asarray(uv, np.float64) + 0.5) / k - 0.5


def parameters(model: Any, out: dict[str, Any]) -> dict[str, list[float]]:
    """NeuralAnnot's fields from the network's answer: axis-angle (hands relative to the mean hand),
    shape, expression, and `trans` (metres) that puts the body where the camera sees it."""
    rot = torch.as_tensor(out["rot"])[None]
    betas, expression = torch.as_tensor(out["betas"])[None], torch.as_tensor(out["expr"])[None]
    smplx = model.smplx
    with torch.no_grad():
        pelvis = smplx.joints(rot, betas, expression)[0, 0].double().numpy()
    pose = matrix_to_axis_angle(rot[0]).double().numpy()
    left = pose[22:37].reshape(-1) - smplx.layer.left_hand_mean.double().numpy()
    right = pose[37:52].reshape(-1) - smplx.layer.right_hand_mean.double().numpy()
    # the camera-frame mesh and the pelvis-relative one differ by the pelvis' camera-frame position
    pelvis_cam = (out["vertices_cam"][0] - out["pred_vertices"][0]).astype(np.float64) / 1000.0
    values = {"root_pose": pose[0], "body_pose": pose[1:22], "lhand_pose": left, "rhand_pose": right,
              "jaw_pose": pose[52], "shape": out["betas"], "expr": out["expr"], "trans": pelvis_cam - pelvis}
    return {name: [round(float(v), 5) for v in np.asarray(values[name]).reshape(-1)] for name in SMPLX_PARAMS}


def predict_body(model: Any, image_bgr: np.ndarray, box: np.ndarray, crop_scale: float,
                 focal: float | None = None) -> BodyPrediction:
    """The SMPL-X body of the person in `box` (x1 y1 x2 y2 px) of a BGR image."""
    height, width = image_bgr.shape[:2]
    focal = float(focal or max(height, width))
    princpt = np.array([(width - 1) / 2, (height - 1) / 2])
    size = model.data_preprocessor.image_size
    load = size + size // 7
    x1, y1, x2, y2 = (float(v) for v in box)
    crop = Crop.around([x1, y1, x2 - x1, y2 - y1], crop_scale, load)
    item: dict[str, Any] = {name: np.zeros(count, np.float32) for name, count in SMPLX_PARAMS.items()}
    item.update(keypoints=np.zeros((17, 2), np.float32), visible=np.zeros(17, np.float32),
                focal=np.full(2, focal * crop.scale, np.float32), princpt=crop.points(princpt).astype(np.float32),
                has_smplx=np.float32(0), images=cv2.cvtColor(crop.pixels(image_bgr), cv2.COLOR_BGR2RGB),
                crop_size=float(load), key="image", skipped=[])
    model.eval()
    with torch.no_grad():
        out = model.val_step(smplx_collate([item]))[0]
    keypoints = crop.back(network_to_load(out["pred_uv"], size, load))
    return BodyPrediction(keypoints=keypoints, vertices=out["vertices_cam"].astype(np.float64), faces=model.smplx.faces,
                          params=parameters(model, out),
                          focal=focal, princpt=princpt)


def draw_prediction(image_bgr: np.ndarray, prediction: BodyPrediction) -> np.ndarray:
    """The mesh (blue) and the COCO-17 keypoints (green) on the image, BGR."""
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    rgb = draw_mesh(rgb, prediction.vertices, prediction.faces, np.array([prediction.focal] * 2), prediction.princpt)
    rgb = draw_skeleton(rgb, prediction.keypoints, COCO_SKELETON, np.ones(17, bool))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
