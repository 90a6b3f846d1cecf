"""Small shards in the contract's layouts (person images, hand clips), written with tarfile, with the
manifest and wids index a build writes beside them; and ways to break them."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import cv2
import numpy as np

from schemas.manifest import MANIFEST_NAME, WIDS_INDEX_NAME, Manifest, Quarantined, ShardEntry
from schemas.shards import HAND_ARRAYS, HAND_CLIP, PERSON_IMAGE, dump_npy, frame_member
from synthetic.figures import background, standing_pose
from tasks.atomic import write_text

WIDTH, HEIGHT = 160, 120
CROP = 96


def jpeg(width: int, height: int, seed: int) -> bytes:
    image = background(height, width, np.random.default_rng(seed))
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


def body(center_x: float, visibility: list[int] | None = None) -> np.ndarray:
    """[17, 3] keypoints of an upright figure in a WIDTH x HEIGHT image."""
    kpts = np.zeros((17, 3))
    kpts[:, :2] = np.round(standing_pose(center_x, HEIGHT - 8, HEIGHT * 0.8), 1)
    kpts[:, 2] = visibility if visibility is not None else 2
    kpts[kpts[:, 2] == 0, :2] = 0
    return kpts


def person(person_id: int, keypoints: np.ndarray, iscrowd: int = 0) -> dict:
    labelled = keypoints[keypoints[:, 2] > 0, :2]
    x1, y1 = labelled.min(0) - 4 if len(labelled) else (10.0, 10.0)
    x2, y2 = labelled.max(0) + 4 if len(labelled) else (20.0, 20.0)
    bbox = [round(float(v), 2) for v in (x1, y1, x2 - x1, y2 - y1)]
    return {"id": person_id, "bbox": bbox, "area": round(bbox[2] * bbox[3], 2), "iscrowd": iscrowd,
            "keypoints": keypoints.tolist()}


def person_sample(key: str, image_id: int, persons: list[dict], seed: int = 0) -> dict:
    meta = {"image_id": image_id, "file_name": f"{image_id:012d}.jpg", "width": WIDTH, "height": HEIGHT,
            "persons": persons}
    return {"__key__": key, "jpg": jpeg(WIDTH, HEIGHT, seed), "json": json.dumps(meta).encode()}


def hand_joints(shift: float = 0.0) -> np.ndarray:
    """[21, 2] crop pixels: a wrist and five straight fingers fanning upwards."""
    joints = np.zeros((21, 2))
    joints[0] = (CROP / 2 + shift, CROP * 0.85)
    for finger in range(5):
        angle = np.deg2rad(-150 + 30 * finger)
        for i, reach in enumerate((14, 26, 36, 44)):
            joints[1 + 4 * finger + i] = joints[0] + reach * np.array([np.cos(angle), np.sin(angle)])
    return joints


def hand_sample(key: str, t: int = 3, handedness: str = "right", valid: np.ndarray | None = None, seed: int = 0) -> dict:
    arrays = {name: np.zeros((t, *shape), np.float32) for name, shape in HAND_ARRAYS.items()}
    arrays["joint_img"] = np.stack([hand_joints(2.0 * i) for i in range(t)]).astype(np.float32)
    arrays["joint_valid"] = np.ones((t, 21), np.float32) if valid is None else np.asarray(valid, np.float32)
    arrays["hand_bbox"][:] = [100, 50, 160, 110]
    arrays["has_mano"][:] = 1
    arrays["joint_cam"][..., 2] = 500
    sample = {"__key__": key, "json": json.dumps({
        "handedness": handedness, "data_source": "interhand26m", "source_split": "train",
        "source_paths": [f"images/train/image{i}.jpg" for i in range(t)], "crop": {"size": CROP}}).encode()}
    sample.update({f"{name}.npy": dump_npy(array) for name, array in arrays.items()})
    sample.update({frame_member(i): jpeg(CROP, CROP, seed + i) for i in range(t)})
    return sample


def write_tar(path: Path, samples: list[dict]) -> ShardEntry:
    """One shard, members sorted within each sample, as a build writes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for sample in samples:
            for ext in sorted(k for k in sample if not k.startswith("__")):
                info = tarfile.TarInfo(f"{sample['__key__']}.{ext}")
                info.size = len(sample[ext])
                tar.addfile(info, io.BytesIO(sample[ext]))
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ShardEntry(path.name, len(samples), len(data), hashlib.sha256(data).hexdigest())


