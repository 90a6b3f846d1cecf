"""Synthetic hands for the InterHand2.6M and DexYCB generators: joints from the stand-in MANO
model for given parameters, look-at cameras, and hands drawn at their projected joints.

Joints are in the common wrist-first order (schemas.shards.HAND_JOINTS); each generator writes them
in its source's own order.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from schemas.shards import HAND_JOINTS, HAND_SKELETON

# smplx MANO joints (wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3) + tips (thumb, index,
# middle, ring, pinky), by name
_MANO_NAMES = ["wrist"] + [f"{f}{i}" for f in ("index", "middle", "pinky", "ring", "thumb") for i in (1, 2, 3)] + [
    f"{f}4" for f in ("thumb", "index", "middle", "ring", "pinky")]
MANO_TO_COMMON = [_MANO_NAMES.index(name) for name in HAND_JOINTS]
_FINGER_COLORS = ((60, 60, 240), (60, 200, 240), (60, 220, 60), (240, 160, 40), (220, 60, 200))


def model_path(body_models: dict[str, Path], side: str) -> Path:
    """The stand-in MANO file of a side, as `synthetic.bodymodels.write_all` names it."""
    return Path(body_models[f"mano_{side}"])


class ManoHands:
    """Right and left MANO layers (full 45-value pose relative to the model's mean pose, as
    smplx's `flat_hand_mean=False` reads it, which is what InterHand2.6M's annotations use)."""

    def __init__(self, body_models: dict[str, Path]) -> None:
        import smplx
        import torch

        from synthetic.bodymodels import fix_left_shapedirs

        self._torch = torch
        self.layers = {}
        for side in ("right", "left"):
            layer = smplx.MANO(model_path=str(model_path(body_models, side)), is_rhand=side == "right",
                               use_pca=False, flat_hand_mean=False)
            self.layers[side] = fix_left_shapedirs(layer) if side == "left" else layer

    def joints(self, side: str, pose: np.ndarray, shape: np.ndarray, trans: np.ndarray) -> np.ndarray:
        """Joints in metres, common order, for axis-angle `pose` (3 global + 45), one hand [48] -> [21, 3]
        or a batch [B, 48] -> [B, 21, 3] (one batched call is much cheaper than many)."""
        from synthetic.bodymodels import mano_joints_with_tips

        torch = self._torch
        single = np.ndim(pose) == 1
        t = lambda a: torch.as_tensor(np.atleast_2d(np.asarray(a, dtype=np.float32)))  # noqa: E731
        with torch.no_grad():
            output = self.layers[side](global_orient=t(pose)[:, :3], hand_pose=t(pose)[:, 3:], betas=t(shape), transl=t(trans))
            joints = mano_joints_with_tips(output.vertices, output.joints).numpy().astype(np.float64)[:, MANO_TO_COMMON]
        return joints[0] if single else joints


def look_at(position: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, -1.0, 0.0])) -> np.ndarray:
    """World-to-camera rotation (rows: camera x, y, z) of a camera at `position` looking at `target`."""
    z = np.asarray(target, float) - np.asarray(position, float)
    z /= np.linalg.norm(z)
    x = np.cross(up, z)
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z])


def draw_hand(image: np.ndarray, joints_2d: np.ndarray, valid: np.ndarray | None = None, shade: float = 1.0) -> None:
    """Bones as thick lines coloured per finger, joints as dots, at exactly the given pixels."""
    valid = np.ones(len(joints_2d), bool) if valid is None else np.asarray(valid, bool)
    points = np.round(joints_2d).astype(np.int32)
    for a, b in HAND_SKELETON:
        if valid[a] and valid[b]:
            color = tuple(int(c * shade) for c in _FINGER_COLORS[(b - 1) // 4])
            cv2.line(image, tuple(points[a]), tuple(points[b]), color, 5, cv2.LINE_AA)
    for index, point in enumerate(points):
        if valid[index]:
            cv2.circle(image, tuple(point), 4, (30, 30, 30), -1, cv2.LINE_AA)


def project(points_cam: np.ndarray, focal: np.ndarray, princpt: np.ndarray) -> np.ndarray:
    return points_cam[:, :2] / points_cam[:, 2:3] * focal + princpt
