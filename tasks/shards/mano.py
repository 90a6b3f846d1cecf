"""MANO pose conventions of the hand-clip contract.

`mano_pose` [48] is 3 global axis-angle values (camera frame) and 45 finger axis-angle values
relative to the model's mean pose: `smplx.MANO(use_pca=False, flat_hand_mean=False)` rebuilds the
mesh from it, as InterHand2.6M's annotations are written. DexYCB stores 45 PCA coefficients of
manopth (ncomps=45, flat_hand_mean=False: pose = mean + coeffs @ components), so its relative
pose is `coeffs @ components`, which needs the licensed model's components.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

AXIS_ANGLE = "axis_angle"
PCA = "pca"


@lru_cache(maxsize=4)
def pose_components(model_file: str, side: str) -> np.ndarray:
    """The [45, 45] PCA components (rows) of a MANO model file, loaded the way smplx loads it."""
    import smplx

    path = Path(model_file)
    if not path.is_file():
        raise FileNotFoundError(f"MANO model file {path} not found")
    layer = smplx.MANO(model_path=str(path), is_rhand=side == "right", use_pca=True, num_pca_comps=45, flat_hand_mean=False)
    components = np.asarray(layer.np_hand_components, dtype=np.float64)
    if components.shape != (45, 45):
        raise ValueError(f"MANO model file {path} has hands_components {components.shape}, expected (45, 45)")
    return components


def pca_to_axis_angle(pose_pca: np.ndarray, components: np.ndarray) -> np.ndarray:
    """[..., 3 + K] global + K PCA coefficients -> [..., 48] global + finger pose relative to the mean."""
    pose_pca = np.asarray(pose_pca, dtype=np.float64)
    k = pose_pca.shape[-1] - 3
    fingers = pose_pca[..., 3:] @ np.asarray(components, dtype=np.float64)[:k]
    return np.concatenate([pose_pca[..., :3], fingers], axis=-1)


def rotate_global(pose: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """The same pose with its global orientation seen from a frame rotated by `rotation` (3x3)."""
    pose = np.array(pose, dtype=np.float64).reshape(48)
    root, _ = cv2.Rodrigues(pose[:3])
    pose[:3] = cv2.Rodrigues(np.asarray(rotation, dtype=np.float64) @ root)[0].reshape(3)
    return pose
