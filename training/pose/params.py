"""The knobs of the pose stage (the `pose:` block of params.yaml), typed and checked."""

from __future__ import annotations

from dataclasses import dataclass

from training.params import CheckedParams, ParamsError

# MMPose's own RTMPose configs (shipped in the mmpose wheel), by model size.
ARCHS = {
    "rtmpose-t": "body_2d_keypoint/rtmpose/coco/rtmpose-t_8xb256-420e_coco-256x192.py",
    "rtmpose-s": "body_2d_keypoint/rtmpose/coco/rtmpose-s_8xb256-420e_coco-256x192.py",
    "rtmpose-m": "body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py",
}


@dataclass(frozen=True)
class PoseParams(CheckedParams):
    # data: a COCO shard folder (data/shards/coco) and the splits to fit and to score on
    data: str
    train_split: str
    val_split: str
    seed: int
    # model: an RTMPose size, its input (width, height), an optional local backbone checkpoint
    arch: str
    input_size: list[int]
    pretrained: str | None
    # optimisation (MMPose's RTMPose recipe: AdamW, linear warm-up, cosine over the second half)
    epochs: int
    batch_size: int
    val_batch_size: int
    num_workers: int
    lr: float
    weight_decay: float
    warmup_iters: int
    val_interval: int
    ema_momentum: float  # weight of each step in an EMA of the weights (validated and exported); 0: off
    # augmentation (MMPose's transforms): horizontal flip, half body, box scale/rotate/shift, HSV
    flip: bool
    half_body: bool
    scale_range: list[float]
    rotate: float
    shift: float
    hsv: bool
    # evaluation: flip test, and how many val images the prediction picture shows
    flip_test: bool
    preview_images: int

    def check(self, source: str) -> None:
        problems: list[str] = []
        if self.arch not in ARCHS:
            problems.append(f"arch is {self.arch!r}, expected one of {list(ARCHS)}")
        if len(self.input_size) != 2 or any(s < 32 or s % 32 for s in self.input_size):
            problems.append(f"input_size is {self.input_size}, expected [width, height], multiples of 32")
        if len(self.scale_range) != 2 or not 0 < self.scale_range[0] <= self.scale_range[1]:
            problems.append(f"scale_range is {self.scale_range}, expected [low, high] with 0 < low <= high")
        for name in ("epochs", "batch_size", "val_batch_size", "val_interval"):
            if getattr(self, name) < 1:
                problems.append(f"{name} is {getattr(self, name)}, expected >= 1")
        if not 0 <= self.ema_momentum < 1:
            problems.append(f"ema_momentum is {self.ema_momentum}, expected 0 <= ema_momentum < 1")
        if self.lr <= 0:
            problems.append(f"lr is {self.lr}, expected > 0")
        if self.warmup_iters < 0 or self.num_workers < 0 or self.preview_images < 0:
            problems.append("warmup_iters, num_workers and preview_images must be >= 0")
        if problems:
            raise ParamsError(f"{source}: " + "; ".join(problems))


__all__ = ["ARCHS", "ParamsError", "PoseParams"]
