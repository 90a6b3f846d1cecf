"""Task runners chosen by name in params.yaml: threads, processes, or Dask (one machine or many)."""

from __future__ import annotations

import os
from typing import Any

RUNNERS = ("threads", "processes", "dask")


def make_task_runner(kind: str = "threads", workers: int | None = None, address: str | None = None) -> Any:
    """A Prefect task runner. With `dask` and an address, tasks go to that existing cluster, so a
    build spreads over every machine that shares the data paths; without one a local cluster of
    `workers` processes is started for the run."""
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        # Bounded: unbounded, every video of a build decoded at once and memory grew with the dataset.
        return ThreadPoolTaskRunner(max_workers=workers or 2 * (os.cpu_count() or 1))
    if kind == "processes":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1, "processes": True})
    raise ValueError(f"unknown task runner {kind!r}; expected one of {', '.join(RUNNERS)}")
