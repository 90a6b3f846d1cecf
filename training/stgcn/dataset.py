"""Skeleton tables straight into MMAction2's skeleton pipeline, with no pickle in between.

`SkeletonTableDataset` is registered in MMAction2's DATASETS registry, so a config names it like
`PoseDataset`. The frames are grouped once when the dataset is made (`training.skeleton_tables`);
an item is a copy of its sample's arrays run through the pipeline, the dict `PoseDataset` would give.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import mmstack
from torch.utils.data import Dataset

from training.skeleton_tables import SkeletonSample, read_split

log = logging.getLogger(__name__)


def compose(pipeline: list[dict | Callable]) -> Callable[[dict], dict]:
    """MMAction2's transforms built from their configs, in MMAction2's own registry."""
    mmstack.register("mmaction")
    transforms = mmstack.import_module("mmaction.registry").TRANSFORMS
    Compose = mmstack.import_module("mmengine.dataset").Compose
    # Another OpenMMLab scope may be the process's default (MMPose's, after a pose model was built).
    with mmstack.import_module("mmengine.registry").DefaultScope.overwrite_default_scope("mmaction"):
        return Compose([transforms.build(t) if isinstance(t, dict) else t for t in pipeline])


def pose_results(sample: SkeletonSample, index: int) -> dict[str, Any]:
    """The dict MMAction2's PoseDataset hands its pipeline, with arrays the pipeline may change."""
    return {
        "frame_dir": sample.sample_id,
        "label": sample.label,
        "total_frames": sample.num_frames,
        "img_shape": sample.img_shape,
        "original_shape": sample.img_shape,
        "keypoint": sample.keypoint.copy(),
        "keypoint_score": sample.keypoint_score.copy(),
        "modality": "Pose",
        "start_index": 0,
        "sample_idx": index,
    }


class SkeletonTableDataset(Dataset):
    """One split of `data/skeletons/<dataset>/` through an MMAction2 pipeline; `num_persons` person
    slots per sample (the model's num_person: more would be cut, fewer padded, by FormatGCNInput)."""

    def __init__(
        self,
        folder: str | Path,
        split: str,
        pipeline: list[dict | Callable],
        num_persons: int,
        test_mode: bool = False,
    ) -> None:
        self.folder = Path(folder)
        self.split = split
        self.test_mode = test_mode
        data = read_split(self.folder, split, num_persons)
        self.samples = data.samples
        self.class_names = data.class_names
        self.skipped = data.skipped
        self.pipeline = compose(pipeline)
        log.info("%s split %r: %d samples (%d skipped)", self.folder, split, len(self.samples), len(self.skipped))

    @property
    def metainfo(self) -> dict[str, Any]:
        """What MMEngine's evaluator hands its metrics (`dataset_meta`)."""
        return {"classes": tuple(self.class_names)}

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.pipeline(pose_results(self.samples[index], index))


def register() -> None:
    """Make `type='SkeletonTableDataset'` buildable from a config in the mmaction scope."""
    mmstack.register("mmaction")
    datasets = mmstack.import_module("mmaction.registry").DATASETS
    if datasets.get("SkeletonTableDataset") is None:
        datasets.register_module(module=SkeletonTableDataset)


register()
