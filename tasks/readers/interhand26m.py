"""InterHand2.6M (data/camera/joint_3d/MANO JSON) -> hand-clip shards.

Joints go from world to camera frame with the image's camera (X_cam = camrot . (X_world - campos))
and from InterHand's tip-first order to the common wrist-first one. An item is T consecutive
annotated frames of one hand seen by one camera; an interacting frame holds both hands, so it feeds
a right-hand clip and a left-hand clip. MANO parameters (world frame) get their global rotation
turned into the camera frame.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np

from schemas.shards import HAND_CLIP
from pydantic import Field

from tasks.readers import options
from tasks.shards.annotations import read_json
from tasks.shards.handclip import HandFrame, clip_windows, hand_clip_sample
from tasks.items import Item, ItemError
from tasks.shards.mano import AXIS_ANGLE, rotate_global

OUTPUT = "shards"
KIND = HAND_CLIP


class Options(options.HandClipOptions):
    annotations: str = Field("annotations/{split}/InterHand2.6M_{split}_{part}.json", description="{split} and {part} fill it")
    images: str = Field("images/{split}", description="image folder of a split")
    hand_types: list[Literal["right", "left", "interacting"]] = Field(["right", "left", "interacting"], description="frames of these hand types")
    fps: float = Field(30.0, gt=0, description="frame rate, for clip timestamps")


OPTIONS = Options().model_dump()
PARTS = ("data", "camera", "joint_3d")
MANO_PART = "MANO_NeuralAnnot"
SIDES = {"right": 0, "left": 21}
# common index -> InterHand index within one hand (InterHand: thumb4..1, index4..1, ..., pinky4..1, wrist)
TO_COMMON = [20] + [4 * finger + 3 - i for finger in range(5) for i in range(4)]

log = logging.getLogger(__name__)


def _name(opts: dict[str, Any], split: str, part: str) -> str:
    return opts["annotations"].format(split=split, part=part)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _mano_table(root: Path, split: str, opts: dict[str, Any]) -> dict[str, Any]:
    name = _name(opts, split, MANO_PART)
    if not (Path(root) / name).is_file():
        log.warning("no MANO annotations for split %s (%s not found): clips get has_mano = 0", split, name)
        return {}
    return read_json(root, name)


def _frame(image: dict, ann: dict, cameras: dict, joints: dict, mano: dict, side: str) -> dict[str, Any]:
    """The slice of annotation one frame of one hand needs, or a 'problem' saying what is missing."""
    capture, cam, frame = str(image.get("capture")), str(image.get("camera")), str(image.get("frame_idx"))
    offset = SIDES[side]
    record = {"image_id": image.get("id"), "file_name": image.get("file_name"), "frame_idx": image.get("frame_idx"),
              "width": image.get("width"), "height": image.get("height"), "hand_type": ann.get("hand_type"),
              "joint_valid": [v[0] if isinstance(v, list) else v for v in ann.get("joint_valid", [])][offset:offset + 21]}
    try:
        camera = cameras[capture]
        record["camera"] = {k: camera[k][cam] for k in ("campos", "camrot", "focal", "princpt")}
    except (KeyError, TypeError):
        record["problem"] = (f"camera {cam} of capture {capture}", "no such camera in the camera file")
        return record
    try:
        record["world"] = joints[capture][frame]["world_coord"][offset:offset + 21]
    except (KeyError, TypeError):
        record["problem"] = (f"frame {frame} of capture {capture}", "no such frame in the joint_3d file")
        return record
    hand = (mano.get(capture) or {}).get(frame) if isinstance(mano, dict) else None
    record["mano"] = hand.get(side) if isinstance(hand, dict) else None
    return record


def enumerate_items(root: Path, split: str, opts: dict[str, Any]) -> list[Item]:
    names = {part: _name(opts, split, part) for part in PARTS}
    data, cameras, joints = (read_json(root, names[part]) for part in PARTS)
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) or not isinstance(data.get("annotations"), list):
        raise ItemError(names["data"], "expected keys 'images' and 'annotations' (lists)")
    mano = _mano_table(root, split, opts)
    anns = {a.get("image_id"): a for a in data["annotations"] if isinstance(a, dict)}
    streams: dict[tuple, list[tuple[int, dict]]] = {}
    for image in data["images"]:
        if not isinstance(image, dict) or image.get("id") not in anns:
            continue
        ann = anns[image["id"]]
        if ann.get("hand_type") not in opts["hand_types"]:
            continue
        try:
            frame_idx = int(image["frame_idx"])
        except (KeyError, TypeError, ValueError):
            log.warning("%s: skipping image %s without an integer frame_idx", names["data"], image.get("id"))
            continue
        for side in SIDES:
            stream = (str(image.get("capture")), str(image.get("seq_name")), str(image.get("camera")), side)
            record = _frame(image, ann, cameras, joints, mano, side)
            present = ann.get("hand_type") in (side, "interacting") and any(record["joint_valid"])
            streams.setdefault(stream, []).append((frame_idx, record if present else {}))
    image_dir = opts["images"]
    clip = opts["clip"]
    items = []
    for (capture, seq, cam, side), frames in sorted(streams.items()):
        frames.sort(key=lambda f: f[0])
        for window in clip_windows([bool(r) for _, r in frames], int(clip["length"]), int(clip["stride"])):
            records = [frames[i][1] for i in window]
            first = records[0]["frame_idx"]
            items.append(Item(
                key=f"interhand26m-{split}-cap{_safe(capture)}-{_safe(seq)}-cam{_safe(cam)}-{side}-{first}",
                files=tuple((Path(image_dir.format(split=split)) / str(r["file_name"])).as_posix() for r in records),
                data={"split": split, "side": side, "capture": capture, "seq_name": seq, "camera": cam,
                      "annotation_files": names, "frames": records},
            ))
    return sorted(items, key=lambda item: item.key)


def _hand_frame(image_path: str, record: dict, fps: float, data_file: str) -> HandFrame:
    if "problem" in record:
        what, reason = record["problem"]
        raise ItemError(data_file, f"image {record['image_id']}: {what}: {reason}")
    camera = record["camera"]
    rot = np.asarray(camera["camrot"], dtype=np.float64).reshape(3, 3)
    pos = np.asarray(camera["campos"], dtype=np.float64).reshape(3)
    world = np.asarray(record["world"], dtype=np.float64).reshape(21, 3)[TO_COMMON]
    valid = np.asarray(record["joint_valid"], dtype=np.float64).reshape(21)[TO_COMMON]
    frame = HandFrame(
        image=image_path,
        joint_cam=(world - pos) @ rot.T,
        joint_valid=valid,
        focal=np.asarray(camera["focal"], dtype=np.float64).reshape(2),
        princpt=np.asarray(camera["princpt"], dtype=np.float64).reshape(2),
        timestamp=float(record["frame_idx"]) / fps,
        width=record["width"], height=record["height"],
        annotation=data_file,
    )
    mano = record.get("mano")
    if mano:
        frame.mano_pose = rotate_global(np.asarray(mano["pose"], dtype=np.float64).reshape(48), rot)
        frame.mano_shape = np.asarray(mano["shape"], dtype=np.float64).reshape(10)
        frame.has_mano = 1.0
    return frame


def load_records(root: Path, item: Item, opts: dict[str, Any]) -> list[dict[str, Any]]:
    data = item.data
    data_file = data["annotation_files"]["data"]
    try:
        frames = [_hand_frame(path, record, float(opts["fps"]), data_file)
                  for path, record in zip(item.files, data["frames"])]
    except (ValueError, TypeError, KeyError) as err:
        raise ItemError(data_file, f"clip {item.key}: annotation does not parse: {type(err).__name__}: {err}") from None
    extra = {
        "mano_pose_format": AXIS_ANGLE,
        "capture": data["capture"], "seq_name": data["seq_name"], "camera": data["camera"],
        "frames": [{"image_id": r["image_id"], "frame_idx": r["frame_idx"], "hand_type": r["hand_type"]} for r in data["frames"]],
        "interacting": any(r["hand_type"] == "interacting" for r in data["frames"]),
    }
    return [hand_clip_sample(
        root, item.key, frames, handedness=data["side"], data_source="interhand26m", source_split=data["split"],
        crop=opts["crop"], margin=float(opts["image_margin"]), extra=extra,
    )]
