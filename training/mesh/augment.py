"""Batched augmentation with kornia that keeps every label true to the image.

A crop and the camera that sees it are related exactly: for the affine map `A = [s R | t]` that
moves crop pixels (rotation R about the optical axis, scale s, shift t), the new image is what a
camera with focal `s * f` and principal point `A(princpt)` sees of the scene rotated by `R_z`
(exact for square pixels, fx == fy). So one matrix moves the pixels (kornia's warp), the 2D
keypoints and the principal point; the 3D joints and the global orientation turn by `R_z`.
Pixel centres sit at integer coordinates throughout (kornia's `align_corners=True`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from kornia.enhance import adjust_brightness, adjust_contrast, adjust_saturation
from kornia.geometry.transform import warp_affine

from training.mesh.rotations import rotation_z


@dataclass(frozen=True)
class AugmentSettings:
    rotation_deg: float  # uniform in [-r, r]
    scale: float  # zoom factor uniform in [1 - s, 1 + s]
    shift: float  # uniform in [-f, f] of the output size, per axis
    color: float  # brightness/contrast/saturation factors uniform in [1 - c, 1 + c]


@dataclass
class ViewChange:
    """How output pixels move (`turn` [B, 3, 3], output px -> output px, applied after resizing to the
    output size), how the camera turned (`rotation` [B, 3, 3], about its optical axis) and how its
    focal length scales (`focal_scale` [B])."""

    turn: torch.Tensor
    rotation: torch.Tensor
    focal_scale: torch.Tensor


def resize_matrix(source: torch.Tensor, target: int) -> torch.Tensor:
    """[B, 3, 3] mapping squares of `source` [B] px onto squares of `target` px, pixel areas aligned."""
    k = target / source.to(torch.float32).reshape(-1)
    m = torch.zeros(k.shape[0], 3, 3, device=k.device)
    m[:, 0, 0] = m[:, 1, 1] = k
    m[:, 0, 2] = m[:, 1, 2] = 0.5 * k - 0.5
    m[:, 2, 2] = 1.0
    return m


def about_centre(angle: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, size: int) -> torch.Tensor:
    """[B, 3, 3]: turn by `angle` (radians) and zoom by `scale` about the image centre, then shift (px)."""
    c = (size - 1) / 2.0
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    m = torch.zeros(angle.shape[0], 3, 3)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = cos, -sin, sin, cos
    m[:, 0, 2] = c - cos * c + sin * c + shift[:, 0]
    m[:, 1, 2] = c - sin * c - cos * c + shift[:, 1]
    m[:, 2, 2] = 1.0
    return m


def view_change(batch: int, size: int, settings: AugmentSettings | None,
                generator: torch.Generator | None = None) -> ViewChange:
    """No change (settings None), or a random turn, zoom and shift per item."""
    if settings is None:
        eye = torch.eye(3).expand(batch, 3, 3).clone()
        return ViewChange(eye, eye.clone(), torch.ones(batch))

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator) * 2 - 1

    angle = uniform(batch) * math.radians(settings.rotation_deg)
    scale = 1 + uniform(batch) * settings.scale
    shift = uniform(batch, 2) * settings.shift * size
    return ViewChange(about_centre(angle, scale, shift, size), rotation_z(angle), scale)


def move_points(matrix: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """[B, 3, 3] applied to [B, ..., 2] points."""
    flat = points.reshape(points.shape[0], -1, 2)
    moved = flat @ matrix[:, :2, :2].transpose(1, 2) + matrix[:, None, :2, 2]
    return moved.reshape(points.shape)


def warp_images(images: torch.Tensor, matrix: torch.Tensor, size: int) -> torch.Tensor:
    """Float images [B, C, h, w] resampled through `matrix` (their px -> output px) to [B, C, size, size]."""
    return warp_affine(images, matrix[:, :2, :].to(images.dtype), dsize=(size, size), mode="bilinear",
                       padding_mode="zeros", align_corners=True)


def jitter_colour(images: torch.Tensor, strength: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random brightness, contrast and saturation per image; `images` in [0, 1]."""
    if strength <= 0:
        return images
    batch = images.shape[0]

    def factor() -> torch.Tensor:
        return 1 + (torch.rand(batch, generator=generator) * 2 - 1) * strength

    images = adjust_brightness(images, factor() - 1)
    images = adjust_contrast(images, factor())
    return adjust_saturation(images, factor()).clamp(0, 1)
