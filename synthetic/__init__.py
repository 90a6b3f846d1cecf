"""Synthetic copies of each raw source, in its exact layout, deterministic from a seed.

Each generator module `synthetic/<dataset>.py` holds
`generate(out: Path, seed: int, body_models: dict[str, Path]) -> int` that writes one source's raw
tree into `out` and returns how many items (images or videos) it wrote.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable

# dataset name -> the folder it gets under the sample root (the spec's default root uses the same)
DATASETS = ("coco", "interhand26m", "dexycb", "rwf2000", "aihub_falldown", "aihub_fall_sensor")
BODY_MODELS_DIR = "body_models"


def generator(name: str) -> Callable[[Path, int, dict[str, Path]], int]:
    if name not in DATASETS:
        raise KeyError(f"no synthetic generator for {name!r}; known: {', '.join(DATASETS)}")
    return importlib.import_module(f"synthetic.{name}").generate


def write_sample(
    out: Path,
    seed: int = 0,
    datasets: tuple[str, ...] = DATASETS,
    progress: Callable[[str, int], None] | None = None,
    scale: int = 1,
) -> dict[str, Path]:
    """Write the stand-in body models, then every dataset's raw tree, under `out`; `scale` K writes
    K times the items (synthetic.copies: new ids, the same layout; 1 is the plain sample)."""
    from synthetic.bodymodels import write_all
    from synthetic.copies import check_scalable

    check_scalable({name: generator(name) for name in datasets}, scale)
    out.mkdir(parents=True, exist_ok=True)
    body_models = write_all(out / BODY_MODELS_DIR, seed=seed)
    written = {BODY_MODELS_DIR: out / BODY_MODELS_DIR}
    for name in datasets:
        count = generator(name)(out / name, seed, body_models, **({"scale": scale} if scale > 1 else {}))
        written[name] = out / name
        if progress:
            progress(name, count)
    return written
