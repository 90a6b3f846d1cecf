"""The ViT encoder of the mesh models: transformers' Dinov2, built from a config (small for the
sample) or loaded from a local folder of pretrained weights; never downloaded from a hub."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn


def _transformers() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers is imported: no hub lookups, ever
    import transformers

    return transformers


class VitEncoder(nn.Module):
    """Images [B, 3, S, S] (normalised) -> tokens [B, 1 + (S/patch)^2, width] (class token first).

    `pretrained`: a local folder (config.json + weights); `config`: a saved Dinov2Config as a dict
    (how a trained model rebuilds its encoder without that folder); else the small config given."""

    def __init__(self, image_size: int, patch_size: int, width: int, depth: int, heads: int,
                 mlp_ratio: int, pretrained: str | None = None, config: dict[str, Any] | None = None) -> None:
        super().__init__()
        if image_size % patch_size:
            # Dinov2 silently crops what does not fill a whole patch: refuse instead.
            raise ValueError(f"image_size {image_size} is not a multiple of patch_size {patch_size}")
        transformers = _transformers()
        if pretrained:
            folder = Path(pretrained)
            if not (folder / "config.json").is_file():
                raise FileNotFoundError(f"pretrained encoder folder {folder} has no config.json")
            self.model = transformers.Dinov2Model.from_pretrained(str(folder), local_files_only=True)
        elif config:
            self.model = transformers.Dinov2Model(transformers.Dinov2Config(**config))
        else:
            # Dinov2Config ignores `intermediate_size`; the MLP width comes from mlp_ratio.
            config = transformers.Dinov2Config(
                image_size=image_size, patch_size=patch_size, hidden_size=width, num_hidden_layers=depth,
                num_attention_heads=heads, mlp_ratio=mlp_ratio, hidden_dropout_prob=0.0,
                attention_probs_dropout_prob=0.0, drop_path_rate=0.0)
            self.model = transformers.Dinov2Model(config)
        self.width = int(self.model.config.hidden_size)
        self.patch_size = int(self.model.config.patch_size)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] % self.patch_size or images.shape[-2] % self.patch_size:
            raise ValueError(f"images of {list(images.shape[-2:])} px are not a multiple of the patch size {self.patch_size}")
        return self.model(pixel_values=images).last_hidden_state


def sincos_positions(encoder: VitEncoder) -> None:
    """Starts an encoder built from scratch with fixed-frequency 2D sine-cosine position embeddings
    (MAE's), still trainable: with few images a from-scratch ViT otherwise spends its steps learning
    where each patch is, and a mesh model must localise joints."""
    table = encoder.model.embeddings.position_embeddings
    side = int(round((table.shape[1] - 1) ** 0.5))
    quarter = table.shape[2] // 4
    frequencies = 1.0 / (10000 ** (torch.arange(quarter, dtype=torch.float64) / quarter))
    ys, xs = torch.meshgrid(torch.arange(side, dtype=torch.float64), torch.arange(side, dtype=torch.float64), indexing="ij")
    angles = [axis.reshape(-1, 1) * frequencies for axis in (xs, ys)]
    grid = torch.cat([f(a) for a in angles for f in (torch.sin, torch.cos)], dim=1)
    values = torch.zeros(table.shape[1:], dtype=torch.float64)
    values[1:, :grid.shape[1]] = grid
    with torch.no_grad():
        table.copy_(values[None].to(table.dtype))
