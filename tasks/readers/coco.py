"""COCO person keypoints (+ optional NeuralAnnot SMPL-X) -> person-image shards.

One item per image; its sample keeps the original JPEG bytes and a JSON with every person
annotation of the image (crowd and keypoint-less ones included, so counts match the source).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, Optional, Sequence

from pydantic import Field

from schemas.shards import PERSON_IMAGE, SMPLX_PARAMS
from schemas.skeletons import COCO_KEYPOINTS

from tasks.readers import options
from tasks.shards.annotations import object_members, parse, read_json
from tasks.shards.images import check_jpeg, read_bytes
from tasks.shards.tarball import json_member
from tasks.items import Item, ItemError

OUTPUT = "shards"
KIND = PERSON_IMAGE


class Options(options.ImageOptions):
    annotations: str = Field("annotations/person_keypoints_{split}2017.json", description="keypoint annotation file of a split")
    images: str = Field("{split}2017", description="image folder of a split")
    smplx_annotations: Optional[str] = Field(None, description="NeuralAnnot SMPL-X file of a split (optional per split)")
    require_keypoints: bool = Field(True, description="only images with at least one labelled person")
    image_margin: float = Field(0.0, ge=0, description="pixels a keypoint may lie outside the image before it is flagged")


OPTIONS = Options().model_dump()
PERSON_CATEGORY = 1
_ANNOTATION_FIELDS = ("id", "bbox", "area", "iscrowd", "keypoints", "num_keypoints")

log = logging.getLogger(__name__)


def _smplx_for_split(root: Path, split: str, opts: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Annotation id -> its SMPL-X fit as JSON text (parsed by the item that needs it)."""
    pattern = opts.get("smplx_annotations")
    if not pattern:
        return "", {}
    name = pattern.format(split=split)
    if not (Path(root) / name).is_file():
        log.warning("no SMPL-X pseudo ground truth for split %s (%s not found): persons get none", split, name)
        return "", {}
    return name, dict(object_members(root, name))


def enumerate_items(root: Path, split: str, opts: dict[str, Any]) -> list[Item]:
    ann_name = opts["annotations"].format(split=split)
    data = read_json(root, ann_name)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) or not isinstance(data.get("annotations"), list):
        raise ItemError(ann_name, "expected COCO keys 'images' and 'annotations' (lists)")
    smplx_name, smplx = _smplx_for_split(root, split, opts)
    by_image: dict[Any, list[dict]] = {}
    for ann in data["annotations"]:
        if isinstance(ann, dict) and ann.get("category_id", PERSON_CATEGORY) == PERSON_CATEGORY:
            by_image.setdefault(ann.get("image_id"), []).append(ann)
    image_ids = {image.get("id") for image in data["images"] if isinstance(image, dict)}
    image_dir = opts["images"].format(split=split)
    items = []
    for image in data["images"]:
        if not isinstance(image, dict) or not isinstance(image.get("id"), int) or not isinstance(image.get("file_name"), str):
            log.warning("%s: skipping an image entry without an integer id and a file_name: %.200r", ann_name, image)
            continue
        anns = by_image.get(image["id"], [])
        if opts["require_keypoints"] and not any(_labelled(a) for a in anns):
            continue
        persons = [{k: a[k] for k in _ANNOTATION_FIELDS if k in a} for a in anns]
        item_smplx = {str(a.get("id")): smplx[str(a.get("id"))] for a in anns if str(a.get("id")) in smplx}
        items.append(Item(
            key=f"coco-{split}-{image['id']}",
            files=((Path(image_dir) / image["file_name"]).as_posix(),),
            data={
                "split": split, "annotation_file": ann_name, "smplx_file": smplx_name,
                "image": {k: image.get(k) for k in ("id", "file_name", "width", "height")},
                "persons": persons, "smplx": item_smplx,
            },
        ))
    orphans = [a.get("id") for image_id, anns in by_image.items() if image_id not in image_ids for a in anns]
    if orphans:  # counted as one failed item, so they cannot vanish unseen
        items.append(Item(f"coco-{split}-orphans", (ann_name,), {"annotation_file": ann_name, "orphans": orphans}))
    return sorted(items, key=lambda item: item.key)


def _labelled(ann: dict) -> bool:
    """Has labelled keypoints; an invalid count also counts, so that its item fails visibly."""
    count = ann.get("num_keypoints")
    if isinstance(count, int) and not isinstance(count, bool):
        return count != 0
    kpts = ann.get("keypoints")
    return not isinstance(kpts, list) or any(v > 0 for v in kpts[2::3] if isinstance(v, (int, float)))


_VISIBILITY = {0, 1, 2}  # 1.0 and 2.0 are in it too, as in the source's arithmetic
_NUMBER_TYPES = {int, float}  # exact types: JSON gives no subclasses, and a bool is not a number here


