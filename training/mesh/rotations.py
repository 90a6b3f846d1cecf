"""Rotation conversions the mesh heads need: the continuous 6D representation and mirroring.

6D layout: the first two columns of the rotation matrix, [col0, col1] (Zhou et al. 2019); the
matrix comes back by Gram-Schmidt. Axis-angle conversions are kornia's; kornia has no 6D.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from kornia.geometry.conversions import axis_angle_to_rotation_matrix, rotation_matrix_to_axis_angle

# Mirroring the world in x (x -> -x) maps a rotation's axis-angle (x, y, z) to (x, -y, -z).
MIRROR_AXIS_ANGLE = (1.0, -1.0, -1.0)


def rot6d_to_matrix(x: torch.Tensor) -> torch.Tensor:
    """[..., 6] -> [..., 3, 3]; any 6 numbers (not both columns parallel) give a rotation."""
    a1, a2 = x[..., 0:3], x[..., 3:6]
    b1 = F.normalize(a1, dim=-1)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def matrix_to_rot6d(matrix: torch.Tensor) -> torch.Tensor:
    """[..., 3, 3] -> [..., 6]: column 0 then column 1."""
    return torch.cat([matrix[..., :, 0], matrix[..., :, 1]], dim=-1)


def axis_angle_to_matrix(axis_angle: torch.Tensor) -> torch.Tensor:
    """[..., 3] -> [..., 3, 3] (kornia, any leading shape)."""
    flat = axis_angle.reshape(-1, 3)
    return axis_angle_to_rotation_matrix(flat).reshape(*axis_angle.shape[:-1], 3, 3)


def matrix_to_axis_angle(matrix: torch.Tensor) -> torch.Tensor:
    """[..., 3, 3] -> [..., 3] (kornia, any leading shape)."""
    flat = matrix.reshape(-1, 3, 3)
    return rotation_matrix_to_axis_angle(flat.contiguous()).reshape(*matrix.shape[:-2], 3)


def mirror_axis_angle(pose: torch.Tensor) -> torch.Tensor:
    """A pose [..., 3k] of k axis-angle rotations as seen in the x-mirrored world (left <-> right hand)."""
    sign = pose.new_tensor(MIRROR_AXIS_ANGLE).repeat(pose.shape[-1] // 3)
    return pose * sign


def rotation_z(angle: torch.Tensor) -> torch.Tensor:
    """[B] radians -> [B, 3, 3] rotations about the camera's optical axis (x right, y down)."""
    c, s = torch.cos(angle), torch.sin(angle)
    zero, one = torch.zeros_like(angle), torch.ones_like(angle)
    return torch.stack([c, -s, zero, s, c, zero, zero, zero, one], dim=-1).reshape(-1, 3, 3)


def mean_rotation(rotations: torch.Tensor) -> torch.Tensor:
    """The rotation nearest to the average of [N, 3, 3] rotation matrices (chordal mean)."""
    u, _, vh = torch.linalg.svd(rotations.double().mean(0))
    fix = torch.diag(torch.tensor([1.0, 1.0, float(torch.sign(torch.det(u @ vh)))], dtype=torch.float64))
    return (u @ fix @ vh).float()
