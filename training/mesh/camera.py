"""The weak-to-full perspective camera the mesh heads predict: (log scale, u, v) of the root joint.

(u, v) is the root's pixel in [-1, 1] of the network image and the depth comes from how large the
body part appears (`span_mm` fills the image at log scale 0), back-projected through each crop's
own intrinsics, so one network serves crops from any camera.
"""

from __future__ import annotations

import torch

def camera_points(points_rel: torch.Tensor, cam: torch.Tensor, focal: torch.Tensor, princpt: torch.Tensor,
                  size: int, span_mm: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Root-relative points [N, P, 3] (mm) placed by `cam` [N, 3] in the camera frame, and their pixels."""
    depth = focal.mean(-1) * span_mm / (size * torch.exp(cam[:, 0]))
    root_px = (size - 1) / 2 + cam[:, 1:] * size / 2
    root_xy = (root_px - princpt) * depth[:, None] / focal
    points = points_rel + torch.cat([root_xy, depth[:, None]], dim=-1)[:, None]
    pixels = points[..., :2] / points[..., 2:].clamp_min(1.0) * focal[:, None] + princpt[:, None]
    return points, pixels


def camera_target(joint_cam: torch.Tensor, joint_img: torch.Tensor, focal: torch.Tensor, size: int,
                  span_mm: float) -> torch.Tensor:
    """The camera [N, 3] that places the labelled root (joint 0) where it is: `camera_points`' inverse."""
    depth = joint_cam[:, 0, 2].clamp_min(1.0)
    log_scale = torch.log(focal.mean(-1) * span_mm / (size * depth))
    return torch.cat([log_scale[:, None], (joint_img[:, 0] - (size - 1) / 2) / (size / 2)], dim=-1)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of `values` [N, ...] where `mask` [N, ...] (broadcast over trailing dims); 0 when empty."""
    while mask.dim() < values.dim():
        mask = mask.unsqueeze(-1)
    weight = mask.expand_as(values).float()
    return (values * weight).sum() / weight.sum().clamp_min(1.0)