def write_split(folder: Path, dataset: str, split: str, kind: str, samples: list[dict], per_shard: int = 4,
                quarantined: list[Quarantined] | None = None) -> Manifest:
    """Shards of `per_shard` samples, the manifest and the wids index, in `folder`."""
    entries = [
        write_tar(folder / f"{dataset}-{split}-{i:06d}.tar", samples[start:start + per_shard])
        for i, start in enumerate(range(0, len(samples), per_shard))
    ]
    manifest = Manifest(dataset, split, kind, "f" * 64, "p" * 16, entries, list(quarantined or []))
    write_text(folder / MANIFEST_NAME, manifest.to_json())
    shardlist = [{"url": e.name, "nsamples": e.samples, "filesize": e.bytes} for e in entries]
    (folder / WIDS_INDEX_NAME).write_text(json.dumps({"wids_version": 1, "shardlist": shardlist}))
    return manifest


def person_split(folder: Path, split: str = "val", images: int = 6) -> Manifest:
    """Images with 1, 2, 1, 2... persons; the second person of each has its left arm occluded and
    its feet unlabelled; image 0 also has a crowd region."""
    samples = []
    for i in range(images):
        persons = [person(10 * i, body(45))]
        if i % 2:
            vis = [2] * 17
            vis[5], vis[7], vis[9] = 1, 1, 1
            vis[15], vis[16] = 0, 0
            persons.append(person(10 * i + 1, body(115, vis)))
        if i == 0:
            persons.append(person(10 * i + 2, np.zeros((17, 3)), iscrowd=1))
        samples.append(person_sample(f"toy-{split}-{i}", i, persons, seed=i))
    quarantine = [Quarantined(f"toy-{split}-99", f"{split}2017/000000000099.jpg", "is a truncated JPEG (no end-of-image marker)")]
    return write_split(folder, "toy", split, PERSON_IMAGE, samples, quarantined=quarantine)


def hand_split(folder: Path, split: str = "train", clips: int = 5, t: int = 3) -> Manifest:
    """Clips alternating right, left, right...; the last clip has its pinky tip invalid in frame 0."""
    samples = []
    for i in range(clips):
        valid = np.ones((t, 21), np.float32)
        if i == clips - 1:
            valid[0, 20] = 0
        samples.append(hand_sample(f"hands-{split}-{i}", t, "right" if i % 2 == 0 else "left", valid, seed=10 * i))
    return write_split(folder, "hands", split, HAND_CLIP, samples, per_shard=2)


def member_offsets(path: Path) -> dict[str, int]:
    """Header offset of every member, to cut or damage a shard at a known place."""
    with tarfile.open(path) as tar:
        return {m.name: m.offset for m in tar.getmembers()}


def replace_member(path: Path, name: str, data: bytes) -> None:
    """Rewrite a shard with one member's bytes replaced (the manifest is left as it was)."""
    buffer = io.BytesIO()
    with tarfile.open(path) as src, tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for member in src.getmembers():
            content = data if member.name == name else src.extractfile(member).read()
            info = tarfile.TarInfo(member.name)
            info.size = len(content)
            dst.addfile(info, io.BytesIO(content))
    path.write_bytes(buffer.getvalue())


def drop_member(path: Path, name: str) -> None:
    buffer = io.BytesIO()
    with tarfile.open(path) as src, tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for member in src.getmembers():
            if member.name != name:
                dst.addfile(member, src.extractfile(member))
    path.write_bytes(buffer.getvalue())


def coco_samples(raw: Path, split: str) -> list[dict]:
    """A raw COCO tree's split as person-image samples (original JPEG bytes, every annotation), the way
    the coco reader writes them, without a build (no Prefect server in tests that only read shards)."""
    data = json.loads((raw / "annotations" / f"person_keypoints_{split}2017.json").read_text())
    by_image: dict[int, list[dict]] = {}
    for ann in data["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    samples = []
    for image in data["images"]:
        anns = by_image.get(image["id"], [])
        if not any(a["num_keypoints"] for a in anns):
            continue
        persons = [{k: a[k] for k in ("id", "bbox", "area", "iscrowd", "keypoints", "num_keypoints")} for a in anns]
        meta = {"image_id": image["id"], "file_name": image["file_name"], "width": image["width"],
                "height": image["height"], "persons": persons}
        samples.append({"__key__": f"coco-{split}-{image['id']}",
                        "jpg": (raw / f"{split}2017" / image["file_name"]).read_bytes(),
                        "json": json.dumps(meta).encode()})
    return samples


def broken_person_samples() -> list[dict]:
    """Two unusable samples: a JPEG that does not decode, and a person whose JSON lacks keypoints."""
    good = person_sample("coco-train-900001", 900001, [person(9000010, body(60.0))], seed=1)
    bad_jpeg = {**good, "jpg": good["jpg"][:200] + b"\0" * 64}
    no_keypoints = person_sample("coco-train-900002", 900002, [person(9000020, body(70.0))], seed=2)
    meta = json.loads(no_keypoints["json"])
    del meta["persons"][0]["keypoints"]
    return [bad_jpeg, {**no_keypoints, "json": json.dumps(meta).encode()}]
