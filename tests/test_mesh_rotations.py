"""6D rotations: the layout is [col0, col1], the round trip is exact, any 6 numbers give a rotation."""

from __future__ import annotations

import numpy as np
import torch

from training.mesh.rotations import (axis_angle_to_matrix, matrix_to_axis_angle, matrix_to_rot6d, mirror_axis_angle,
                                     rot6d_to_matrix, rotation_z)


def random_rotations(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    axis = torch.nn.functional.normalize(torch.randn(n, 3, generator=g, dtype=torch.float64), dim=-1)
    angle = torch.rand(n, 1, generator=g, dtype=torch.float64) * np.pi * 0.999
    return axis_angle_to_matrix(axis * angle)


def test_6d_round_trip_is_exact():
    rot = random_rotations(500)
    back = rot6d_to_matrix(matrix_to_rot6d(rot))
    assert torch.allclose(back, rot, atol=1e-12)


def test_6d_layout_is_the_first_two_columns():
    rot = random_rotations(4, seed=1)
    six = matrix_to_rot6d(rot)
    assert torch.equal(six[:, :3], rot[:, :, 0]) and torch.equal(six[:, 3:], rot[:, :, 1])
    assert not torch.allclose(six, rot[:, :, :2].reshape(4, 6))  # not the row-major view(3, 2) layout


def test_any_6_numbers_give_a_proper_rotation():
    six = torch.randn(1000, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 3
    rot = rot6d_to_matrix(six)
    eye = torch.eye(3, dtype=torch.float64).expand(1000, 3, 3)
    assert torch.allclose(rot @ rot.transpose(1, 2), eye, atol=1e-10)
    assert torch.allclose(torch.det(rot), torch.ones(1000, dtype=torch.float64), atol=1e-10)
    # the first column keeps the first 3 numbers' direction
    assert torch.allclose(rot[:, :, 0], torch.nn.functional.normalize(six[:, :3], dim=-1))


def test_axis_angle_round_trip_and_leading_shapes():
    aa = torch.randn(7, 16, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 0.8
    rot = axis_angle_to_matrix(aa)
    assert rot.shape == (7, 16, 3, 3)
    assert torch.allclose(matrix_to_axis_angle(rot), aa, atol=1e-6)


def test_mirrored_axis_angle_is_the_mirrored_rotation():
    aa = torch.randn(50, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    mirror = torch.diag(torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64))
    expected = mirror @ axis_angle_to_matrix(aa) @ mirror
    assert torch.allclose(axis_angle_to_matrix(mirror_axis_angle(aa)), expected, atol=1e-10)


def test_rotation_z_turns_x_towards_y():
    rot = rotation_z(torch.tensor([np.pi / 2], dtype=torch.float64))
    x, y = torch.eye(3, dtype=torch.float64)[:2]
    assert torch.allclose(rot[0] @ x, y, atol=1e-12)
