"""Score one video's tracked skeletons with a trained STGCN++, window by window.

The recognizer is built by MMAction2's own `init_recognizer` from the stage's `config.py` and
`model.pth`. The video's persons arrive as a frames table (the contract of frames.parquet); windows
are cut as sample rows and grouped by the same `sample_arrays` as training data, then run through
the config's val pipeline, as held-out samples were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mmstack
import numpy as np
import pyarrow as pa
import torch

from schemas.arrays import sample_arrays
from schemas.tables import SAMPLES
from schemas.windows import window_spans
from training.skeleton_tables import SkeletonSample
from training.stgcn.dataset import compose, pose_results
from training.stgcn.train import CHECKPOINT_NAME, CONFIG_NAME


@dataclass
class Recognizer:
    model: Any
    class_names: list[str]
    window: int  # the typical length, in frames, of a training sample
    num_persons: int

    @classmethod
    def load(cls, model_dir: str | Path, device: str = "cpu") -> "Recognizer":
        model_dir = Path(model_dir)
        config, checkpoint = model_dir / CONFIG_NAME, model_dir / CHECKPOINT_NAME
        for path in (config, checkpoint):
            if not path.is_file():
                raise FileNotFoundError(f"{path} is missing: train the model first (dvc repro train_stgcn@<task>)")
        saved = torch.load(checkpoint, map_location="cpu")
        init_recognizer = mmstack.import_module("mmaction.apis").init_recognizer
        model = init_recognizer(str(config), None, device=device)
        model.load_state_dict(saved["state_dict"], strict=True)  # strict, and no log line on stdout
        meta = saved["meta"]
        num_persons = int(model.cfg.val_dataloader.dataset.num_persons)
        return cls(model=model, class_names=list(meta["classes"]), window=int(meta["window"]), num_persons=num_persons)


@dataclass
class WindowScore:
    start: int  # first frame
    end: int  # one past the last frame
    scores: list[float]  # per class, summing to 1

    @property
    def label(self) -> int:
        return int(np.argmax(self.scores))


def windows_table(clip_id: str, num_frames: int, length: int, stride: int) -> pa.Table:
    """The windows as rows of samples.parquet (label -1: unknown); none for a clip without frames."""
    spans = window_spans(num_frames, length, stride)
    return pa.Table.from_pylist([
        dict(sample_id=f"{clip_id}-{s:06d}", clip_id=clip_id, split="predict", start_frame=s, end_frame=e,
             label=-1, label_name="?")
        for s, e in spans
    ], schema=SAMPLES)


def score_windows(
    recognizer: Recognizer,
    frames: pa.Table,
    num_frames: int,
    img_shape: tuple[int, int],
    length: int | None = None,
    stride: int | None = None,
    frame_stride: int = 1,
    batch_size: int = 8,
) -> list[WindowScore]:
    """Class scores for `length`-frame windows every `stride` frames over one clip's frames table
    (every row has the same clip_id); `frame_stride` is the step the frames were decoded at."""
    length = length or recognizer.window * frame_stride
    stride = stride or max(1, length // 2)
    clip_ids = set(frames.column("clip_id").to_pylist()) or {"video"}
    if len(clip_ids) != 1:
        raise ValueError(f"expected the frames of one clip, got {len(clip_ids)} clips")
    windows = windows_table(clip_ids.pop(), num_frames, length, stride)
    arrays = sample_arrays(frames, windows, recognizer.num_persons, frame_stride)
    pipeline = compose(recognizer.model.cfg.val_dataloader.dataset.pipeline)
    collate = mmstack.import_module("mmengine.dataset").pseudo_collate
    starts, ends = windows.column("start_frame").to_pylist(), windows.column("end_frame").to_pylist()
    out: list[WindowScore] = []
    for first in range(0, len(arrays), batch_size):
        chunk = arrays[first:first + batch_size]
        items = [
            pipeline(pose_results(SkeletonSample(a.sample_id, a.clip_id, 0, a.keypoint, a.keypoint_score, img_shape), first + i))
            for i, a in enumerate(chunk)
        ]
        with torch.no_grad():
            results = recognizer.model.test_step(collate(items))
        for i, result in enumerate(results):
            out.append(WindowScore(starts[first + i], ends[first + i], result.pred_score.detach().cpu().float().tolist()))
    return out
