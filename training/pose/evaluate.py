"""COCO keypoint evaluation on the val shards: the ground-truth file, AP of a predictions file, and
the mean-pose baseline that shows what the model learned beyond "people stand upright".

Evaluation follows COCO's GT-box protocol: every labelled person's annotated box is given to the
model. AP is computed by xtcocotools (what MMPose's CocoMetric runs) with COCO's sigmas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from schemas.skeletons import COCO_KEYPOINTS
from training.pose.dataset import coco_records, read_split

# CocoMetric's names for COCOeval's ten keypoint statistics, in order
STATS = ["AP", "AP .5", "AP .75", "AP (M)", "AP (L)", "AR", "AR .5", "AR .75", "AR (M)", "AR (L)"]


def write_ground_truth(folder: str | Path, path: Path) -> Path:
    """A COCO keypoints file of every image and annotation (crowds included) of a split's shards."""
    samples, _ = read_split(folder)
    images, annotations = [], []
    for sample in samples:
        image, anns = coco_records({**sample["image"], "image_id": sample["image"]["id"], "persons": sample["annotations"]})
        images.append(image)
        for ann in anns:
            x, y, w, h = ann["bbox"]
            annotations.append({**ann, "area": ann.get("area", w * h), "iscrowd": ann.get("iscrowd", 0)})
    data = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "person", "supercategory": "person", "keypoints": COCO_KEYPOINTS}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def keypoint_ap(ground_truth: Path, predictions: Path | list[dict[str, Any]], sigmas: np.ndarray) -> dict[str, float]:
    """CocoMetric's `coco/...` figures for a predictions file (or list) against a ground-truth file."""
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval

    gt = COCO(str(ground_truth))
    results = json.loads(Path(predictions).read_text()) if isinstance(predictions, Path) else predictions
    if not results:
        return {f"coco/{name}": 0.0 for name in STATS}
    evaluation = COCOeval(gt, gt.loadRes(results), "keypoints", np.asarray(sigmas), True)
    evaluation.params.useSegm = None
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    return {f"coco/{name}": float(value) for name, value in zip(STATS, evaluation.stats)}


def box_frame(bbox_xywh: list[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y, w, h = (float(v) for v in bbox_xywh)
    return np.array([x, y]), np.maximum(np.array([w, h]), 1.0)


def mean_pose(instances: list[dict[str, Any]]) -> np.ndarray:
    """[17, 2] mean labelled keypoint position in box-relative units (0..1 across the box)."""
    total, count = np.zeros((17, 2)), np.zeros((17, 1))
    for ann in instances:
        keypoints = np.asarray(ann["keypoints"], np.float64).reshape(17, 3)
        origin, size = box_frame(ann["bbox"])
        labelled = keypoints[:, 2:3] > 0
        total += np.where(labelled, (keypoints[:, :2] - origin) / size, 0)
        count += labelled
    return total / np.maximum(count, 1)


def _trainable(ann: dict[str, Any]) -> bool:
    return not ann.get("iscrowd", 0) and ann.get("num_keypoints", 0) > 0


def baseline_predictions(train_folder: str | Path, ground_truth: Path) -> list[dict[str, Any]]:
    """The training set's mean pose placed in every evaluated person's annotated box."""
    samples, _ = read_split(train_folder)
    pose = mean_pose([a for s in samples for a in s["annotations"] if _trainable(a)])
    gt = json.loads(ground_truth.read_text())
    results = []
    for ann in gt["annotations"]:
        if not _trainable(ann):
            continue
        origin, size = box_frame(ann["bbox"])
        keypoints = np.concatenate([origin + pose * size, np.ones((17, 1))], axis=1)
        results.append({"image_id": ann["image_id"], "category_id": 1, "keypoints": keypoints.reshape(-1).tolist(),
                        "score": 1.0})
    return results
