"""Batched similarity Procrustes (Umeyama): the rotation, scale and translation that best map
predicted points onto targets, for PA-MPJPE/PA-MPVPE. Computed in float64: the metric must not
depend on the batch it was computed in."""

from __future__ import annotations

import numpy as np
import torch


def procrustes_align(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """`pred` [B, N, 3] moved by the similarity transform that best fits it to `target` [B, N, 3],
    over the points with weight > 0 (`weights` [B, N]; all points when None). Returns float64."""
    p = pred.detach().to(torch.float64)
    t = target.detach().to(torch.float64)
    w = torch.ones(p.shape[:2], dtype=torch.float64, device=p.device) if weights is None else weights.to(torch.float64)
    w = w.unsqueeze(-1)
    total = w.sum(1, keepdim=True).clamp_min(1e-12)
    mu_p, mu_t = (w * p).sum(1, keepdim=True) / total, (w * t).sum(1, keepdim=True) / total
    x, y = p - mu_p, t - mu_t
    var = (w * x * x).sum((1, 2))
    cov = (w * x).transpose(1, 2) @ y  # [B, 3, 3]
    u, s, vh = torch.linalg.svd(cov)
    v = vh.transpose(1, 2)
    sign = torch.sign(torch.det(v @ u.transpose(1, 2)))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    z = torch.diag_embed(torch.stack([torch.ones_like(sign), torch.ones_like(sign), sign], dim=-1))
    rotation = v @ z @ u.transpose(1, 2)  # maps x onto y: y ~ scale * R x
    scale = (s * torch.diagonal(z, dim1=1, dim2=2)).sum(-1) / var.clamp_min(1e-12)
    return scale[:, None, None] * (x @ rotation.transpose(1, 2)) + mu_t


def point_errors(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Euclidean distance per point [B, N]."""
    return torch.linalg.norm(pred.to(torch.float64) - target.to(torch.float64), dim=-1)


def frame_errors(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame [F]: mean error and mean Procrustes-aligned error (mm) over the valid points."""
    p, g = torch.as_tensor(pred, dtype=torch.float64), torch.as_tensor(gt, dtype=torch.float64)
    w = torch.as_tensor(valid, dtype=torch.float64)
    count = w.sum(1).clamp_min(1.0)
    plain = (point_errors(p, g) * w).sum(1) / count
    aligned = (point_errors(procrustes_align(p, g, w), g) * w).sum(1) / count
    return plain.numpy(), aligned.numpy()
