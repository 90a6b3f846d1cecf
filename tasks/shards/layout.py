"""Where shards go and which samples each holds.

`data/shards/<dataset>/<split>/<dataset>-<split>-%06d.tar`, with the manifest and wids index in
the split folder. Samples are cut into shards in key order by count and by size, so the same
samples always give the same shards.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence


def split_dir(out: Path, split: str) -> Path:
    return Path(out) / split


def shard_name(dataset: str, split: str, index: int) -> str:
    return f"{dataset}-{split}-{index:06d}.tar"


def shard_pattern(dataset: str, split: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(dataset)}-{re.escape(split)}-\d{{6}}\.tar$")


def cut(sizes: Sequence[int], max_samples: int, max_bytes: int) -> list[range]:
    """Consecutive runs of samples: a new shard starts when the next sample would pass either
    limit. A sample larger than `max_bytes` gets a shard of its own rather than failing."""
    if max_samples < 1 or max_bytes < 1:
        raise ValueError(f"shard limits must be positive, got max_samples={max_samples}, max_bytes={max_bytes}")
    runs: list[range] = []
    start = used = 0
    for index, size in enumerate(sizes):
        full = index - start >= max_samples or (index > start and used + size > max_bytes)
        if full:
            runs.append(range(start, index))
            start, used = index, 0
        used += size
    if start < len(sizes):
        runs.append(range(start, len(sizes)))
    return runs
