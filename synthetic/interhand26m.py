"""A synthetic InterHand2.6M tree in the real layout:
`annotations/{split}/InterHand2.6M_{split}_{data,camera,joint_3d,MANO_NeuralAnnot}.json` and
`images/{split}/Capture{c}/{seq_name}/cam{cam}/image{frame}.jpg`.

Hands move smoothly through each sequence; their joints are what the stand-in MANO model gives for
the written MANO parameters (world frame, mm, InterHand's tip-first order), every camera sees them
through the written camrot/campos/focal/princpt, and each image shows the hands drawn at exactly
the projected joints. Sequences: one-hand (right), interacting, and interacting with a frame where
only the left hand is annotated.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from schemas.shards import HAND_JOINTS
from synthetic.copies import copy_rng
from synthetic.figures import background
from synthetic.hands import ManoHands, draw_hand, look_at, project

# InterHand2.6M's per-hand joint order: tips first, wrist last
INTERHAND_NAMES = [f"{f}{i}" for f in ("thumb", "index", "middle", "ring", "pinky") for i in (4, 3, 2, 1)] + ["wrist"]
FROM_COMMON = [HAND_JOINTS.index(name) for name in INTERHAND_NAMES]

# split -> capture -> sequences (name, hand types per frame)
FRAMES = 6
SEQUENCES = {
    "train": {0: [("0000_neutral_relaxed", ["right"] * FRAMES), ("0051_dinosaur", ["interacting"] * FRAMES)]},
    "val": {1: [("0017_fist_touch", ["interacting", "interacting", "left", "interacting", "interacting", "interacting"])]},
}
CAMERAS = {"400262": ((334, 512), (0.0, -60.0, -760.0)), "400314": ((512, 334), (380.0, -40.0, -660.0))}
FOCAL = 700.0
FRAME_STEP = 3
COPY_CAPTURES = 2  # copy r of --scale films captures c + 2 r (train even, val odd, as in the plain sample)
_ABSENT = [1.0, 1.0, 1.0]  # what the real files hold for joints of an absent hand


def _cameras(rng: np.random.Generator) -> dict:
    camera = {"campos": {}, "camrot": {}, "focal": {}, "princpt": {}}
    for name, ((width, height), position) in CAMERAS.items():
        position = np.asarray(position) + rng.normal(0, 5, 3)
        camera["campos"][name] = [round(float(v), 4) for v in position]
        camera["camrot"][name] = [[round(float(v), 8) for v in row] for row in look_at(position, np.zeros(3))]
        camera["focal"][name] = [FOCAL + round(float(rng.normal(0, 3)), 3), FOCAL + round(float(rng.normal(0, 3)), 3)]
        camera["princpt"][name] = [width / 2 + round(float(rng.normal(0, 2)), 3), height / 2 + round(float(rng.normal(0, 2)), 3)]
    return camera


def _mano_params(rng: np.random.Generator, side: str, phase: float, shape: np.ndarray) -> dict:
    """A hand held up with its palm to the cameras, fingers curling and opening with `phase`."""
    sign = 1.0 if side == "right" else -1.0
    wave = np.sin(2 * np.pi * phase)
    root = np.array([0.15 * wave, 0.2 * sign * wave, 0.1 * sign])
    curl = 0.25 + 0.25 * wave
    fingers = np.zeros((15, 3))
    fingers[:12, 0] = -curl  # index, middle, pinky, ring: flex towards the palm
    fingers[12:, 2] = -0.5 * curl  # thumb: swing towards the index finger
    fingers = fingers.reshape(45) + rng.normal(0, 0.02, 45)
    trans = np.array([0.09 * sign, -0.09, 0.0]) + 0.01 * np.array([np.sin(6 * phase), np.cos(5 * phase), 0.0])
    pose = np.concatenate([root, fingers])
    return {"pose": [round(float(v), 6) for v in pose], "shape": [round(float(v), 6) for v in shape],
            "trans": [round(float(v), 6) for v in trans]}


def _split(out: Path, split: str, copies: list[tuple[dict, np.random.Generator]], hands: ManoHands, image_id: int) -> tuple[int, int]:
    """One split's images and annotation files; `copies` are (captures, random stream) pairs."""
    data = {"images": [], "annotations": []}
    cameras, joints_3d, mano = {}, {}, {}
    count = 0
    for capture, sequences, rng in ((c, s, rng) for captures, rng in copies for c, s in captures.items()):
        camera = cameras[str(capture)] = _cameras(rng)
        joints_3d[str(capture)], mano[str(capture)] = {}, {}
        shape = {side: rng.normal(0, 0.3, 10) for side in ("right", "left")}
        frame_idx = 10000
        for seq_name, hand_types in sequences:
            for t, hand_type in enumerate(hand_types):
                frame_idx += FRAME_STEP
                sides = ("right", "left") if hand_type == "interacting" else (hand_type,)
                world = np.tile(_ABSENT, (42, 1))
                valid = np.zeros(42)
                params = {"right": None, "left": None}
                for side in sides:
                    params[side] = _mano_params(rng, side, t / len(hand_types), shape[side])
                    p = params[side]
                    joints = hands.joints(side, np.array(p["pose"]), np.array(p["shape"]), np.array(p["trans"])) * 1000.0
                    offset = 0 if side == "right" else 21
                    world[offset:offset + 21] = np.round(joints[FROM_COMMON], 4)
                    valid[offset:offset + 21] = 1
                if hand_type == "interacting" and t == 1:
                    valid[16] = 0  # an unannotated right pinky tip, as real frames have
                joints_3d[str(capture)][str(frame_idx)] = {
                    "world_coord": world.tolist(), "joint_valid": [[bool(v)] for v in valid],
                    "hand_type": hand_type, "hand_type_valid": True,
                }
                mano[str(capture)][str(frame_idx)] = params
                for cam, ((width, height), _) in CAMERAS.items():
                    rot = np.asarray(camera["camrot"][cam])
                    pos = np.asarray(camera["campos"][cam])
                    focal, princpt = np.asarray(camera["focal"][cam]), np.asarray(camera["princpt"][cam])
                    cam_coords = (world - pos) @ rot.T
                    pixels = project(cam_coords, focal, princpt)
                    image = background(height, width, rng)
                    for side in sides:
                        offset = 0 if side == "right" else 21
                        common = np.empty((21, 2))
                        common[FROM_COMMON] = pixels[offset:offset + 21]
                        common_valid = np.empty(21)
                        common_valid[FROM_COMMON] = valid[offset:offset + 21]
                        draw_hand(image, common, common_valid > 0, shade=1.0 if side == "right" else 0.6)
                    file_name = f"Capture{capture}/{seq_name}/cam{cam}/image{frame_idx}.jpg"
                    path = out / "images" / split / file_name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes())
                    present = pixels[valid > 0]
                    x1, y1 = np.maximum(present.min(0) - 15, 0)
                    x2, y2 = np.minimum(present.max(0) + 15, [width - 1, height - 1])
                    image_id += 1
                    data["images"].append({
                        "id": image_id, "file_name": file_name, "width": width, "height": height,
                        "capture": capture, "subject": capture, "seq_name": seq_name, "camera": cam, "frame_idx": frame_idx,
                    })
                    data["annotations"].append({
                        "id": image_id, "image_id": image_id, "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                        "joint_valid": [[int(v)] for v in valid], "hand_type": hand_type, "hand_type_valid": 1,
                    })
                    count += 1
    folder = out / "annotations" / split
    folder.mkdir(parents=True, exist_ok=True)
    for part, content in (("data", data), ("camera", cameras), ("joint_3d", joints_3d), ("MANO_NeuralAnnot", mano)):
        (folder / f"InterHand2.6M_{split}_{part}.json").write_text(json.dumps(content))
    return count, image_id


def generate(out: Path, seed: int, body_models: dict[str, Path], scale: int = 1) -> int:
    """Write the tree, `scale` times the images (synthetic.copies: copy r films captures numbered
    c + COPY_CAPTURES * r); returns the number of images."""
    out = Path(out)
    hands = ManoHands(body_models)
    count, image_id = 0, 0
    for index, (split, captures) in enumerate(SEQUENCES.items()):
        copies = [({capture + COPY_CAPTURES * copy: sequences for capture, sequences in captures.items()},
                   copy_rng([seed, 26, index], copy)) for copy in range(scale)]
        written, image_id = _split(out, split, copies, hands, image_id)
        count += written
    return count
