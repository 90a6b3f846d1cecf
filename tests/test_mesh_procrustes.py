"""Batched Procrustes against a plain numpy one (scipy's orthogonal Procrustes + scale), per sample."""

from __future__ import annotations

import numpy as np
import torch
from scipy.linalg import orthogonal_procrustes

from training.hand.metric import frame_errors
from training.mesh.procrustes import procrustes_align


def numpy_pa_error(pred: np.ndarray, gt: np.ndarray) -> float:
    """One sample, the textbook way: centre, orthogonal Procrustes, optimal scale, mean distance."""
    mp, mg = pred.mean(0), gt.mean(0)
    a, b = pred - mp, gt - mg
    rotation, singular_sum = orthogonal_procrustes(a, b)
    scale = singular_sum / (a ** 2).sum()
    return float(np.linalg.norm(scale * a @ rotation + mg - gt, axis=1).mean())


def hands(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    gt = rng.normal(0, 40, (n, 21, 3))  # mm, hand-sized spreads
    pred = gt + rng.normal(0, 8, (n, 21, 3))
    return pred, gt


def test_pa_mpjpe_equals_numpy_procrustes_within_1e4_mm():
    pred, gt = hands(64, 0)
    _, aligned = frame_errors(pred, gt, np.ones((64, 21), bool))
    expected = np.array([numpy_pa_error(p, g) for p, g in zip(pred, gt)])
    np.testing.assert_allclose(aligned, expected, atol=1e-4, rtol=0)


def test_a_similar_copy_aligns_exactly():
    _, gt = hands(8, 1)
    rng = np.random.default_rng(2)
    rotations = [np.linalg.qr(rng.normal(size=(3, 3)))[0] for _ in range(8)]
    rotations = [r * np.sign(np.linalg.det(r)) for r in rotations]
    moved = np.stack([1.7 * g @ r.T + rng.normal(0, 100, 3) for g, r in zip(gt, rotations)])
    aligned = procrustes_align(torch.as_tensor(moved), torch.as_tensor(gt)).numpy()
    np.testing.assert_allclose(aligned, gt, atol=1e-8)


def test_unlabelled_points_neither_steer_nor_count():
    pred, gt = hands(16, 3)
    valid = np.ones((16, 21), bool)
    valid[:, 17:] = False
    wild = pred.copy()
    wild[:, 17:] += 1000.0  # far off, but unlabelled
    _, with_mask = frame_errors(wild, gt, valid)
    expected = np.array([numpy_pa_error(p[:17], g[:17]) for p, g in zip(pred, gt)])
    np.testing.assert_allclose(with_mask, expected, atol=1e-4, rtol=0)
