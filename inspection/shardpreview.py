"""`shards preview`: a person image with every person's box, keypoints and skeleton, or a hand
clip as a strip of its frames with the 21 joints and bones drawn on each."""

from __future__ import annotations

import json

import cv2
import numpy as np

from inspection.drawing import PALETTE, Picture, Tile, draw_body, draw_box, draw_hand, layout, line_width, with_caption
from schemas.shards import HAND_CLIP, PERSON_IMAGE, frame_member, load_npy
from tasks.shards.reading import Sample


class PreviewError(ValueError):
    """A sample that cannot be drawn; the message names the sample and the member."""


def _decode(sample: Sample, member: str) -> np.ndarray:
    data = sample.members.get(member)
    if data is None:
        raise PreviewError(f"sample {sample.key}: missing member {member!r}")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise PreviewError(f"sample {sample.key} member {member!r}: does not decode as an image")
    return image


def _meta(sample: Sample) -> dict:
    try:
        meta = json.loads(sample.members.get("json") or b"")
    except ValueError as err:
        raise PreviewError(f"sample {sample.key} member 'json': does not parse: {err}") from None
    if not isinstance(meta, dict):
        raise PreviewError(f"sample {sample.key} member 'json': not an object")
    return meta


def _array(sample: Sample, name: str, shape: tuple[int, ...]) -> np.ndarray:
    member = f"{name}.npy"
    data = sample.members.get(member)
    if data is None:
        raise PreviewError(f"sample {sample.key}: missing member {member!r}")
    try:
        array = load_npy(data)
    except ValueError as err:
        raise PreviewError(f"sample {sample.key} member {member!r}: not a .npy array: {err}") from None
    if array.ndim != len(shape) + 1 or array.shape[1:] != shape:
        raise PreviewError(f"sample {sample.key} member {member!r}: shape {list(array.shape)}, expected [T, {', '.join(map(str, shape))}]")
    return array


def person_preview(sample: Sample) -> Picture:
    image = _decode(sample, "jpg")
    meta = _meta(sample)
    thickness = line_width(*image.shape[:2])
    persons = [p for p in meta.get("persons", []) if isinstance(p, dict)]
    notes = []
    for index, person in enumerate(persons):
        color = PALETTE[index % len(PALETTE)]
        x, y, w, h = (list(person.get("bbox", [])) + [0, 0, 0, 0])[:4]
        draw_box(image, (x, y, x + w, y + h), color, 1)
        kpts = np.asarray(person.get("keypoints", []), dtype=np.float64)
        if kpts.shape != (17, 3):
            notes.append(f"person {person.get('id')}: keypoints of shape {list(kpts.shape)} not drawn")
            continue
        radius = max(1.5, float(np.sqrt(max(w, 0) * max(h, 0))) / 30)
        draw_body(image, kpts[:, :2], kpts[:, 2] > 0, color, thickness, occluded=kpts[:, 2] == 1, radius=radius)
    height, width = image.shape[:2]
    labelled = sum(int((np.asarray(p.get("keypoints", [[0, 0, 0]]))[..., -1] > 0).sum()) for p in persons)
    caption = [f"{sample.key}  {width}x{height}", f"{len(persons)} person(s), {labelled} labelled keypoints"]
    return Picture(with_caption(image, caption), [Tile(sample.key, 0, 0, 1.0, width, height)], notes)


def hand_preview(sample: Sample, columns: int = 8) -> Picture:
    joints = _array(sample, "joint_img", (21, 2))
    valid = _array(sample, "joint_valid", (21,))
    if len(joints) != len(valid):
        raise PreviewError(f"sample {sample.key}: joint_img has {len(joints)} frames, joint_valid {len(valid)}")
    meta = _meta(sample)
    frames = []
    for t in range(len(joints)):
        frame = _decode(sample, frame_member(t))
        draw_hand(frame, joints[t], valid[t] > 0, line_width(*frame.shape[:2]))
        frames.append(frame)
    sheet, corners = layout(frames, columns)
    tiles = [Tile(frame_member(t), x, y, 1.0, f.shape[1], f.shape[0]) for t, ((x, y), f) in enumerate(zip(corners, frames))]
    caption = [
        f"{sample.key}  {meta.get('handedness')} hand, {meta.get('data_source')} ({meta.get('source_split')})",
        f"{len(frames)} frame(s), {int((valid > 0).sum())} of {valid.size} joints valid",
    ]
    return Picture(with_caption(sheet, caption), tiles)


def preview_sample(sample: Sample, kind: str, columns: int = 8) -> Picture:
    if kind == PERSON_IMAGE:
        return person_preview(sample)
    if kind == HAND_CLIP:
        return hand_preview(sample, columns)
    raise PreviewError(f"sample {sample.key}: no preview for layout {kind!r}")
