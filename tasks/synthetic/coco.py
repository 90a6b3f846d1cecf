"""A synthetic COCO person-keypoints tree: `annotations/person_keypoints_{split}2017.json`,
`{split}2017/{id:012d}.jpg`, and NeuralAnnot SMPL-X pseudo ground truth for train.

Each image shows stick figures drawn at exactly the labelled keypoints. Some keypoints are marked
occluded (v=1), some unlabelled (v=0 at 0,0: a figure cut by the image border), one
image has a crowd region and a keypoint-less person, one has nobody (the reader skips it).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from schemas.skeletons import COCO_KEYPOINTS, COCO_SKELETON
from tasks.synthetic.figures import background, draw_figure, standing_pose

SPLITS = {"train": 24, "val": 8}
SMPLX_FILE = "MSCOCO_train_SMPLX_all_NeuralAnnot.json"
_SIZES = ((640, 480), (480, 640), (640, 427))
_COLORS = ((40, 40, 230), (40, 200, 40), (230, 120, 30), (200, 40, 200))


def _person(rng: np.random.Generator, width: int, height: int, cut: bool) -> np.ndarray:
    """[17, 3] keypoints of one figure; `cut` puts its feet below the image border."""
    tall = rng.uniform(0.45, 0.8) * height
    feet = height + tall * 0.25 if cut else rng.uniform(tall + 10, height - 5)
    pose = standing_pose(rng.uniform(0.15, 0.85) * width, feet, tall)
    pose[9:11] += rng.normal(0, tall * 0.03, size=(2, 2))  # the wrists move a little
    keypoints = np.zeros((17, 3))
    keypoints[:, :2] = np.round(pose, 1)
    inside = (pose[:, 0] >= 0) & (pose[:, 0] < width) & (pose[:, 1] >= 0) & (pose[:, 1] < height)
    keypoints[:, 2] = np.where(inside, 2, 0)
    keypoints[inside & (rng.random(17) < 0.12), 2] = 1
    keypoints[keypoints[:, 2] == 0, :2] = 0
    return keypoints


def _annotation(ann_id: int, image_id: int, keypoints: np.ndarray, width: int, height: int) -> dict:
    labelled = keypoints[keypoints[:, 2] > 0, :2]
    x1, y1 = np.maximum(labelled.min(0) - 12, 0)
    x2, y2 = np.minimum(labelled.max(0) + 12, [width - 1, height - 1])
    bbox = [round(float(v), 2) for v in (x1, y1, x2 - x1, y2 - y1)]
    polygon = [bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3], bbox[0], bbox[1] + bbox[3]]
    return {
        "id": ann_id, "image_id": image_id, "category_id": 1, "iscrowd": 0,
        "bbox": bbox, "area": round(bbox[2] * bbox[3] * 0.55, 2), "segmentation": [polygon],
        "num_keypoints": int((keypoints[:, 2] > 0).sum()),
        "keypoints": [int(v) if float(v).is_integer() else float(v) for v in keypoints.reshape(-1)],
    }


def _smplx_entry(rng: np.random.Generator, width: int, height: int) -> dict:
    def values(n: int, scale: float) -> list[float]:
        return [round(float(v), 5) for v in rng.normal(0, scale, n)]

    params = {
        "root_pose": [float(np.pi), 0.0, 0.0], "body_pose": values(63, 0.1), "lhand_pose": values(45, 0.1),
        "rhand_pose": values(45, 0.1), "jaw_pose": values(3, 0.05), "shape": values(10, 0.5),
        "expr": values(10, 0.3), "trans": [round(float(rng.uniform(-0.3, 0.3)), 4), 0.2, round(float(rng.uniform(6, 12)), 3)],
        "lhand_valid": True, "rhand_valid": True, "face_valid": bool(rng.random() < 0.8),
    }
    return {"smplx_param": params, "cam_param": {"focal": [1500.0, 1500.0], "princpt": [width / 2, height / 2]}}


def _image(rng: np.random.Generator, width: int, height: int, persons: list[np.ndarray]) -> np.ndarray:
    image = background(height, width, rng)
    for index, keypoints in enumerate(persons):
        draw_figure(image, keypoints[:, :2], _COLORS[index % len(_COLORS)], visible=keypoints[:, 2] > 0)
    return image


def generate(out: Path, seed: int, body_models: dict[str, Path]) -> int:
    """Write the tree; returns the number of images."""
    out = Path(out)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    count = 0
    for split_index, (split, num_images) in enumerate(SPLITS.items()):
        rng = np.random.default_rng([seed, 2017, split_index])
        images, annotations, smplx = [], [], {}
        folder = out / f"{split}2017"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(num_images):
            image_id = 1000 * (split_index + 1) + 7 * index + 1
            width, height = _SIZES[index % len(_SIZES)]
            persons = [] if index == 3 else [_person(rng, width, height, cut=(k == 1 and index % 4 == 1)) for k in range(1 + index % 3)]
            for k, keypoints in enumerate(persons):
                ann = _annotation(image_id * 10 + k, image_id, keypoints, width, height)
                annotations.append(ann)
                if split == "train":
                    smplx[str(ann["id"])] = _smplx_entry(rng, width, height)
            if index == 5:  # a crowd region and a tiny person nobody labelled, as COCO has
                for k, bbox in ((8, [10.0, 10.0, 60.0, 40.0]), (9, [width - 40.0, 20.0, 12.0, 30.0])):
                    annotations.append({
                        "id": image_id * 10 + k, "image_id": image_id, "category_id": 1, "iscrowd": int(k == 8),
                        "bbox": bbox, "area": bbox[2] * bbox[3], "segmentation": [[bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]]],
                        "num_keypoints": 0, "keypoints": [0] * 51,
                    })
            file_name = f"{image_id:012d}.jpg"
            ok, jpeg = cv2.imencode(".jpg", _image(rng, width, height, persons), [cv2.IMWRITE_JPEG_QUALITY, 90])
            (folder / file_name).write_bytes(jpeg.tobytes())
            images.append({"id": image_id, "file_name": file_name, "width": width, "height": height, "license": 1,
                           "date_captured": "2013-11-14 11:18:45"})
            count += 1
        data = {
            "info": {"description": "PoseFoundry synthetic COCO person keypoints", "version": "1.0", "year": 2017},
            "licenses": [{"id": 1, "name": "synthetic", "url": ""}],
            "categories": [{"supercategory": "person", "id": 1, "name": "person", "keypoints": COCO_KEYPOINTS,
                            "skeleton": [[a + 1, b + 1] for a, b in COCO_SKELETON]}],
            "images": images, "annotations": annotations,
        }
        (out / "annotations" / f"person_keypoints_{split}2017.json").write_text(json.dumps(data))
        if split == "train":
            (out / "annotations" / SMPLX_FILE).write_text(json.dumps(smplx, sort_keys=True))
    return count

