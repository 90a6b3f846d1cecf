"""COCO person-image shards as a map-style dataset of person crops, read in place through wids.

An item is one person: a square crop around its COCO box (`crop_scale` times the longer side)
resampled to `load_size` px, its COCO-17 keypoints and the crop's intrinsics in those pixels, and
its NeuralAnnot SMPL-X parameters where the shard carries them (`has_smplx`; zeros otherwise, and
then the image's own camera guess: focal = the longer image side, principal point its centre).
Crowd regions and persons with fewer than `min_keypoints` labelled keypoints are not items.

Bad input does not stop training: a sample whose JSON does not parse or whose person has
malformed keypoints is skipped when the split is indexed, with its reason; an image that does not
decode is skipped when drawn (another person is drawn in its place, the reason travels with the
batch), or, when scoring, when indexed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

import mmstack
from schemas.shards import SMPLX_PARAMS, normalise
from training.mesh.shards import open_index

_registry = mmstack.import_module("mmengine.registry")
DATASETS, FUNCTIONS = _registry.DATASETS, _registry.FUNCTIONS

ARRAYS = ("keypoints", "visible", "focal", "princpt", "has_smplx", *SMPLX_PARAMS)
MAX_REFETCH = 20
log = logging.getLogger(__name__)


class BadSample(ValueError):
    """A person that cannot be used; the message says why, after its kind (`jpg:`, `person:`)."""


@dataclass(frozen=True)
class PersonRecord:
    index: int  # in the split's wids dataset
    person: int  # in the sample's `persons`
    key: str


@dataclass(frozen=True)
class Crop:
    """A square of `side` image px with its top-left corner at (x0, y0), seen at `size` px:
    crop px = (image px - corner) * size / side, for points and principal points alike."""

    x0: float
    y0: float
    side: float
    size: int

    @classmethod
    def around(cls, bbox_xywh: list[float], scale: float, size: int) -> "Crop":
        x, y, w, h = (float(v) for v in bbox_xywh)
        side = max(w, h, 8.0) * scale
        return cls(x + w / 2 - side / 2, y + h / 2 - side / 2, side, size)

    @property
    def scale(self) -> float:
        return self.size / self.side

    def pixels(self, image: np.ndarray) -> np.ndarray:
        s = self.scale
        matrix = np.array([[s, 0.0, -s * self.x0], [0.0, s, -s * self.y0]])
        return cv2.warpAffine(image, matrix, (self.size, self.size), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def points(self, xy: np.ndarray) -> np.ndarray:
        return (np.asarray(xy, np.float64) - [self.x0, self.y0]) * self.scale

    def back(self, uv: np.ndarray) -> np.ndarray:
        return np.asarray(uv, np.float64) / self.scale + [self.x0, self.y0]


def person_labels(meta: dict[str, Any], person: dict[str, Any], crop: Crop) -> dict[str, Any]:
    """One person's arrays in crop pixels (no image); raises BadSample when they are malformed."""
    keypoints = np.asarray(person.get("keypoints", []), np.float64)
    if keypoints.shape != (17, 3):
        raise BadSample(f"keypoints have shape {list(keypoints.shape)}, expected [17, 3]")
    smplx = person.get("smplx")
    if smplx:
        focal, princpt = np.asarray(smplx["cam"]["focal"], np.float64), np.asarray(smplx["cam"]["princpt"], np.float64)
    else:
        focal = np.full(2, float(max(meta["width"], meta["height"])))
        princpt = np.array([(meta["width"] - 1) / 2, (meta["height"] - 1) / 2])
    item: dict[str, Any] = {
        "keypoints": crop.points(keypoints[:, :2]).astype(np.float32),
        "visible": (keypoints[:, 2] > 0).astype(np.float32),
        "focal": (focal * crop.scale).astype(np.float32),
        "princpt": crop.points(princpt).astype(np.float32),
        "has_smplx": np.float32(bool(smplx)),
    }
    for name, size in SMPLX_PARAMS.items():
        item[name] = np.asarray(smplx[name] if smplx else np.zeros(size), np.float32)
    return item


