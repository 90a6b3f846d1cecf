"""A synthetic COCO person-keypoints tree: `annotations/person_keypoints_{split}2017.json`,
`{split}2017/{id:012d}.jpg`, and NeuralAnnot SMPL-X pseudo ground truth for both splits.

Each person is a stand-in SMPL-X body in a mild standing pose (synthetic.bodies); its COCO-17
joints, projected by the entry's camera, are the labelled keypoints, and the image shows a stick
figure drawn exactly there. Some keypoints are marked
occluded (v=1), some unlabelled (v=0 at 0,0: a figure cut by the image border), one
image has a crowd region and a keypoint-less person, one has nobody (the reader skips it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from schemas.skeletons import COCO_KEYPOINTS, COCO_SKELETON
from synthetic.bodies import coco_joints, placement, project, sample_params
from synthetic.copies import copy_rng
from synthetic.figures import background, draw_figure

SPLITS = {"train": 96, "val": 24}
SMPLX_FILE = "MSCOCO_{split}_SMPLX_all_NeuralAnnot.json"
_SIZES = ((640, 480), (480, 640), (640, 427))
_COLORS = ((40, 40, 230), (40, 200, 40), (230, 120, 30), (200, 40, 200))


FOCAL = 1500.0
COPY_IDS = 10000  # copy r of --scale numbers its images from r * COPY_IDS on


@dataclass
class _Person:
    """One figure: its SMPL-X parameters and where the image wants it (ankles at `centre_x`,
    `feet_y`, `tall` px high); `cut` puts its feet below the image border."""

    params: dict
    centre_x: float
    feet_y: float
    tall: float


def _draw_person(rng: np.random.Generator, width: int, height: int, cut: bool) -> _Person:
    tall = rng.uniform(0.45, 0.8) * height
    feet = height + tall * 0.25 if cut else rng.uniform(tall + 10, height - 5)
    return _Person(sample_params(rng), rng.uniform(0.15, 0.85) * width, feet, tall)


def _camera(width: int, height: int) -> dict:
    return {"focal": [FOCAL, FOCAL], "princpt": [width / 2, height / 2]}


def _keypoints(pixels: np.ndarray, rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """[17, 3] COCO keypoints at the projected joints: outside the image unlabelled (0, 0, 0), some occluded."""
    keypoints = np.zeros((17, 3))
    keypoints[:, :2] = np.round(pixels, 1)
    inside = (pixels[:, 0] >= 0) & (pixels[:, 0] < width) & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)
    keypoints[:, 2] = np.where(inside, 2, 0)
    keypoints[inside & (rng.random(17) < 0.12), 2] = 1
    keypoints[keypoints[:, 2] == 0, :2] = 0
    return keypoints


def _posed(persons: list[tuple[_Person, dict]], model_file: Path) -> list[np.ndarray]:
    """Each person's projected COCO-17 joints [17, 2]; sets its `trans` so it stands where drawn."""
    if not persons:
        return []
    rest = coco_joints(model_file, [p.params for p, _ in persons])
    for (person, camera), joints in zip(persons, rest):
        person.params["trans"] = placement(joints, person.centre_x, person.feet_y, person.tall, **camera)
    shifted = rest + np.array([p.params["trans"] for p, _ in persons])[:, None]
    return [project(points, **camera) for points, (_, camera) in zip(shifted, persons)]


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


def _image(rng: np.random.Generator, width: int, height: int, persons: list[np.ndarray]) -> np.ndarray:
    image = background(height, width, rng)
    for index, keypoints in enumerate(persons):
        draw_figure(image, keypoints[:, :2], _COLORS[index % len(_COLORS)], visible=keypoints[:, 2] > 0)
    return image


