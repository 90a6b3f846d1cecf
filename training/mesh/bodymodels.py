"""Body-model loading for the mesh models: MANO through smplx's Layer classes (every parameter
passed; the non-Layer models broadcast their defaults), from the files params.yaml names.

Left hands: the licensed MANO_LEFT file (and the project's stand-in) stores its shape space's
x-component un-mirrored; it is flipped after loading (`shapedirs[:, 0, :] *= -1`) unless the file
says it already was (`posefoundry convert-models` writes `left_shapedirs_fixed`).
"""

from __future__ import annotations

import pickle
from pathlib import Path

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