def _numbers(where: str, name: str, value: Any, count: int) -> list[float]:
    """The source's numbers as they are (ints stay ints, floats keep their digits), or ItemError."""
    if not isinstance(value, list) or len(value) != count or not set(map(type, value)) <= _NUMBER_TYPES:
        got = f"{len(value)} values" if isinstance(value, list) else type(value).__name__
        raise ItemError(where, f"{name} has {got}, expected {count} numbers")
    if not all(map(math.isfinite, value)):
        raise ItemError(where, f"{name} holds a non-finite number (NaN or Infinity): {value}")
    return value


def outside_image(keypoints: Sequence[Sequence[float]], bbox: list[float], width: int, height: int, margin: float) -> list[str]:
    """What of a person lies outside the image: labelled keypoints by name, and 'bbox'. Real
    annotations have both (a foot below the frame); they are kept and flagged, never dropped."""
    flags = [COCO_KEYPOINTS[i] for i, (x, y, v) in enumerate(keypoints)
             if v > 0 and not (-margin <= x <= width + margin and -margin <= y <= height + margin)]
    x, y, w, h = bbox
    if x < -margin or y < -margin or x + w > width + margin or y + h > height + margin:
        flags.append("bbox")
    return flags


def _person(ann: dict, image: dict, ann_file: str, margin: float) -> dict[str, Any]:
    where = f"annotation {ann.get('id')} of image {image['id']}"
    if not isinstance(ann.get("id"), int):
        raise ItemError(ann_file, f"{where}: id is {ann.get('id')!r}, expected an integer")
    bbox = _numbers(ann_file, f"{where}: bbox", ann.get("bbox"), 4)
    flat = _numbers(ann_file, f"{where}: keypoints", ann.get("keypoints"), 3 * len(COCO_KEYPOINTS))
    if not set(flat[2::3]) <= _VISIBILITY:
        raise ItemError(ann_file, f"{where}: keypoint visibility must be 0, 1 or 2")
    keypoints = [flat[i:i + 3] for i in range(0, len(flat), 3)]
    area = ann.get("area", bbox[2] * bbox[3])
    if isinstance(area, bool) or not isinstance(area, (int, float)) or not math.isfinite(area):
        raise ItemError(ann_file, f"{where}: area is {area!r}, expected a finite number")
    num_keypoints = ann.get("num_keypoints", sum(v > 0 for v in flat[2::3]))
    if isinstance(num_keypoints, bool) or not isinstance(num_keypoints, int) or not 0 <= num_keypoints <= len(COCO_KEYPOINTS):
        raise ItemError(ann_file, f"{where}: num_keypoints is {num_keypoints!r}, expected an integer from 0 to {len(COCO_KEYPOINTS)}")
    return {
        "id": ann["id"],
        "bbox": bbox,
        "area": area,
        "iscrowd": int(ann.get("iscrowd", 0)),
        "num_keypoints": num_keypoints,
        "keypoints": keypoints,
        "outside_image": outside_image(keypoints, bbox, image["width"], image["height"], margin),
    }


def _smplx(entry: Any, where: str, smplx_file: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("smplx_param"), dict) or not isinstance(entry.get("cam_param"), dict):
        raise ItemError(smplx_file, f"{where}: expected 'smplx_param' and 'cam_param' objects")
    params, cam = entry["smplx_param"], entry["cam_param"]
    out = {name: _numbers(smplx_file, f"{where}: smplx_param.{name}", params.get(name), size) for name, size in SMPLX_PARAMS.items()}
    for flag in ("lhand_valid", "rhand_valid", "face_valid"):
        if flag in params:
            out[flag] = bool(params[flag])
    out["cam"] = {name: _numbers(smplx_file, f"{where}: cam_param.{name}", cam.get(name), 2) for name in ("focal", "princpt")}
    return out


def load_records(root: Path, item: Item, opts: dict[str, Any]) -> list[dict[str, Any]]:
    if "orphans" in item.data:
        orphans = item.data["orphans"]
        raise ItemError(item.data["annotation_file"], f"{len(orphans)} person annotation(s) name no image of the split "
                                                      f"(missing or unknown image_id): ids {orphans[:10]}")
    image = item.data["image"]
    ann_file = item.data["annotation_file"]
    name = item.files[0]
    if not isinstance(image.get("width"), int) or not isinstance(image.get("height"), int):
        raise ItemError(ann_file, f"image {image['id']}: width and height must be integers")
    data = read_bytes(root, name)
    check_jpeg(data, name, image["width"], image["height"])
    persons = []
    for ann in item.data["persons"]:
        person = _person(ann, image, ann_file, float(opts["image_margin"]))
        if str(person["id"]) in item.data["smplx"]:
            entry = parse(item.data["smplx"][str(person["id"])])
            person["smplx"] = _smplx(entry, f"annotation {person['id']}", item.data["smplx_file"])
        persons.append(person)
    meta = {
        "image_id": image["id"], "file_name": image["file_name"], "width": image["width"], "height": image["height"],
        "persons": persons, "data_source": "coco", "source_split": item.data["split"], "source_path": name,
    }
    return [{"__key__": item.key, "jpg": data, "json": json_member(meta)}]