@DATASETS.register_module()
class SmplxPersonDataset(torch.utils.data.Dataset):
    """Person crops of `shards`/`split` at `load_size` px."""

    def __init__(self, shards: str, split: str, load_size: int, crop_scale: float, min_keypoints: int,
                 test_mode: bool = False) -> None:
        self.shards = str(shards)
        self.split = split
        self.load_size = int(load_size)
        self.crop_scale = float(crop_scale)
        self.min_keypoints = int(min_keypoints)
        self.test_mode = test_mode
        self.skipped: Counter[str] = Counter()
        self._wids: Any = None
        self.records = self._index()

    def _skip(self, key: str, reason: str) -> None:
        self.skipped[reason.split(":", 1)[0]] += 1
        log.warning("%s: skipping person %s: %s", self.split, key, reason)

    def _dataset(self) -> Any:
        if self._wids is None:
            self._wids = open_index(Path(self.shards) / self.split)
        return self._wids

    def _index(self) -> list[PersonRecord]:
        records = []
        dataset = self._dataset()
        for index in range(len(dataset)):
            try:
                sample = normalise(dataset[index])
                meta = json.loads(sample["json"].getvalue())
                persons = meta["persons"]
            except Exception as err:  # noqa: BLE001  (a damaged shard member: skip it, name why)
                self._skip(f"#{index}", f"json: {type(err).__name__}: {err}")
                continue
            key = sample.get("__key__", str(index))
            for number, person in enumerate(persons):
                labelled = sum(1 for kp in person.get("keypoints", []) if len(kp) == 3 and kp[2] > 0)
                if person.get("iscrowd", 0) or labelled < self.min_keypoints:
                    continue
                record = PersonRecord(index, number, f"{key}/{person.get('id', number)}")
                try:
                    self._load(record, decode=self.test_mode)  # no refetch when scoring: check the image now
                except BadSample as err:
                    self._skip(record.key, str(err))
                    continue
                records.append(record)
        return records

    def __len__(self) -> int:
        return len(self.records)

    def _load(self, record: PersonRecord, decode: bool = True) -> dict[str, Any]:
        sample = normalise(self._dataset()[record.index])
        meta = json.loads(sample["json"].getvalue())
        person = meta["persons"][record.person]
        crop = Crop.around(person["bbox"], self.crop_scale, self.load_size)
        try:
            item = person_labels(meta, person, crop)
        except (KeyError, TypeError, ValueError) as err:
            raise BadSample(f"person: {err}") from err
        if decode:
            image = cv2.imdecode(np.frombuffer(sample["jpg"].getvalue(), np.uint8), cv2.IMREAD_COLOR)
            if image is None:
                raise BadSample("jpg: the image does not decode")
            item["images"] = cv2.cvtColor(crop.pixels(image), cv2.COLOR_BGR2RGB)
        item.update(crop_size=float(self.load_size), key=record.key, skipped=[])
        return item

    def labels(self, index: int) -> dict[str, Any]:
        """A person's arrays without decoding the image."""
        return self._load(self.records[index], decode=False)

    def __getitem__(self, index: int) -> dict[str, Any]:
        skipped = []
        for _ in range(MAX_REFETCH):
            record = self.records[index]
            try:
                item = self._load(record)
                item["skipped"] = skipped
                return item
            except BadSample as err:
                self._skip(record.key, str(err))
                skipped.append(f"{record.key}: {err}")
                if self.test_mode:
                    raise
                index = np.random.randint(0, len(self.records))  # MMEngine seeds numpy in every worker
        raise RuntimeError(f"{MAX_REFETCH} persons in a row failed to load from {self.shards}; last: {skipped[-1]}")

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_wids"] = None  # open files stay in their process; each worker opens its own
        return state


@FUNCTIONS.register_module()
def smplx_collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Items -> a batch: images uint8 [B, h, w, 3], arrays [B, ...], keys and skip reasons."""
    batch: dict[str, Any] = {name: torch.from_numpy(np.stack([it[name] for it in items])) for name in ARRAYS}
    batch["images"] = torch.from_numpy(np.stack([it["images"] for it in items]))
    batch["crop_size"] = torch.tensor([it["crop_size"] for it in items], dtype=torch.float32)
    batch["keys"] = [it["key"] for it in items]
    batch["skipped"] = [reason for it in items for reason in it["skipped"]]
    return batch
