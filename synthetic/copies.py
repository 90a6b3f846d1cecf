"""`posefoundry sample --scale K`: K copies of a source's items, for benchmarks and load tests.

Copy 0 is the plain sample, byte for byte; copy r > 0 runs the same generator code on random
streams of its own (the copy's seed words are the plain ones plus COPY_TAG and r), so it has the
same layout (splits, labels, the odd cases each generator plants) with new content and new ids.
A generator that can scale takes `scale` as a keyword argument.
"""

from __future__ import annotations

import inspect
from typing import Callable, Iterable

import numpy as np

COPY_TAG = 0x5CA1E


def copy_rng(words: Iterable[int], copy: int) -> np.random.Generator:
    """The random stream of `copy` for a generator whose plain stream is seeded with `words`."""
    words = [int(w) for w in words]
    return np.random.default_rng(words if copy == 0 else [*words, COPY_TAG, copy])


def check_scalable(generators: dict[str, Callable], scale: int) -> None:
    """Raise ValueError when `scale` is not a positive integer or a chosen generator cannot scale."""
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a whole number >= 1, got {scale!r}")
    if scale == 1:
        return
    fixed = sorted(name for name, generate in generators.items() if "scale" not in inspect.signature(generate).parameters)
    if fixed:
        raise ValueError(f"no --scale for {', '.join(fixed)} yet (its generator takes no `scale`); leave it out with --only")
