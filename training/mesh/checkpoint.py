"""Loading a trained mesh model back: its dumped MMEngine config rebuilds the network, the slim
checkpoint fills it, and the encoder comes from the config saved in the checkpoint's meta, so the
pretrained folder used in training need not exist any more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

import mmstack


def load_mesh_model(folder: Path, config_name: str, checkpoint_name: str, overrides: dict[str, Any],
                    device: str = "cpu") -> Any:
    """The model of `folder`, in eval mode; `overrides` replace keys of the config's `model` (e.g. a
    body-model file that lives elsewhere on this machine)."""
    Config = mmstack.import_module("mmengine.config").Config
    MODELS = mmstack.import_module("mmengine.registry").MODELS
    cfg = Config.fromfile(str(folder / config_name))
    for key, value in overrides.items():
        cfg.model[key] = value
    state = torch.load(folder / checkpoint_name, map_location="cpu")
    cfg.model.encoder.pretrained = None
    cfg.model.encoder.config = state["meta"]["encoder_config"]
    model = MODELS.build(cfg.model)
    model.load_state_dict(state["state_dict"])
    return model.to(device).eval()
