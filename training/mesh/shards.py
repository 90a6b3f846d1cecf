"""Shards read in place for training: wids' random access over a split's index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schemas.manifest import WIDS_INDEX_NAME


def open_index(folder: str | Path) -> Any:
    """wids' random-access view of a split's shards, reading the local files in place."""
    import wids

    index = Path(folder) / WIDS_INDEX_NAME
    if not index.is_file():
        raise FileNotFoundError(f"{index} does not exist: build the dataset first (posefoundry build ...)")
    return wids.ShardListDataset(str(index), localname=lambda url: url, transformations=[])
