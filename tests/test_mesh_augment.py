"""The augmentation keeps labels true: pixels, 2D joints, intrinsics and 3D joints move together."""

from __future__ import annotations

import numpy as np
import torch

from training.mesh.augment import AugmentSettings, jitter_colour, move_points, resize_matrix, view_change, warp_images

SETTINGS = AugmentSettings(rotation_deg=40.0, scale=0.2, shift=0.1, color=0.3)


def project(points: torch.Tensor, focal: torch.Tensor, princpt: torch.Tensor) -> torch.Tensor:
    return points[..., :2] / points[..., 2:] * focal[:, None] + princpt[:, None]


def test_a_bright_dot_lands_where_its_label_goes():
    crop, size = 64, 32
    images = torch.zeros(4, 1, crop, crop)
    dots = torch.tensor([[24.0, 30.0], [38.0, 24.0], [31.0, 31.0], [27.0, 39.0]])  # away from the borders
    for i, (x, y) in enumerate(dots.long()):
        images[i, 0, y - 2:y + 3, x - 2:x + 3] = 1.0  # a 5 px square centred on the dot
    change = view_change(4, size, SETTINGS, torch.Generator().manual_seed(0))
    matrix = change.turn @ resize_matrix(torch.full((4,), float(crop)), size)
    warped = warp_images(images, matrix, size)
    expected = move_points(matrix, dots[:, None])[:, 0]
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    for i in range(4):
        weight = warped[i, 0]
        centre = torch.stack([(weight * xs).sum() / weight.sum(), (weight * ys).sum() / weight.sum()])
        assert torch.linalg.norm(centre - expected[i]) < 0.35, (i, centre, expected[i])


def test_turned_joints_project_onto_the_moved_2d_joints():
    """The new camera (focal * s, princpt moved) sees the scene turned about its axis exactly where
    the image moved the 2D joints (square pixels)."""
    g = torch.Generator().manual_seed(1)
    batch, crop, size = 8, 256.0, 112
    joints = torch.randn(batch, 21, 3, generator=g, dtype=torch.float64) * 40 + torch.tensor([20.0, -10.0, 600.0], dtype=torch.float64)
    focal = torch.full((batch, 2), 900.0, dtype=torch.float64)
    princpt = torch.rand(batch, 2, generator=g, dtype=torch.float64) * 100 + 80
    uv = project(joints, focal, princpt)
    change = view_change(batch, size, SETTINGS, g)
    matrix = (change.turn @ resize_matrix(torch.full((batch,), crop), size)).double()
    moved_uv = move_points(matrix, uv)
    new_focal = focal * (size / crop) * change.focal_scale.double()[:, None]
    new_princpt = move_points(matrix, princpt[:, None])[:, 0]
    turned = joints @ change.rotation.double().transpose(1, 2)
    assert torch.allclose(project(turned, new_focal, new_princpt), moved_uv, atol=1e-6)
    assert not torch.allclose(moved_uv, uv * size / crop, atol=1.0)  # it did move


def test_no_settings_is_a_plain_resize():
    change = view_change(3, 112, None)
    assert torch.equal(change.turn, torch.eye(3).expand(3, 3, 3)) and torch.equal(change.focal_scale, torch.ones(3))
    matrix = resize_matrix(torch.full((3,), 256.0), 112)
    corners = torch.tensor([[[-0.5, -0.5], [255.5, 255.5]]]).expand(3, 2, 2)
    assert torch.allclose(move_points(matrix, corners), torch.tensor([[-0.5, -0.5], [111.5, 111.5]]).expand(3, 2, 2), atol=1e-5)


def test_colour_jitter_changes_colours_not_geometry():
    images = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    jittered = jitter_colour(images, 0.3, torch.Generator().manual_seed(3))
    assert jittered.shape == images.shape and 0 <= jittered.min() and jittered.max() <= 1
    assert not torch.allclose(jittered, images)
    assert torch.equal(jitter_colour(images, 0.0), images)
    np.testing.assert_array_less(0.5, np.corrcoef(images.flatten().numpy(), jittered.flatten().numpy())[0, 1])
