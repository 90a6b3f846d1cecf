"""Hand-clip shards (InterHand2.6M, DexYCB, ...) as one map-style dataset read through wids.

An item is T frames of one hand: the crops decoded straight to about the network's size (JPEG's
DCT scaling), and the contract's arrays. Left hands are mirrored into right ones (image, 2D joints,
principal point, 3D joints and MANO pose all flipped; `handedness` follows), so one right MANO
layer serves every hand; `mirrored` says which were, so predictions can be flipped back.

Bad input does not stop training: a sample whose arrays have the wrong shape, whose JSON does not
parse, or whose clip is shorter than T is skipped when the split is indexed; a frame that does not
decode is skipped when drawn (another clip is drawn in its place, and the reason travels with the
batch so the main process counts it even from loader workers). Each skip is logged with its reason.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np
import torch

import mmstack
from schemas.shards import frame_member, hand_clip_problems, load_npy, normalise
from training.mesh.rotations import MIRROR_AXIS_ANGLE
from training.mesh.shards import open_index

_registry = mmstack.import_module("mmengine.registry")
DATASETS, DATA_SAMPLERS, FUNCTIONS = _registry.DATASETS, _registry.DATA_SAMPLERS, _registry.FUNCTIONS

ARRAYS = ("joint_img", "joint_cam", "joint_valid", "focal", "princpt", "mano_pose", "mano_shape", "has_mano")
MAX_REFETCH = 20
log = logging.getLogger(__name__)


class BadSample(ValueError):
    """A clip that cannot be used; the message says why."""


@dataclass(frozen=True)
class ClipRecord:
    source: int
    index: int  # in that source's wids dataset
    key: str
    length: int
    crop_size: float


def reduction(crop_size: float, load_size: int) -> int:
    """The largest JPEG DCT reduction (1, 2, 4, 8) that still decodes at least `load_size` px."""
    for factor in (8, 4, 2):
        if crop_size / factor >= load_size:
            return factor
    return 1


_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


def decode_crop(data: bytes, crop_size: float, load_size: int) -> np.ndarray:
    """RGB [load_size, load_size, 3] uint8 covering the whole crop; raises BadSample if it does not decode."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED[reduction(crop_size, load_size)])
    if image is None or image.ndim != 3 or image.shape[0] != image.shape[1]:
        raise BadSample("the frame does not decode to a square colour image")
    if image.shape[0] != load_size:
        image = cv2.resize(image, (load_size, load_size), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def flip_clip(item: dict[str, Any]) -> dict[str, Any]:
    """The clip seen in a mirror (x -> -x): a left hand becomes a right one with the mirrored pose."""
    out = dict(item)
    crop = item["crop_size"]
    if "images" in item:
        out["images"] = np.ascontiguousarray(item["images"][:, :, ::-1])
    for name in ("joint_img", "princpt"):
        flipped = item[name].copy()
        flipped[..., 0] = crop - 1 - flipped[..., 0]
        out[name] = flipped
    joint_cam = item["joint_cam"].copy()
    joint_cam[..., 0] *= -1
    out["joint_cam"] = joint_cam
    out["mano_pose"] = item["mano_pose"] * np.tile(np.asarray(MIRROR_AXIS_ANGLE, np.float32), 16)
    out["handedness"] = "left" if item["handedness"] == "right" else "right"
    out["mirrored"] = not item["mirrored"]
    return out


@DATASETS.register_module()
class HandClipDataset(torch.utils.data.Dataset):
    """`shards`: {source name: shard folder}; `split` under each; T = `frames` per item.

    Training draws a random window of T frames from each clip; test mode takes the first one."""

    def __init__(self, shards: dict[str, str], split: str, frames: int, load_size: int,
                 test_mode: bool = False) -> None:
        self.shards = {name: str(folder) for name, folder in shards.items()}
        self.sources = list(self.shards)
        self.split = split
        self.frames = int(frames)
        self.load_size = int(load_size)
        self.test_mode = test_mode
        self.skipped: Counter[str] = Counter()
        self.skip_log: list[tuple[str, str]] = []
        self._wids: dict[int, Any] = {}
        self.records = self._index()

    def _skip(self, key: str, reason: str) -> None:
        self.skipped[reason.split(":", 1)[0]] += 1
        self.skip_log.append((key, reason))
        log.warning("%s: skipping hand clip %s: %s", self.split, key, reason)

    def _dataset(self, source: int) -> Any:
        if source not in self._wids:
            self._wids[source] = open_index(Path(self.shards[self.sources[source]]) / self.split)
        return self._wids[source]

    def _index(self) -> list[ClipRecord]:
        records = []
        for source, name in enumerate(self.sources):
            dataset = self._dataset(source)
            for index in range(len(dataset)):
                try:
                    sample = normalise(dataset[index])
                except Exception as err:  # noqa: BLE001  (a damaged shard member: skip it, name why)
                    self._skip(f"{name}#{index}", f"read: {type(err).__name__}: {err}")
                    continue
                key = f"{name}/{sample.get('__key__', index)}"
                problems = hand_clip_problems(sample)
                if problems:
                    self._skip(key, f"contract: {problems[0]}")
                    continue
                length = int(load_npy(sample["joint_valid.npy"]).shape[0])
                if length < self.frames:
                    self._skip(key, f"frames: the clip has {length} frames, fewer than T={self.frames}")
                    continue
                crop = json.loads(sample["json"].getvalue()).get("crop", {})
                record = ClipRecord(source, index, key, length, float(crop.get("size", 0)))
                if record.crop_size <= 0:
                    self._skip(key, "json: crop.size is missing")
                    continue
                if self.test_mode:  # no refetch when scoring: check the frames it will decode now
                    try:
                        self._load(record, 0)
                    except BadSample as err:
                        self._skip(key, f"jpg: {err}")
                        continue
                records.append(record)
        return records

    @property
    def source_of(self) -> np.ndarray:
        return np.array([r.source for r in self.records], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.records)

    def _load(self, record: ClipRecord, start: int) -> dict[str, Any]:
        sample = normalise(self._dataset(record.source)[record.index])
        window = slice(start, start + self.frames)
        images = []
        for t in range(start, start + self.frames):
            try:
                images.append(decode_crop(sample[frame_member(t)].getvalue(), record.crop_size, self.load_size))
            except (KeyError, cv2.error, BadSample) as err:
                raise BadSample(f"{frame_member(t)}: {err}") from err
        item: dict[str, Any] = {name: load_npy(sample[f"{name}.npy"])[window].astype(np.float32) for name in ARRAYS}
        meta = json.loads(sample["json"].getvalue())
        item.update(images=np.stack(images), crop_size=record.crop_size, source=record.source, key=record.key,
                    handedness=meta.get("handedness", "right"), mirrored=False, skipped=[])
        return flip_clip(item) if item["handedness"] == "left" else item

    def labels(self, index: int) -> dict[str, Any]:
        """A clip's arrays (all its frames, mirrored like its images would be) without decoding images."""
        record = self.records[index]
        sample = normalise(self._dataset(record.source)[record.index])
        item: dict[str, Any] = {name: load_npy(sample[f"{name}.npy"]).astype(np.float32) for name in ARRAYS}
        meta = json.loads(sample["json"].getvalue())
        item.update(crop_size=record.crop_size, source=record.source, key=record.key,
                    handedness=meta.get("handedness", "right"), mirrored=False)
        return flip_clip(item) if item["handedness"] == "left" else item

    def __getitem__(self, index: int) -> dict[str, Any]:
        skipped = []
        for _ in range(MAX_REFETCH):
            record = self.records[index]
            # MMEngine seeds numpy in every loader worker
            start = 0 if self.test_mode else np.random.randint(0, record.length - self.frames + 1)
            try:
                item = self._load(record, start)
                item["skipped"] = skipped
                return item
            except BadSample as err:
                reason = f"jpg: {err}"
                self._skip(record.key, reason)
                skipped.append(f"{record.key}: {reason}")
                if self.test_mode:
                    raise
                index = np.random.randint(0, len(self.records))
        raise RuntimeError(f"{MAX_REFETCH} clips in a row failed to load from {self.shards}; last: {skipped[-1]}")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_wids"] = {}  # open files stay in their process; each worker opens its own
        return state


@FUNCTIONS.register_module()
def hand_collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Items -> a batch of tensors: images uint8 [B, T, h, w, 3], arrays [B, T, ...], plus keys,
    sources, mirrored flags and the skip reasons met while drawing them."""
    batch: dict[str, Any] = {name: torch.from_numpy(np.stack([it[name] for it in items])) for name in ARRAYS}
    batch["images"] = torch.from_numpy(np.stack([it["images"] for it in items]))
    batch["crop_size"] = torch.tensor([it["crop_size"] for it in items], dtype=torch.float32)
    batch["source"] = torch.tensor([it["source"] for it in items], dtype=torch.long)
    batch["mirrored"] = torch.tensor([it["mirrored"] for it in items], dtype=torch.bool)
    batch["keys"] = [it["key"] for it in items]
    batch["skipped"] = [reason for it in items for reason in it["skipped"]]
    return batch


@DATA_SAMPLERS.register_module()
class SourceWeightedSampler(torch.utils.data.Sampler):
    """Draws clips with replacement so that each source's share of an epoch is its weight's share,
    whatever its size (`weights`: {source name: weight}); seeded per epoch and per distributed rank,
    so every rank draws its own clips."""

    def __init__(self, dataset: HandClipDataset, weights: dict[str, float], seed: int = 0,
                 num_samples: int | None = None) -> None:
        self.dataset = dataset
        self.rank, self.world_size = mmstack.import_module("mmengine.dist").get_dist_info()
        self.seed = seed
        self.epoch = 0
        self.num_samples = int(num_samples or len(dataset))
        source_of = dataset.source_of
        counts = np.bincount(source_of, minlength=len(dataset.sources)).astype(np.float64)
        per_source = np.array([float(weights.get(name, 0.0)) for name in dataset.sources])
        per_source[counts == 0] = 0.0
        if not per_source.any():
            raise ValueError(f"no clips to draw from: sources {dataset.sources} have {counts.tolist()} clips, weights {weights}")
        self.probabilities = torch.as_tensor(per_source[source_of] / counts[source_of], dtype=torch.float64)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed((self.seed + self.epoch) * self.world_size + self.rank)
        yield from torch.multinomial(self.probabilities, self.num_samples, replacement=True, generator=generator).tolist()

    def __len__(self) -> int:
        return self.num_samples
