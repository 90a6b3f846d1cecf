"""Loading a trained mesh model back: its dumped MMEngine config rebuilds the network, the slim
checkpoint fills it, and the encoder comes from the config saved in the checkpoint's meta, so the
pretrained folder used in training need not exist any more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

import mmstack
from training.engine import CHECKPOINT_NAME, CONFIG_NAME


def load_mesh_model(folder: Path, body_files: dict[str, str | Path | None], device: str = "cpu") -> Any:
    """The model of `folder` (config.py + model.pth), in eval mode; `body_files` given replace the
    config's (model keys to files: the body model may live elsewhere on this machine)."""
    Config = mmstack.import_module("mmengine.config").Config
    MODELS = mmstack.import_module("mmengine.registry").MODELS
    cfg = Config.fromfile(str(folder / CONFIG_NAME))
    for key, path in body_files.items():
        if path:
            cfg.model[key] = str(path)
    state = torch.load(folder / CHECKPOINT_NAME, map_location="cpu")
    cfg.model.encoder.pretrained = None
    cfg.model.encoder.config = state["meta"]["encoder_config"]
    model = MODELS.build(cfg.model)
    model.load_state_dict(state["state_dict"])
    return model.to(device).eval()
