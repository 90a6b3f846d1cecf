"""Body-model loading for the mesh models: MANO through smplx's Layer classes (every parameter
passed; the non-Layer models broadcast their defaults), from the files params.yaml names.

Left hands: the licensed MANO_LEFT file (and the project's stand-in) stores its shape space's
x-component un-mirrored; it is flipped after loading (`shapedirs[:, 0, :] *= -1`) unless the file
says it already was (`posefoundry convert-models` writes `left_shapedirs_fixed`).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
import torch
from torch import nn

from schemas.shards import HAND_JOINTS
from training.mesh.rotations import axis_angle_to_matrix

# smplx's MANO joints (wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3) + the fingertip
# vertices in smplx's convention (thumb, index, middle, ring, pinky)
MANO_TIP_VERTICES = (744, 320, 443, 554, 671)
_MANO_NAMES = ["wrist"] + [f"{f}{i}" for f in ("index", "middle", "pinky", "ring", "thumb") for i in (1, 2, 3)] + [
    f"{f}4" for f in ("thumb", "index", "middle", "ring", "pinky")]
MANO_TO_COMMON = [_MANO_NAMES.index(name) for name in HAND_JOINTS]
FIXED_MARK = "left_shapedirs_fixed"
M = TypeVar("M", bound=nn.Module)


def _file_data(path: Path) -> dict:
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    with open(path, "rb") as handle:
        return pickle.load(handle, encoding="latin1")


class Mano(nn.Module):
    """One side's MANO: rotation matrices and betas in, vertices [B, 778, 3] and the 21 joints
    [B, 21, 3] in the shards' order (metres, model frame, no translation) out."""

    def __init__(self, model_file: str | Path, side: str) -> None:
        super().__init__()
        import smplx

        path = Path(model_file)
        if not path.is_file():
            raise FileNotFoundError(f"MANO model file {path} not found (params: hand.mano_dir / hand.mano_files)")
        if side not in ("right", "left"):
            raise ValueError(f"side is {side!r}, expected 'right' or 'left'")
        name = path.name.upper()
        if ("RIGHT" in name) != (side == "right"):
            raise ValueError(f"{path} is not a {side} MANO file (smplx takes the side from RIGHT/LEFT in the name)")
        self.side = side
        self.layer = smplx.MANOLayer(model_path=str(path), is_rhand=side == "right", use_pca=False,
                                     flat_hand_mean=False, ext=path.suffix.lstrip("."))
        if side == "left" and not bool(np.asarray(_file_data(path).get(FIXED_MARK, False))):
            with torch.no_grad():
                self.layer.shapedirs[:, 0, :] *= -1
        self.register_buffer("tips", torch.tensor(MANO_TIP_VERTICES, dtype=torch.long), persistent=False)
        self.register_buffer("order", torch.tensor(MANO_TO_COMMON, dtype=torch.long), persistent=False)
        self.faces = np.asarray(self.layer.faces, dtype=np.int64)

    @property
    def hand_mean(self) -> torch.Tensor:
        return self.layer.hand_mean

    def forward(self, global_rot: torch.Tensor, hand_rot: torch.Tensor, betas: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`global_rot` [B, 3, 3], `hand_rot` [B, 15, 3, 3] (absolute, not relative to the mean), `betas` [B, 10]."""
        batch = global_rot.shape[0]
        zero = torch.zeros(batch, 3, dtype=betas.dtype, device=betas.device)
        out = self.layer(betas=betas, global_orient=global_rot.reshape(batch, 1, 3, 3),
                         hand_pose=hand_rot.reshape(batch, 15, 3, 3), transl=zero)
        joints = torch.cat([out.joints, out.vertices.index_select(1, self.tips)], dim=1).index_select(1, self.order)
        return out.vertices, joints

    def rotations(self, pose: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The shards' `mano_pose` [B, 48] (axis-angle, fingers relative to the mean pose) as absolute
        rotation matrices: global [B, 3, 3], fingers [B, 15, 3, 3]."""
        absolute = torch.cat([pose[:, :3], pose[:, 3:] + self.hand_mean.to(pose.dtype)], dim=1)
        rot = axis_angle_to_matrix(absolute.reshape(-1, 16, 3))
        return rot[:, 0], rot[:, 1:]

    def from_pose(self, pose: torch.Tensor, betas: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Vertices and joints (metres) for the shards' `mano_pose` [B, 48] and `mano_shape` [B, 10]."""
        global_rot, hand_rot = self.rotations(pose)
        return self(global_rot, hand_rot, betas)


def mano_files(model_dir: str | Path, files: dict[str, str]) -> dict[str, Path]:
    """{'right': path, 'left': path} from a folder and the file names params.yaml gives."""
    missing = [side for side in ("right", "left") if side not in files]
    if missing:
        raise ValueError(f"mano_files names no file for {missing}; expected keys 'right' and 'left'")
    return {side: Path(model_dir) / files[side] for side in ("right", "left")}


class Smplx(nn.Module):
    """SMPL-X through smplx's SMPLXLayer (10 shape and 10 expression coefficients): rotation
    matrices in, vertices [B, 10475, 3] and joints [B, 127, 3] (55 skeleton joints, smplx's vertex
    joints, face landmarks) out, in metres, with `transl` added (NeuralAnnot's `trans`).

    Hand poses follow NeuralAnnot (SMPLer-X's `flat_hand_mean=False`): axis-angle relative to the
    model file's mean hand; `rotations` adds the mean back before the layer sees them."""

    def __init__(self, model_file: str | Path) -> None:
        super().__init__()
        import smplx

        path = Path(model_file)
        if not path.is_file():
            raise FileNotFoundError(f"SMPL-X model file {path} not found (params: smplx.model_dir / smplx.model_file)")
        self.layer = smplx.SMPLXLayer(model_path=str(path), ext=path.suffix.lstrip("."), num_betas=10,
                                      num_expression_coeffs=10, use_pca=False, flat_hand_mean=False,
                                      use_face_contour=False)
        self.faces = np.asarray(self.layer.faces, dtype=np.int64)

    def rotations(self, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """NeuralAnnot's axis-angle `root_pose`, `body_pose`, `lhand_pose`, `rhand_pose`, `jaw_pose` ([B, 3k])
        as absolute rotation matrices [B, 53, 3, 3]: root, 21 body, 15 left hand, 15 right hand, jaw."""
        left = params["lhand_pose"] + self.layer.left_hand_mean.to(params["lhand_pose"].dtype)
        right = params["rhand_pose"] + self.layer.right_hand_mean.to(params["rhand_pose"].dtype)
        pose = torch.cat([params["root_pose"], params["body_pose"], left, right, params["jaw_pose"]], dim=-1)
        return axis_angle_to_matrix(pose.reshape(pose.shape[0], 53, 3))

    def forward(self, rot: torch.Tensor, betas: torch.Tensor, expression: torch.Tensor,
                transl: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """`rot` [B, 53, 3, 3] as `rotations` orders them; `betas`, `expression` [B, 10]; `transl` [B, 3]."""
        batch = rot.shape[0]
        eye = torch.eye(3, dtype=rot.dtype, device=rot.device).expand(batch, 1, 3, 3)
        out = self.layer(global_orient=rot[:, :1], body_pose=rot[:, 1:22], left_hand_pose=rot[:, 22:37],
                         right_hand_pose=rot[:, 37:52], jaw_pose=rot[:, 52:53], leye_pose=eye, reye_pose=eye,
                         betas=betas, expression=expression,
                         transl=torch.zeros(batch, 3, dtype=rot.dtype, device=rot.device) if transl is None else transl)
        return out.vertices, out.joints

    def joints(self, rot: torch.Tensor, betas: torch.Tensor, expression: torch.Tensor) -> torch.Tensor:
        """The first 76 of `forward`'s joints (55 skeleton joints, smplx's 21 vertex joints; no
        translation) without posing the other ~10,400 vertices: what a training step needs, at a
        fraction of the cost. Same numbers as `forward` (smplx's lbs, restricted to those vertices)."""
        from smplx.lbs import batch_rigid_transform, blend_shapes, vertices2joints

        layer, batch = self.layer, rot.shape[0]
        eye = torch.eye(3, dtype=rot.dtype, device=rot.device).expand(batch, 2, 3, 3)
        full = torch.cat([rot[:, :22], rot[:, 52:53], eye, rot[:, 22:52]], dim=1)  # smplx's order: jaw, eyes, hands
        shaped = layer.v_template + blend_shapes(torch.cat([betas, expression], -1),
                                                 torch.cat([layer.shapedirs, layer.expr_dirs], -1))
        posed_joints, transforms = batch_rigid_transform(full, vertices2joints(layer.J_regressor, shaped), layer.parents,
                                                         dtype=rot.dtype)
        picked = layer.vertex_joint_selector.extra_joints_idxs
        pose_feature = (full[:, 1:] - torch.eye(3, dtype=rot.dtype, device=rot.device)).reshape(batch, -1)
        posedirs = layer.posedirs.view(pose_feature.shape[1], -1, 3)[:, picked].reshape(pose_feature.shape[1], -1)
        vertices = shaped[:, picked] + (pose_feature @ posedirs).view(batch, -1, 3)
        skin = (layer.lbs_weights[picked] @ transforms.reshape(batch, -1, 16)).view(batch, -1, 4, 4)
        moved = (skin[..., :3, :3] @ vertices[..., None])[..., 0] + skin[..., :3, 3]
        return torch.cat([posed_joints, moved], dim=1)

    def from_params(self, params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Vertices and joints for NeuralAnnot's `smplx_param` fields as tensors [B, ...]."""
        return self(self.rotations(params), params["shape"], params["expr"], params["trans"])


class OutsideTree(Generic[M]):
    """A body model a network uses but does not own: kept outside the network's module tree, its
    licensed arrays never enter a checkpoint, so it follows the network's device when used, not on `.to()`."""

    def __init__(self, model: M) -> None:
        self.model = model

    def on(self, device: torch.device) -> M:
        """The body model on `device`, moved there on first use."""
        if self.model.layer.shapedirs.device != device:
            self.model = self.model.to(device)
        return self.model
