"""Helpers the benches share: alternate two measurements so drifts in load cancel, print ratios."""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np
import torch

import mmstack


def timed(make: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = make()
    return time.perf_counter() - started, result


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
