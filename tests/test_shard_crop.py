"""Hand-crop geometry: points, pixels and intrinsics move together; clips never span a gap."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.shards.crop import crop_image, project, square_crop
from tasks.shards.handclip import clip_windows


def test_square_crop_centres_and_scales_the_box():
    transform = square_crop(np.array([100.0, 50.0, 140.0, 130.0]), scale=1.5, size=240)
    side = 80 * 1.5  # the longer side (height 80) times the scale
    assert transform.scale == pytest.approx(240 / side)
    np.testing.assert_allclose(transform.points([[120.0, 90.0]]), [[120.0, 120.0]])  # the box centre
    np.testing.assert_allclose(transform.points([[60.0, 30.0]]), [[0.0, 0.0]])  # the square's corner


def test_intrinsics_follow_the_crop():
    rng = np.random.default_rng(0)
    points = rng.uniform([-50, -50, 400], [50, 50, 600], size=(21, 3))
    focal, princpt = np.array([1200.0, 1190.0]), np.array([320.0, 250.0])
    transform = square_crop(np.array([250.0, 180.0, 390.0, 330.0]), 1.5, 256)
    crop_focal, crop_princpt = transform.intrinsics(focal, princpt)
    np.testing.assert_allclose(project(points, crop_focal, crop_princpt), transform.points(project(points, focal, princpt)), atol=1e-9)


def test_pixels_land_where_the_points_go():
    image = np.zeros((300, 400, 3), np.uint8)
    image[200, 310] = 255  # one bright pixel at x=310, y=200
    transform = square_crop(np.array([280.0, 170.0, 340.0, 230.0]), 2.0, 240)
    crop = crop_image(image, transform)
    y, x = np.unravel_index(crop[..., 0].argmax(), crop.shape[:2])
    np.testing.assert_allclose([x, y], transform.points([[310.0, 200.0]])[0], atol=1.0)
    assert crop.shape == (240, 240, 3)
    assert crop[0, 0].tolist() == [0, 0, 0]


def test_clip_windows():
    present = [True, True, True, False, True, True, True, True, True]
    assert clip_windows(present, 3, 1) == [[0, 1, 2], [4, 5, 6], [5, 6, 7], [6, 7, 8]]
    assert clip_windows(present, 3, 2) == [[0, 1, 2], [4, 5, 6], [6, 7, 8]]
    assert clip_windows(present, 1, 1) == [[0], [1], [2], [4], [5], [6], [7], [8]]
    assert clip_windows([False, False], 1, 1) == []
    with pytest.raises(ValueError, match="positive"):
        clip_windows(present, 0, 1)
