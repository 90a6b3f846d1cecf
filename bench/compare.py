"""Helpers the benches share: alternate two measurements so drifts in load cancel, print ratios,
and set a stage's model up for timed training steps."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

import mmstack


def timed(make: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = make()
    return time.perf_counter() - started, result


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The shortest of `repeats` runs of `work` in seconds: the one least disturbed by other load."""
    return min(timed(work)[0] for _ in range(repeats))


def alternate(repeats: int, ours: Callable[[], float], theirs: Callable[[], float]) -> list[tuple[float, float]]:
    """(ours, theirs) measurements, the order swapped every repeat so drifts in load cancel."""
    pairs = []
    for r in range(repeats):
        if r % 2 == 0:
            a = ours()
            b = theirs()
        else:
            b = theirs()
            a = ours()
        pairs.append((a, b))
    return pairs


def report(name: str, ratios: list[float]) -> None:
    print(f"  {name:<40s} {statistics.median(ratios):6.2f}x   (repeats: {', '.join(f'{x:.2f}' for x in ratios)})")


def loader(dataset, batch_size: int, seed: int) -> torch.utils.data.DataLoader:
    collate = mmstack.import_module("mmengine.dataset").pseudo_collate
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator,
                                       collate_fn=collate, num_workers=0, drop_last=True)


def data_rate(dataset, batch_size: int, batches: int, seed: int) -> float:
    """Samples a second through the pipeline alone."""
    np.random.seed(seed)
    started = time.perf_counter()
    seen = 0
    while seen < batches * batch_size:
        for batch in loader(dataset, batch_size, seed):
            seen += len(batch["inputs"])
            if seen >= batches * batch_size:
                break
    return seen / (time.perf_counter() - started)


def step_rate(model, wrapper, prepared: list[dict], iters: int) -> float:
    """Samples a second through an MMEngine model's forward, losses, backward and optimiser step, on
    batches its data preprocessor prepared beforehand (the data path not counted)."""
    model.train()
    started = time.perf_counter()
    seen = 0
    for i in range(iters):
        data = prepared[i % len(prepared)]
        losses = model._run_forward(data, mode="loss")
        total, _ = model.parse_losses(losses)
        wrapper.update_params(total)
        seen += data["inputs"].shape[0]
    return seen / (time.perf_counter() - started)


def step_bench_args(doc: str, params: Path) -> argparse.Namespace:
    """The options of a bench that sets a stage's data path against its training step."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=params)
    parser.add_argument("--split", default="train")
    parser.add_argument("--batches", type=int, default=6, help="batches per data-path measurement")
    parser.add_argument("--iters", type=int, default=4, help="timed training steps per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="alternating measurements of each side")
    return parser.parse_args()


def mesh_model_and_optimiser(params: Any, config: dict[str, Any]) -> tuple[Any, Any]:
    """A mesh stage's model built from `config` (its module imported, so registered), seeded as
    training seeds it, and the optimiser wrapper training steps it with: AdamW with gradient clipping."""
    MODELS = mmstack.import_module("mmengine.registry").MODELS
    OptimWrapper = mmstack.import_module("mmengine.optim").OptimWrapper
    torch.manual_seed(params.seed)
    model = MODELS.build(config)
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=params.lr, weight_decay=params.weight_decay),
                           clip_grad=dict(max_norm=params.grad_clip, norm_type=2))
    return model, wrapper
