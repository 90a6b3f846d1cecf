"""The one door to OpenMMLab (MMEngine, MMAction2, MMPose).

The pinned wheels have defects on a CPU-only, torchvision-free stack (see the README's "OpenMMLab on
this stack"). Every project module that needs OpenMMLab imports it from here, so the measures below
are applied in process, once, before the first OpenMMLab import; installed files are never edited.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any

_applied = False
_registered: set[str] = set()


class _MissingOp:
    """Stands in for a compiled mmcv op that mmcv-lite lacks: importable, fails only when used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"{type(self).__name__} needs mmcv's compiled ops, which mmcv-lite does not ship; "
            "this model is not supported on this stack"
        )


def _stand_in_mmcv_ops() -> types.ModuleType:
    module = types.ModuleType("mmcv.ops")
    module.__doc__ = "Stand-in for mmcv.ops (compiled ops are absent from mmcv-lite)."

    def __getattr__(name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        op = type(name, (_MissingOp,), {"__module__": "mmcv.ops"})
        setattr(module, name, op)
        return op

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    module.__path__ = []  # type: ignore[attr-defined]
    return module


def _stand_in_drn() -> None:
    """mmaction2 1.2.0's wheel lacks `localizers/drn` yet `localizers/__init__` imports it."""
    package = types.ModuleType("mmaction.models.localizers.drn")
    package.__path__ = []  # type: ignore[attr-defined]
    module = types.ModuleType("mmaction.models.localizers.drn.drn")
    module.DRN = type("DRN", (_MissingOp,), {"__module__": module.__name__})  # type: ignore[attr-defined]
    package.drn = module  # type: ignore[attr-defined]
    sys.modules.setdefault(package.__name__, package)
    sys.modules.setdefault(module.__name__, module)


def _stand_in_simcc_vis() -> None:
    """mmpose.visualization imports `simcc_vis`, which imports torchvision for one debugging class.

    Registries of the mmpose scope (log processors, visualizers) import mmpose.visualization on
    first use, so without this no MMPose runner starts on a torchvision-free stack."""
    module = types.ModuleType("mmpose.visualization.simcc_vis")
    module.SimCCVisualizer = type("SimCCVisualizer", (_MissingOp,), {"__module__": module.__name__})  # type: ignore[attr-defined]
    sys.modules.setdefault(module.__name__, module)


def _mmaction_without_multimodal() -> None:
    """mmaction2 imports its VindLU models whenever transformers is installed, and they need timm
    (which needs torchvision). Without timm, MMAction2 registers its own placeholders instead."""
    if importlib.util.find_spec("timm") is None:
        importlib.import_module("mmaction.utils.dependency").WITH_MULTIMODAL = False


def _numpy_names() -> None:
    """mmaction2 still uses names numpy 2 removed; alias them if this numpy lacks them."""
    import numpy as np

    aliases = {"Inf": "inf", "trapz": "trapezoid", "in1d": "isin"}
    for old, new in aliases.items():
        if not hasattr(np, old) and hasattr(np, new):
            setattr(np, old, getattr(np, new))


def _safe_torch_globals() -> None:
    """torch 2.6+ loads checkpoints weights-only; allow what MMEngine's checkpoints hold."""
    import numpy as np
    import torch
    from mmengine.logging import HistoryBuffer

    safe: list[Any] = [HistoryBuffer, np.ndarray, np.dtype, np.core.multiarray._reconstruct]
    safe += [np.dtype(t).type for t in ("f4", "f8", "i4", "i8", "u1", "bool")]
    safe += [type(np.dtype(t)) for t in ("f4", "f8", "i4", "i8", "u1", "bool")]
    # HistoryBuffer pickles its statistics methods by name through `getattr` on its own class.
    safe += [np.core.multiarray.scalar, getattr]
    torch.serialization.add_safe_globals(safe)


def apply() -> None:
    """Apply every compatibility measure once; idempotent and cheap after the first call."""
    global _applied
    if _applied:
        return
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    sys.modules.setdefault("mmcv.ops", _stand_in_mmcv_ops())
    _stand_in_drn()
    _stand_in_simcc_vis()
    _numpy_names()
    _safe_torch_globals()
    _applied = True


def import_module(name: str) -> types.ModuleType:
    """Import an OpenMMLab module (e.g. 'mmaction.models') after the measures are in place."""
    if not name.split(".")[0] in {"mmengine", "mmaction", "mmpose", "mmdet", "mmcv"}:
        raise ValueError(f"{name!r} is not an OpenMMLab module")
    apply()
    if name.startswith("mmaction") and "mmaction.models" not in sys.modules:
        _mmaction_without_multimodal()
    return importlib.import_module(name)


def register(scope: str) -> None:
    """Register one scope's modules (mmaction or mmpose) once a process: it takes seconds."""
    if scope in _registered:
        return
    if scope == "mmaction":
        import_module("mmaction.models")
        import_module("mmaction.datasets")
        import_module("mmaction.evaluation")
    elif scope == "mmpose":
        import_module("mmpose.models")
        import_module("mmpose.datasets")
        import_module("mmpose.evaluation")
    else:
        raise ValueError(f"unknown OpenMMLab scope {scope!r}; expected 'mmaction' or 'mmpose'")
    _registered.add(scope)


def config_dir(package: str) -> Path:
    """The configs an OpenMMLab wheel ships under `.mim/configs`."""
    module = import_module(package)
    path = Path(module.__file__).parent / ".mim" / "configs"
    if not path.is_dir():
        raise FileNotFoundError(f"{package} ships no configs at {path}")
    return path


def _strip_mmdet(node: Any) -> Any:
    """RTMPose/RTMO configs name mmdet's copies of modules that mmpose also has."""
    if isinstance(node, dict):
        out = {k: _strip_mmdet(v) for k, v in node.items()}
        if out.get("_scope_") == "mmdet":
            del out["_scope_"]
        if isinstance(out.get("type"), str) and out["type"].startswith("mmdet."):
            out["type"] = out["type"].split(".", 1)[1]
        return out
    if isinstance(node, list):
        return [_strip_mmdet(v) for v in node if not _is_mmdet_engine_hook(v)]
    return node


def _is_mmdet_engine_hook(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == "mmdet.PipelineSwitchHook"


def load_config(path: str | Path) -> Any:
    """An MMEngine Config with the mmdet-scoped pieces mapped to mmpose's own equivalents."""
    Config = import_module("mmengine.config").Config
    cfg = Config.fromfile(str(path))
    return Config(_strip_mmdet(cfg.to_dict()))


def build_pose_model(cfg: Any, checkpoint: str | Path | None = None, device: str = "cpu") -> Any:
    """An MMPose model from a config through the registry (mmpose.apis needs torchvision)."""
    register("mmpose")
    registry = import_module("mmpose.registry")
    init_default_scope = import_module("mmengine.registry").init_default_scope
    init_default_scope("mmpose")
    model = registry.MODELS.build(cfg.model)
    if checkpoint is not None:
        import_module("mmengine.runner").load_checkpoint(model, str(checkpoint), map_location="cpu")
    model.cfg = cfg
    return model.to(device).eval()


def build_action_model(model_cfg: dict) -> Any:
    """An MMAction2 model (e.g. STGCN++'s RecognizerGCN) from a plain config dict."""
    register("mmaction")
    registry = import_module("mmaction.registry")
    import_module("mmengine.registry").init_default_scope("mmaction")
    return registry.MODELS.build(model_cfg)


def pose_metainfo(dataset_config: str = "_base_/datasets/coco.py") -> dict:
    """Keypoint names, flip pairs and sigmas of a dataset, as MMPose's models expect in dataset_meta."""
    parse = import_module("mmpose.datasets.datasets.utils").parse_pose_metainfo
    return parse({"from_file": str(config_dir("mmpose") / dataset_config)})


def pose_inference(model: Any, images: list[Any], bboxes: list[Any] | None = None) -> list[Any]:
    """Run an MMPose model on BGR images without `mmpose.apis` (it needs torchvision).

    Top-down models take `bboxes[i]` ([N, 4] xyxy) per image and give one sample per box; bottom-up
    models (RTMO) take whole images. Returns the PoseDataSamples, keypoints in image pixels."""
    register("mmpose")
    import numpy as np
    import torch

    transforms = import_module("mmpose.registry").TRANSFORMS
    compose = import_module("mmcv.transforms").Compose
    pseudo_collate = import_module("mmengine.dataset").pseudo_collate
    if not getattr(model, "dataset_meta", None):
        model.dataset_meta = pose_metainfo()
    pipeline = compose([transforms.build(t) for t in model.cfg.test_dataloader.dataset.pipeline])
    items = []
    for index, image in enumerate(images):
        if bboxes is None:
            items.append(pipeline({"img": image, **model.dataset_meta}))
            continue
        for box in np.asarray(bboxes[index], dtype=np.float32).reshape(-1, 4):
            info = {"img": image, "bbox": box[None], "bbox_score": np.ones(1, np.float32), **model.dataset_meta}
            items.append(pipeline(info))
    if not items:
        return []
    with torch.no_grad():
        return model.test_step(pseudo_collate(items))
