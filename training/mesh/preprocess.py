"""The batch step between the loader and a mesh network: pixels to the network's size (with
kornia's augmentation in training), and the intrinsics and labels carried into the same pixels.

The loader gives images uint8 [B, ..., h, w, 3] (any frames axis between) covering a square crop of
`crop_size` [B] crop pixels. Everything geometric comes out in network pixels (`image_size`
square); `to_crop` [B, 3, 3] maps them back to crop pixels. A stage says how its own labels move
(`labels`): 2D points by `to_net`, focal lengths by `focal_scale`, 3D by the camera's `rotation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import mmstack
from training.mesh.augment import AugmentSettings, jitter_colour, resize_matrix, view_change, warp_images

_mmengine_model = mmstack.import_module("mmengine.model")

IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)


@dataclass
class NetView:
    """How one batch went from crop pixels to network pixels."""

    to_net: torch.Tensor  # [B, 3, 3] crop px -> network px
    focal_scale: torch.Tensor  # [B] network focal / crop focal
    rotation: torch.Tensor  # [B, 3, 3] the camera's turn about its optical axis (3D labels follow it)


def to_rgb(inputs: torch.Tensor) -> np.ndarray:
    """Normalised network inputs [N, 3, S, S] back to RGB uint8 [N, S, S, 3], to draw on."""
    images = inputs.float().cpu() * torch.tensor(IMAGE_STD).view(1, 3, 1, 1) + torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    return (images.clamp(0, 1) * 255).byte().permute(0, 2, 3, 1).numpy()


class CropPreprocessor(_mmengine_model.BaseDataPreprocessor):
    """`augment`: AugmentSettings' fields (used in training only); `seed` fixes its draws."""

    def __init__(self, image_size: int, augment: dict[str, float] | None = None, seed: int = 0) -> None:
        super().__init__()
        self.image_size = int(image_size)
        self.augment = AugmentSettings(**augment) if augment else None
        self.generator = torch.Generator().manual_seed(seed)
        self.register_buffer("mean", torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGE_STD).view(1, 3, 1, 1), persistent=False)

    def labels(self, data: dict[str, Any], view: NetView) -> dict[str, Any]:
        """The stage's data samples in network pixels (and turned 3D labels)."""
        raise NotImplementedError

    def forward(self, data: dict[str, Any], training: bool = False) -> dict[str, Any]:
        size = self.image_size
        data = self.cast_data(data)
        images = data["images"]
        lead, (height, width) = images.shape[:-3], images.shape[-3:-1]
        batch, frames = lead[0], int(np.prod(lead[1:], dtype=np.int64))
        change = view_change(batch, size, self.augment if training else None, self.generator)
        device = images.device
        change.turn, change.rotation, change.focal_scale = (t.to(device) for t in (change.turn, change.rotation, change.focal_scale))
        crop = data["crop_size"].float()
        to_net = change.turn @ resize_matrix(crop, size)  # crop px -> network px
        pixels = change.turn @ resize_matrix(torch.full((batch,), float(width), device=device), size)  # loaded px -> network px
        flat = images.reshape(batch * frames, height, width, 3).permute(0, 3, 1, 2).float().div_(255.0)
        warped = warp_images(flat, pixels.repeat_interleave(frames, 0), size)
        if training and self.augment is not None:
            warped = jitter_colour(warped, self.augment.color, self.generator)
        warped = (warped - self.mean) / self.std
        samples = self.labels(data, NetView(to_net, size / crop * change.focal_scale, change.rotation))
        samples["to_crop"] = torch.linalg.inv(to_net)
        return {"inputs": warped.reshape(*lead, 3, size, size), "data_samples": samples}