def _copy(folder: Path, split_index: int, num_images: int, seed: int, model_file: Path, copy: int) -> tuple[list, list, dict]:
    """One copy of a split (see synthetic.copies; copy r's image ids are the plain ones + r * 10000):
    figures sampled, posed by SMPL-X in one batch, then labelled and drawn; (images, annotations, smplx)."""
    rng = copy_rng([seed, 2017, split_index], copy)
    layout = []  # (image_id, width, height, persons)
    for index in range(num_images):
        width, height = _SIZES[index % len(_SIZES)]
        persons = [] if index == 3 else [_draw_person(rng, width, height, cut=(k == 1 and index % 4 == 1))
                                         for k in range(1 + index % 3)]
        layout.append((COPY_IDS * copy + 1000 * (split_index + 1) + 7 * index + 1, width, height, persons))
    pixels = iter(_posed([(p, _camera(w, h)) for _, w, h, persons in layout for p in persons], model_file))
    draw = copy_rng([seed, 2017, split_index, 1], copy)
    images, annotations, smplx = [], [], {}
    for index, (image_id, width, height, persons) in enumerate(layout):
        figures = []
        for k, person in enumerate(persons):
            keypoints = _keypoints(next(pixels), draw, width, height)
            figures.append(keypoints)
            ann = _annotation(image_id * 10 + k, image_id, keypoints, width, height)
            annotations.append(ann)
            smplx[str(ann["id"])] = {"smplx_param": {**person.params, "lhand_valid": True, "rhand_valid": True,
                                                     "face_valid": bool(draw.random() < 0.8)},
                                     "cam_param": _camera(width, height)}
        if index == 5:  # a crowd region and a tiny person nobody labelled, as COCO has
            for k, bbox in ((8, [10.0, 10.0, 60.0, 40.0]), (9, [width - 40.0, 20.0, 12.0, 30.0])):
                annotations.append({
                    "id": image_id * 10 + k, "image_id": image_id, "category_id": 1, "iscrowd": int(k == 8),
                    "bbox": bbox, "area": bbox[2] * bbox[3], "segmentation": [[bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]]],
                    "num_keypoints": 0, "keypoints": [0] * 51,
                })
        file_name = f"{image_id:012d}.jpg"
        ok, jpeg = cv2.imencode(".jpg", _image(draw, width, height, figures), [cv2.IMWRITE_JPEG_QUALITY, 90])
        (folder / file_name).write_bytes(jpeg.tobytes())
        images.append({"id": image_id, "file_name": file_name, "width": width, "height": height, "license": 1,
                       "date_captured": "2013-11-14 11:18:45"})
    return images, annotations, smplx


def _split(out: Path, split: str, split_index: int, num_images: int, seed: int, model_file: Path, scale: int = 1) -> None:
    """One split's images and its two annotation files, `scale` copies of its items."""
    images, annotations, smplx = [], [], {}
    folder = out / f"{split}2017"
    folder.mkdir(parents=True, exist_ok=True)
    for copy in range(scale):
        more = _copy(folder, split_index, num_images, seed, model_file, copy)
        images += more[0]
        annotations += more[1]
        smplx.update(more[2])
    data = {
        "info": {"description": "PoseFoundry synthetic COCO person keypoints", "version": "1.0", "year": 2017},
        "licenses": [{"id": 1, "name": "synthetic", "url": ""}],
        "categories": [{"supercategory": "person", "id": 1, "name": "person", "keypoints": COCO_KEYPOINTS,
                        "skeleton": [[a + 1, b + 1] for a, b in COCO_SKELETON]}],
        "images": images, "annotations": annotations,
    }
    (out / "annotations" / f"person_keypoints_{split}2017.json").write_text(json.dumps(data))
    (out / "annotations" / SMPLX_FILE.format(split=split)).write_text(json.dumps(smplx, sort_keys=True))


def generate(out: Path, seed: int, body_models: dict[str, Path], scale: int = 1) -> int:
    """Write the tree (persons posed by the SMPL-X model in `body_models['smplx']`), `scale` times
    the images; returns the number of images."""
    out = Path(out)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    for split_index, (split, num_images) in enumerate(SPLITS.items()):
        _split(out, split, split_index, num_images, seed, Path(body_models["smplx"]), scale)
    return sum(SPLITS.values()) * scale
