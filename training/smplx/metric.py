"""SMPL-X figures a reader of the field expects, against NeuralAnnot's pseudo ground truth.

PVE / MPJPE: mean vertex / joint error (mm) after aligning the pelvis; PA-: after the similarity
Procrustes alignment. Joints are SMPL-X's 22 body joints (pelvis and 21 body joints). Only persons
with NeuralAnnot count for these. 2D, for every labelled person: `kp2d`, the mean distance (px)
between predicted and labelled COCO-17 keypoints in the network's crop (`crop_size` px square,
the box times `crop_scale`), and PCK, the share of labelled keypoints within `pck_threshold` of
the crop side.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import mmstack
from training.mesh.procrustes import frame_errors

BaseMetric = mmstack.import_module("mmengine.evaluator").BaseMetric
METRICS = mmstack.import_module("mmengine.registry").METRICS

FIGURES = ("pve", "pa_pve", "mpjpe", "pa_mpjpe", "kp2d", "pck")


def person_rows(items: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Per-person numbers of a batch of `package`d persons (NaN where not measured)."""
    def stack(name: str) -> np.ndarray:
        return np.stack([np.asarray(it[name]) for it in items])

    has = stack("has_smplx").astype(bool)
    joints = stack("pred_joints")
    mpjpe, pa_mpjpe = frame_errors(joints, stack("gt_joints"), np.ones(joints.shape[:2], bool))
    vertices = stack("pred_vertices")
    pve, pa_pve = frame_errors(vertices, stack("gt_vertices"), np.ones(vertices.shape[:2], bool))
    rows = {"mpjpe": mpjpe, "pa_mpjpe": pa_mpjpe, "pve": pve, "pa_pve": pa_pve}
    rows = {name: np.where(has, value, np.nan) for name, value in rows.items()}
    dist = np.linalg.norm(stack("pred_uv").astype(np.float64) - stack("gt_uv"), axis=-1)
    rows["dist2d"] = np.where(stack("visible").astype(bool), dist, np.nan)
    return rows


def summarise(rows: Sequence[dict[str, np.ndarray]], pck_threshold: float, crop_size: float) -> dict[str, float]:
    """The figures over batches' rows, and how many persons (with NeuralAnnot) they cover."""
    def values(name: str) -> np.ndarray:
        found = np.concatenate([r[name].reshape(-1) for r in rows]) if rows else np.zeros(0)
        return found[~np.isnan(found)]

    out = {name: float(values(name).mean()) if values(name).size else float("nan")
           for name in ("pve", "pa_pve", "mpjpe", "pa_mpjpe")}
    dist = values("dist2d")
    out["kp2d"] = float(dist.mean()) if dist.size else float("nan")
    out["pck"] = float((dist <= pck_threshold * crop_size).mean()) if dist.size else float("nan")
    out["persons"] = float(sum(len(r["mpjpe"]) for r in rows))
    out["persons_smplx"] = float(values("mpjpe").size)
    return out


@METRICS.register_module()
class SmplxMetric(BaseMetric):
    """MMEngine's evaluator side of `summarise`."""

    default_prefix = None

    def __init__(self, pck_threshold: float, crop_size: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pck_threshold = float(pck_threshold)
        self.crop_size = float(crop_size)

    def process(self, data_batch: Any, data_samples: Sequence[dict[str, Any]]) -> None:
        if data_samples:
            self.results.append(person_rows(data_samples))

    def compute_metrics(self, results: list) -> dict[str, float]:
        return summarise(results, self.pck_threshold, self.crop_size)
