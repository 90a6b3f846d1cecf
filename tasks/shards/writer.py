"""A streaming shard writer: samples in, deterministic shards cut by count and size out.

The build flow assembles shards from cached records instead (to rewrite only what changed); both
use the same record encoding and the same cutting rule, so they produce the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Mapping

from schemas.manifest import ShardEntry
from tasks.shards.layout import shard_name
from tasks.shards.tarball import BackgroundDigest, end_of_archive, sample_parts, temporary_name


class ShardWriter:
    """Write `<dataset>-<split>-%06d.tar` files into `folder`; each appears under its final name
    only once complete. Use as a context manager; `shards` lists what was written."""

    def __init__(self, folder: Path, dataset: str, split: str, max_samples: int = 1000, max_bytes: int = 256 << 20) -> None:
        if max_samples < 1 or max_bytes < 1:
            raise ValueError(f"shard limits must be positive, got max_samples={max_samples}, max_bytes={max_bytes}")
        self.folder = Path(folder)
        self.dataset, self.split = dataset, split
        self.max_samples, self.max_bytes = max_samples, max_bytes
        self.shards: list[ShardEntry] = []
        self._handle: IO[bytes] | None = None
        self._digest: BackgroundDigest | None = None
        self._count = self._size = 0

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self._abandon()

    def _path(self) -> Path:
        return self.folder / shard_name(self.dataset, self.split, len(self.shards))

    def write(self, sample: Mapping[str, object]) -> None:
        parts = sample_parts(sample)
        size = sum(len(part) for part in parts)
        full = self._count >= self.max_samples or (self._count > 0 and self._size + size > self.max_bytes)
        if self._handle is not None and full:
            self._finish()
        if self._handle is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._handle = open(temporary_name(self._path()), "wb")
            self._digest = BackgroundDigest()
            self._count = self._size = 0
        self._handle.writelines(parts)
        self._digest.update(*parts)
        self._count += 1
        self._size += size

    def _finish(self) -> None:
        assert self._handle is not None and self._digest is not None
        tail = end_of_archive(self._size)
        self._handle.write(tail)
        self._digest.update(tail)
        self._handle.close()
        self._handle = None
        path = self._path()
        os.replace(temporary_name(path), path)
        self.shards.append(ShardEntry(path.name, self._count, self._size + len(tail), self._digest.hexdigest()))
        self._digest = None

    def _abandon(self) -> None:
        if self._digest is not None:
            self._digest.hexdigest()
            self._digest = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            temporary_name(self._path()).unlink(missing_ok=True)

    def close(self) -> list[ShardEntry]:
        if self._handle is not None:
            self._finish()
        return self.shards
