"""COCO person-image shards as an MMPose dataset: MMPose's own CocoDataset, fed from the shards.

Each shard sample (`jpg` + `json`) is one COCO image with all its person annotations. The
annotations are handed to CocoDataset's own parsing and filtering, so crowd regions, persons
without labelled keypoints and degenerate boxes are treated exactly as MMPose treats a COCO folder;
the JPEG bytes are read back through wids (random access) and decoded when an item is drawn.

Bad input does not stop training: a sample whose JSON does not parse or lacks a person's keypoints,
or whose JPEG does not decode, is skipped with a logged reason and counted in `skipped`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np

import mmstack
from schemas.manifest import WIDS_INDEX_NAME
from schemas.shards import normalise

DATASETS = mmstack.import_module("mmpose.registry").DATASETS
CocoDataset = mmstack.import_module("mmpose.datasets").CocoDataset
PERSON_CATEGORY = 1

log = logging.getLogger(__name__)


def open_index(folder: str | Path) -> Any:
    """wids' random-access view of a split's shards, reading the local files in place."""
    import wids

    index = Path(folder) / WIDS_INDEX_NAME
    if not index.is_file():
        raise FileNotFoundError(f"{index} does not exist: build the dataset first (posefoundry build coco)")
    return wids.ShardListDataset(str(index), localname=lambda url: url, transformations=[])


def decode_jpeg(data: bytes) -> np.ndarray | None:
    """BGR pixels as MMCV's loader gives them, or None for bytes that are not a decodable image."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def coco_records(meta: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A shard JSON as COCO's `images` entry and `annotations` entries (what CocoDataset parses)."""
    image = {"id": meta["image_id"], "file_name": meta["file_name"], "width": meta["width"], "height": meta["height"]}
    anns = []
    for person in meta["persons"]:
        ann = {**person, "image_id": meta["image_id"], "category_id": PERSON_CATEGORY}
        if "keypoints" in ann:
            ann["keypoints"] = np.asarray(ann["keypoints"], dtype=np.float64).reshape(-1).tolist()
            ann.setdefault("num_keypoints", int(np.count_nonzero(np.asarray(ann["keypoints"])[2::3])))
        anns.append(ann)
    return image, anns


# While `shared_splits()` is open: each split folder's read_split result, by resolved path.
_shared: dict[str, Any] | None = None


@contextmanager
def shared_splits() -> Iterator[None]:
    """Within it each split folder is read once: the ground-truth file, the dataset and the baseline
    share one read of the same shards. The lists are shared, so callers copy what they change; on
    leaving, the reads are dropped (nothing holds a large split's annotations through training)."""
    global _shared
    outer, _shared = _shared, {} if _shared is None else _shared
    try:
        yield
    finally:
        _shared = outer


def read_split(folder: str | Path) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Every sample's (index, COCO image, annotations), and (key, reason) for samples that cannot be used."""
    if _shared is None:
        return _read_split(folder)
    key = str(Path(folder).resolve())
    if key not in _shared:
        _shared[key] = _read_split(folder)
    return _shared[key]


def _read_split(folder: str | Path) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    samples, skipped = [], []
    dataset = open_index(folder)
    for index in range(len(dataset)):
        sample = normalise(dataset[index])
        key = sample.get("__key__", f"#{index}")
        try:
            meta = json.loads(sample["json"].getvalue())
            image, anns = coco_records(meta)
        except (KeyError, TypeError, ValueError) as err:
            skipped.append((key, f"json: {type(err).__name__}: {err}"))
            continue
        missing = [a.get("id") for a in anns if "keypoints" not in a or "bbox" not in a]
        if missing:
            skipped.append((key, f"json: persons {missing} lack keypoints or bbox"))
            anns = [a for a in anns if "keypoints" in a and "bbox" in a]
        samples.append({"index": index, "key": key, "image": image, "annotations": anns})
    return samples, skipped


@DATASETS.register_module()
class ShardCocoDataset(CocoDataset):
    """`shards`: a split folder of COCO person-image shards (with its wids index)."""

    def __init__(self, shards: str, check_images: bool | None = None, **kwargs: Any) -> None:
        self.shards = str(shards)
        self.skipped: Counter[str] = Counter()
        self.skip_log: list[tuple[str, str]] = []
        # Test mode cannot refetch another item, so its images are decoded once up front.
        self.check_images = kwargs.get("test_mode", False) if check_images is None else check_images
        self._wids: Any = None
        super().__init__(ann_file="", data_prefix=dict(img=""), **kwargs)

    def _skip(self, key: str, reason: str) -> None:
        """Count a bad sample once, however many epochs draw it."""
        if (key, reason) in self.skip_log:
            return
        self.skipped[reason.split(":", 1)[0]] += 1
        self.skip_log.append((key, reason))
        log.warning("%s: skipping sample %s: %s", self.shards, key, reason)

    def _load_annotations(self) -> tuple[list[dict], list[dict]]:
        samples, skipped = read_split(self.shards)
        for key, reason in skipped:
            self._skip(key, reason)
        instances, images = [], []
        for sample in samples:
            if self.check_images and self._image(sample["index"], sample["key"]) is None:
                continue
            image = {**sample["image"], "img_id": sample["image"]["id"], "img_path": sample["key"],
                     "shard_index": sample["index"]}
            images.append(image)
            for ann in sample["annotations"]:
                info = self.parse_data_info(dict(raw_ann_info=ann, raw_img_info=image))
                if info:
                    info["shard_index"] = sample["index"]
                    instances.append(info)
        return instances, images

    def _image(self, index: int, key: str) -> np.ndarray | None:
        if self._wids is None:
            self._wids = open_index(self.shards)
        sample = normalise(self._wids[index])
        image = decode_jpeg(sample["jpg"].getvalue()) if "jpg" in sample else None
        if image is None:
            self._skip(key, "jpg: the image does not decode")
        return image

    def prepare_data(self, idx: int) -> Any:
        info = self.get_data_info(idx)
        image = self._image(info["shard_index"], info["img_path"])
        if image is None:
            return None  # MMEngine draws another item in training
        info["img"] = image
        info["dataset"] = self
        return self.pipeline(info)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_wids"] = None  # open files stay in their process; each worker opens its own
        return state
