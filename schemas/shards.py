"""WebDataset sample layouts: person images (COCO) and hand clips (InterHand2.6M, DexYCB).

A sample is the dict webdataset yields before decoding: member extension -> bytes, plus `__key__`.
wids spells the same keys with a leading dot; both are accepted.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any, Mapping

import numpy as np
import orjson

from schemas.errors import Problem, raise_if

PERSON_IMAGE = "person_image"
HAND_CLIP = "hand_clip"
KINDS = (PERSON_IMAGE, HAND_CLIP)

NUM_HAND_JOINTS = 21
# One joint order for every hand source: 1 = base, 4 = tip.
HAND_JOINTS = ["wrist"] + [f"{f}{i}" for f in ("thumb", "index", "middle", "ring", "pinky") for i in range(1, 5)]
HAND_SKELETON = [(0, 1 + 4 * f) for f in range(5)] + [
    (1 + 4 * f + i, 2 + 4 * f + i) for f in range(5) for i in range(3)
]

# Per-frame shapes of the float32 arrays of a hand clip; every array has a leading T.
HAND_ARRAYS: dict[str, tuple[int, ...]] = {
    "joint_img": (NUM_HAND_JOINTS, 2),
    "joint_cam": (NUM_HAND_JOINTS, 3),
    "joint_valid": (NUM_HAND_JOINTS,),
    "hand_bbox": (4,),
    "focal": (2,),
    "princpt": (2,),
    "mano_pose": (48,),
    "mano_shape": (10,),
    "has_mano": (),
    "timestamp": (),
}
# What each array means: its coordinate frame and units (the README's Outputs section says the same).
HAND_ARRAY_UNITS: dict[str, str] = {
    "joint_img": "crop pixels (x, y) of the frame's crop; pixel centres at integers",
    "joint_cam": "camera frame, millimetres (x right, y down, z forward)",
    "joint_valid": "1 where the source labels the joint, else 0",
    "hand_bbox": "x1 y1 x2 y2, pixels of the source image",
    "focal": "fx fy of the crop's camera, crop pixels",
    "princpt": "cx cy of the crop's camera, crop pixels",
    "mano_pose": "axis-angle, radians, camera frame (48 = global 3 + 15 joints x 3)",
    "mano_shape": "MANO betas (unitless)",
    "has_mano": "1 where MANO parameters exist, else 0",
    "timestamp": "seconds from the sequence start",
}
# A COCO person in the json member: as in the source annotation, plus what the build flags.
PERSON_UNITS: dict[str, str] = {
    "bbox": "x y w h, pixels of the image (COCO's xywh, as in the source)",
    "keypoints": "[17][3]: x, y in image pixels, visibility 0/1/2, as in the source",
    "area": "pixels squared, as in the source",
    "outside_image": "names of labelled keypoints (and 'bbox') lying outside the image: kept, flagged",
}
HAND_JSON_KEYS = {"handedness": str, "data_source": str, "source_split": str, "source_paths": list, "crop": dict}

SMPLX_PARAMS: dict[str, int] = {
    "root_pose": 3, "body_pose": 63, "lhand_pose": 45, "rhand_pose": 45,
    "jaw_pose": 3, "shape": 10, "expr": 10, "trans": 3,
}
# COCO-17 keypoints from SMPL-X's joints (55 skeleton joints, then smplx's vertex joints: nose 55,
# reye 56, leye 57, rear 58, lear 59): how NeuralAnnot's fits project onto COCO's labels
COCO_FROM_SMPLX = (55, 57, 56, 59, 58, 16, 17, 18, 19, 20, 21, 1, 2, 4, 5, 7, 8)
PERSON_KEYS = {"id": int, "bbox": list, "area": (int, float), "iscrowd": int, "keypoints": list}
IMAGE_KEYS = {"image_id": int, "file_name": str, "width": int, "height": int, "persons": list}
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+$")


def frame_member(t: int) -> str:
    return f"frame{t:02d}.jpg"


def normalise(sample: Mapping[str, Any]) -> dict[str, Any]:
    """webdataset's and wids' spellings of member keys, made one."""
    return {k if k.startswith("__") else k.lstrip("."): v for k, v in sample.items()}


def _bytes(value: Any) -> bytes:
    return value.getvalue() if isinstance(value, io.BytesIO) else bytes(value)


def load_npy(value: Any) -> np.ndarray:
    return np.load(io.BytesIO(_bytes(value)), allow_pickle=False)


def dump_npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def _non_finite_at(value: Any, where: str = "") -> str | None:
    """Where (like `persons[0].area`) the first NaN or Infinity sits in parsed JSON, if anywhere."""
    if isinstance(value, float) and not np.isfinite(value):
        return where or "the top level"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, item in items:
        found = _non_finite_at(item, f"{where}.{name}".lstrip(".") if isinstance(name, str) else f"{where}[{name}]")
        if found:
            return found
    return None


class NonFiniteJSON(ValueError):
    """NaN or Infinity in a json member: Python's json reads them, JSON (and other readers) do not."""


def _no_constant(name: str) -> Any:
    raise NonFiniteJSON(f"{name} is not valid JSON")


