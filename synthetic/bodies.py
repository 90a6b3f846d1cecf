"""Persons of the synthetic COCO sample as SMPL-X bodies: a mild standing pose and a shape are
sampled, the stand-in SMPL-X model poses them, a translation puts the body where the image wants
it, and the camera projects its joints. The figures are drawn at those projections, so the
NeuralAnnot-style parameters written beside the COCO labels agree with the pixels.

Conventions (NeuralAnnot's, as SMPLer-X reads it): axis-angle rotations, hand poses relative to
the model's mean hand (`flat_hand_mean=False`), `trans` added to the posed joints in metres, then a
pinhole camera `cam_param` {focal, princpt} in image pixels.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from schemas.shards import COCO_FROM_SMPLX, SMPLX_PARAMS

DECIMALS = 5
# joint -> (axis-angle index in body_pose) for the joints a standing pose moves
_L_HIP, _R_HIP, _L_KNEE, _R_KNEE, _SPINE = 0, 1, 3, 4, (2, 5, 8)
_L_SHOULDER, _R_SHOULDER, _L_ELBOW, _R_ELBOW = 15, 16, 17, 18
HANG = np.pi / 2  # radians from the T-pose's horizontal arm to hanging straight down
NOSE_TO_FEET = 0.91  # the stick figures' nose-to-ankle height, as a share of their `tall`


def _rot(axis: str, angle: float) -> np.ndarray:
    vec = np.zeros(3)
    vec["xyz".index(axis)] = angle
    return cv2.Rodrigues(vec)[0]


def _axis_angle(matrix: np.ndarray) -> np.ndarray:
    return cv2.Rodrigues(np.asarray(matrix, np.float64))[0].reshape(3)


def sample_params(rng: np.random.Generator) -> dict[str, list[float]]:
    """A standing body facing the camera (its left on the image's right) with small swings of the
    arms (0.3 rad in front of the body to 0.2 rad out, elbows +-0.3) and legs (0.12 rad in to 0.05
    out), a slight turn, and small hand, jaw, expression and shape values; rounded as written to the
    JSON file. What the camera cannot see (swings towards it, the head's turn) stays small, so the
    body's 3D pose follows from the picture."""
    body = np.zeros((21, 3))
    for joint, side in ((_L_SHOULDER, -1.0), (_R_SHOULDER, 1.0)):
        sideways = HANG + rng.uniform(-0.3, 0.2)  # > HANG swings the arm in front of the body
        body[joint] = _axis_angle(_rot("z", side * sideways) @ _rot("y", rng.uniform(-0.3, 0.3)))
    for joint, side in ((_L_ELBOW, -1.0), (_R_ELBOW, 1.0)):
        bend = _rot("y", side * rng.uniform(0.0, 0.3))  # the forearm forward
        body[joint] = _axis_angle(_rot("z", side * rng.uniform(-0.3, 0.3)) @ bend)
    for joint, side in ((_L_HIP, 1.0), (_R_HIP, -1.0)):
        body[joint] = _axis_angle(_rot("z", side * rng.uniform(-0.12, 0.05)) @ _rot("x", rng.uniform(-0.05, 0.05)))
    for joint in (_L_KNEE, _R_KNEE):
        body[joint] = [rng.uniform(0.0, 0.1), 0.0, 0.0]
    for joint in _SPINE:
        body[joint] = rng.normal(0, 0.01, 3)
    # the neck and head stay still and the body barely turns: the stick figures show the head as a
    # disc, so a turned head would move the eyes and ears where no pixel shows it
    root = _rot("x", np.pi) @ _rot("y", rng.uniform(-0.05, 0.05))

    def values(array: np.ndarray) -> list[float]:
        return [round(float(v), DECIMALS) for v in np.asarray(array).reshape(-1)]

    params = {
        "root_pose": values(_axis_angle(root)), "body_pose": values(body),
        "lhand_pose": values(rng.normal(0, 0.15, 45)), "rhand_pose": values(rng.normal(0, 0.15, 45)),
        "jaw_pose": values([rng.uniform(0, 0.2), 0, 0]), "shape": values(rng.normal(0, 0.8, 10)),
        "expr": values(rng.normal(0, 0.4, 10)), "trans": [0.0, 0.0, 0.0],
    }
    assert all(len(params[name]) == size for name, size in SMPLX_PARAMS.items())
    return params


def coco_joints(model_file: Path, params: list[dict[str, list[float]]]) -> np.ndarray:
    """[N, 17, 3] COCO-17 joints (metres, camera axes) of the bodies, each with its own `trans`,
    from one batched pass of smplx's SMPL-X model."""
    import smplx
    import torch

    model = smplx.SMPLX(model_path=str(model_file), ext=Path(model_file).suffix.lstrip("."), num_betas=10,
                        num_expression_coeffs=10, use_pca=False, flat_hand_mean=False, use_face_contour=False)

    def stack(name: str) -> torch.Tensor:
        return torch.tensor([p[name] for p in params], dtype=torch.float32)

    with torch.no_grad():
        out = model(global_orient=stack("root_pose"), body_pose=stack("body_pose"), left_hand_pose=stack("lhand_pose"),
                    right_hand_pose=stack("rhand_pose"), jaw_pose=stack("jaw_pose"), betas=stack("shape"),
                    expression=stack("expr"), transl=stack("trans"), leye_pose=torch.zeros(len(params), 3),
                    reye_pose=torch.zeros(len(params), 3))
    return out.joints[:, list(COCO_FROM_SMPLX)].double().numpy()


def project(points: np.ndarray, focal: list[float], princpt: list[float]) -> np.ndarray:
    """Camera-frame points [..., 3] -> pixels [..., 2]."""
    return points[..., :2] / points[..., 2:] * np.asarray(focal) + np.asarray(princpt)


def placement(joints: np.ndarray, centre_x: float, feet_y: float, tall: float, focal: list[float],
              princpt: list[float]) -> list[float]:
    """The `trans` that shows a body whose joints (at trans 0) are `joints` [17, 3] as a figure of
    `tall` px (nose to feet about NOSE_TO_FEET of it) with its ankles centred at (`centre_x`, `feet_y`)."""
    ankles = joints[15:17].mean(0)
    depth = focal[1] * float(ankles[1] - joints[0, 1]) / (NOSE_TO_FEET * tall)
    z = ankles[2] + depth
    target = np.array([centre_x, feet_y - 0.02 * tall])
    xy = (target - np.asarray(princpt)) * z / np.asarray(focal) - ankles[:2]
    return [round(float(v), DECIMALS) for v in (*xy, depth)]
