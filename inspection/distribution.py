"""The summary of a set of numbers that the stats commands print (light: the table stats import it
without the shard readers)."""

from __future__ import annotations

from typing import Iterable

import numpy as np


def distribution(values: Iterable[float]) -> dict[str, float] | None:
    """min, 10th percentile, median, 90th percentile, max and mean; None when there are none."""
    array = np.asarray(list(values), dtype=np.float64)
    if array.size == 0:
        return None
    p10, p50, p90 = np.percentile(array, [10, 50, 90])
    return {"min": float(array.min()), "p10": float(p10), "median": float(p50), "p90": float(p90),
            "max": float(array.max()), "mean": float(array.mean())}
