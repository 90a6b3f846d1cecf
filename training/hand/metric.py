"""Hand-mesh metrics a reader of the field expects, per source and overall.

MPJPE / MPVPE: mean joint / vertex error (mm) after aligning the roots (wrist); PA-: after the
similarity Procrustes alignment (what articulation is right, whatever the global rotation and
size). Vertices only where the clip has MANO ground truth. 2D: PCK at `pck_threshold` of the crop
side and the area under the PCK curve from 0 to `auc_max`, over labelled joints, in crop pixels.
Each figure is a mean over frames (MPJPE/MPVPE) or over labelled joints (PCK).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import mmstack
from training.mesh.procrustes import frame_errors

__all__ = ["HandMeshMetric", "frame_errors", "report", "clip_rows", "summarise"]

BaseMetric = mmstack.import_module("mmengine.evaluator").BaseMetric
METRICS = mmstack.import_module("mmengine.registry").METRICS

FIGURES = ("mpjpe", "pa_mpjpe", "mpvpe", "pa_mpvpe", "pck", "auc")
AUC_STEPS = 21


def clip_rows(sample: dict[str, Any]) -> dict[str, np.ndarray]:
    """One clip's per-frame numbers: joint errors, vertex errors (NaN without MANO), 2D distances."""
    valid = np.asarray(sample["valid"], bool)
    joints, pa_joints = frame_errors(sample["pred_joints"], sample["gt_joints"], valid)
    has_mano = np.asarray(sample["has_mano"], bool)
    ones = np.ones(np.asarray(sample["pred_vertices"]).shape[:2], bool)
    vertices, pa_vertices = frame_errors(sample["pred_vertices"], sample["gt_vertices"], ones)
    vertices[~has_mano], pa_vertices[~has_mano] = np.nan, np.nan
    dist = np.linalg.norm(np.asarray(sample["pred_uv"], np.float64) - np.asarray(sample["gt_uv"], np.float64), axis=-1)
    dist = dist / float(sample["crop_size"])
    return {"mpjpe": joints, "pa_mpjpe": pa_joints, "mpvpe": vertices, "pa_mpvpe": pa_vertices,
            "dist2d": np.where(valid, dist, np.nan), "joint_frames": valid.any(1)}


def summarise(rows: Sequence[dict[str, np.ndarray]], pck_threshold: float, auc_max: float) -> dict[str, float]:
    """The six figures over a set of clips' rows (NaN where nothing was measured)."""
    if not rows:
        return {name: float("nan") for name in FIGURES}

    def cat(name: str) -> np.ndarray:
        return np.concatenate([r[name] for r in rows])

    frames = cat("joint_frames")
    out = {name: float(np.mean(cat(name)[frames])) if frames.any() else float("nan") for name in ("mpjpe", "pa_mpjpe")}
    for name in ("mpvpe", "pa_mpvpe"):
        values = cat(name)
        values = values[~np.isnan(values)]
        out[name] = float(values.mean()) if values.size else float("nan")
    dist = cat("dist2d").reshape(-1)
    dist = dist[~np.isnan(dist)]
    out["pck"] = float((dist <= pck_threshold).mean()) if dist.size else float("nan")
    thresholds = np.linspace(0.0, auc_max, AUC_STEPS)
    out["auc"] = float(np.mean([(dist <= t).mean() for t in thresholds])) if dist.size else float("nan")
    return out


def report(rows: Sequence[dict[str, np.ndarray]], sources: Sequence[int], names: Sequence[str],
           pck_threshold: float, auc_max: float) -> dict[str, float]:
    """Flat `{figure: overall, 'source/figure': per source}` over clips from `sources` (index per row)."""
    out = summarise(rows, pck_threshold, auc_max)
    for index, name in enumerate(names):
        mine = [r for r, s in zip(rows, sources) if s == index]
        if mine:
            out.update({f"{name}/{k}": v for k, v in summarise(mine, pck_threshold, auc_max).items()})
    out["clips"] = float(len(rows))
    return out


@METRICS.register_module()
class HandMeshMetric(BaseMetric):
    """MMEngine's evaluator side of `report`: `sources` names the data sources by index."""

    default_prefix = None

    def __init__(self, sources: Sequence[str], pck_threshold: float, auc_max: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = list(sources)
        self.pck_threshold = float(pck_threshold)
        self.auc_max = float(auc_max)

    def process(self, data_batch: Any, data_samples: Sequence[dict[str, Any]]) -> None:
        for sample in data_samples:
            self.results.append((int(sample["source"]), clip_rows(sample)))

    def compute_metrics(self, results: list) -> dict[str, float]:
        return report([r for _, r in results], [s for s, _ in results], self.sources, self.pck_threshold, self.auc_max)