def load_json(value: Any) -> Any:
    """A json member's data; ValueError when it does not parse, NonFiniteJSON (naming where the
    first one sits) when it holds NaN or Infinity."""
    data = _bytes(value)
    try:
        return orjson.loads(data)  # strict JSON, several times faster; json says what is wrong
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data, parse_constant=_no_constant)
    except NonFiniteJSON as err:
        raise NonFiniteJSON(f"{err}: a non-finite number at {_non_finite_at(json.loads(data))}") from None


def _typed(where: str, data: Mapping[str, Any], spec: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for key, kind in spec.items():
        if key not in data:
            problems.append(Problem(where, f"missing key {key!r}"))
        elif not isinstance(data[key], kind) or isinstance(data[key], bool):
            problems.append(Problem(f"{where} key {key!r}", f"is {type(data[key]).__name__}, expected {kind}"))
    return problems


def _person_problems(where: str, person: Any, width: int, height: int) -> list[Problem]:
    if not isinstance(person, dict):
        return [Problem(where, "expected an object")]
    problems = _typed(where, person, PERSON_KEYS)
    if problems:
        return problems
    if len(person["bbox"]) != 4:
        problems.append(Problem(f"{where} key 'bbox'", f"has {len(person['bbox'])} values, expected 4 (x, y, w, h)"))
    kpts = np.asarray(person["keypoints"], dtype=np.float64)
    if kpts.shape != (17, 3):
        problems.append(Problem(f"{where} key 'keypoints'", f"has shape {list(kpts.shape)}, expected [17, 3]"))
    elif not np.isin(kpts[:, 2], [0, 1, 2]).all():
        problems.append(Problem(f"{where} key 'keypoints'", "visibility must be 0, 1 or 2"))
    if "smplx" in person:
        smplx = person["smplx"]
        for name, size in SMPLX_PARAMS.items():
            if len(smplx.get(name, [])) != size:
                problems.append(Problem(f"{where} key 'smplx.{name}'", f"expected {size} values"))
        for name in ("focal", "princpt"):
            if len(smplx.get("cam", {}).get(name, [])) != 2:
                problems.append(Problem(f"{where} key 'smplx.cam.{name}'", "expected 2 values"))
    return problems


def person_image_problems(sample: Mapping[str, Any]) -> list[Problem]:
    sample = normalise(sample)
    key = str(sample.get("__key__", "?"))
    problems = [Problem(f"sample {key}", f"missing member {m!r}") for m in ("jpg", "json") if m not in sample]
    if problems:
        return problems
    if not _bytes(sample["jpg"]).startswith(b"\xff\xd8"):
        problems.append(Problem(f"sample {key} member 'jpg'", "is not a JPEG"))
    try:
        meta = load_json(sample["json"])
    except ValueError as err:
        return problems + [Problem(f"sample {key} member 'json'", f"does not parse: {err}")]
    problems += _typed(f"sample {key} json", meta, IMAGE_KEYS)
    if problems:
        return problems
    for i, person in enumerate(meta["persons"]):
        problems += _person_problems(f"sample {key} json persons[{i}]", person, meta["width"], meta["height"])
    return problems


def hand_clip_problems(sample: Mapping[str, Any]) -> list[Problem]:
    sample = normalise(sample)
    key = str(sample.get("__key__", "?"))
    problems = []
    lengths = set()
    for name, shape in HAND_ARRAYS.items():
        member = f"{name}.npy"
        if member not in sample:
            problems.append(Problem(f"sample {key}", f"missing member {member!r}"))
            continue
        try:
            array = load_npy(sample[member])
        except ValueError as err:
            problems.append(Problem(f"sample {key} member {member!r}", f"is not a .npy array: {err}"))
            continue
        if array.dtype != np.float32 or array.ndim != len(shape) + 1 or array.shape[1:] != shape:
            problems.append(
                Problem(f"sample {key} member {member!r}", f"is {array.dtype} {list(array.shape)}, expected float32 [T, {', '.join(map(str, shape))}]".replace(", ]", "]"))
            )
            continue
        lengths.add(array.shape[0])
    if len(lengths) > 1:
        problems.append(Problem(f"sample {key}", f"arrays disagree on T: {sorted(lengths)}"))
    if len(lengths) == 1:
        (t,) = lengths
        missing = [frame_member(i) for i in range(t) if frame_member(i) not in sample]
        if missing:
            problems.append(Problem(f"sample {key}", f"missing frame member(s) {missing}"))
    if "json" not in sample:
        return problems + [Problem(f"sample {key}", "missing member 'json'")]
    try:
        meta = load_json(sample["json"])
    except ValueError as err:
        return problems + [Problem(f"sample {key} member 'json'", f"does not parse: {err}")]
    problems += _typed(f"sample {key} json", meta, HAND_JSON_KEYS)
    if meta.get("handedness") not in ("right", "left", None):
        problems.append(Problem(f"sample {key} json key 'handedness'", f"is {meta['handedness']!r}, expected 'right' or 'left'"))
    return problems


SAMPLE_CHECKS = {PERSON_IMAGE: person_image_problems, HAND_CLIP: hand_clip_problems}


def sample_problems(sample: Mapping[str, Any], kind: str) -> list[Problem]:
    if kind not in SAMPLE_CHECKS:
        raise ValueError(f"unknown sample kind {kind!r}; expected one of {list(KINDS)}")
    return SAMPLE_CHECKS[kind](sample)


def validate_sample(sample: Mapping[str, Any], kind: str) -> None:
    raise_if(f"sample {normalise(sample).get('__key__', '?')}", sample_problems(sample, kind))
