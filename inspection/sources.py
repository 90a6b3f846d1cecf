"""What a PATH argument names: groups of shards (one per split folder) with their manifest.

PATH is a folder (a split folder, a dataset folder or all of data/shards), one shard, a glob, or a
URL that webdataset opens (pipe:, http(s)); brace ranges (`-{000000..000003}.tar`) expand as in
webdataset. Hidden folders (the build's `.cache`) and partial files are never shards.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import braceexpand

from schemas import SchemaError
from schemas.manifest import MANIFEST_NAME, WIDS_INDEX_NAME, Manifest, ShardEntry
from tasks.shards.reading import is_url, local_path

SHARD_SUFFIXES = (".tar", ".tar.gz", ".tgz")
_GLOB_CHARS = set("*?[")


class TargetError(ValueError):
    """A PATH that names no shards (a usage error, not a problem with data)."""


def is_shard_name(name: str) -> bool:
    return name.endswith(SHARD_SUFFIXES) and not name.startswith(".")


@dataclass
class Shard:
    target: str
    name: str
    path: Path | None = None

    @property
    def exists(self) -> bool:
        return self.path is None or self.path.is_file()


@dataclass
class ShardGroup:
    """The shards of one split folder (or of one URL pattern) and the manifest beside them."""

    label: str
    folder: Path | None
    shards: list[Shard] = field(default_factory=list)
    manifest: Manifest | None = None
    manifest_error: str | None = None
    whole: bool = True

    def entry(self, name: str) -> ShardEntry | None:
        if self.manifest is None:
            return None
        return next((s for s in self.manifest.shards if s.name == name), None)

    @property
    def expected_samples(self) -> int | None:
        """How many samples the manifest says these shards hold (None without a manifest)."""
        if self.manifest is None:
            return None
        return sum(entry.samples for shard in self.shards if (entry := self.entry(shard.name)))

    @property
    def kind(self) -> str | None:
        return self.manifest.kind if self.manifest else None

    def split_of(self) -> tuple[str, str] | None:
        """(dataset, split) from the manifest, else from the folder names; None for URLs."""
        if self.manifest is not None:
            return self.manifest.dataset, self.manifest.split
        return (self.folder.parent.name, self.folder.name) if self.folder is not None else None

    @property
    def index_path(self) -> Path | None:
        return self.folder / WIDS_INDEX_NAME if self.folder else None


def read_manifest(folder: Path) -> tuple[Manifest | None, str | None]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None, None
    try:
        return Manifest.read(path), None
    except SchemaError as err:
        return None, str(err)
    except (OSError, ValueError, TypeError) as err:
        return None, f"{path}: unreadable: {err}"


def _label(folder: Path, manifest: Manifest | None) -> str:
    if manifest is not None:
        return f"{manifest.dataset}/{manifest.split}"
    return f"{folder.parent.name}/{folder.name}" if folder.parent.name else folder.name


def folder_group(folder: Path, only: list[Path] | None = None) -> ShardGroup:
    """A split folder: shards on disk plus those its manifest lists (which may be missing)."""
    manifest, error = read_manifest(folder)
    names = {p.name for p in folder.iterdir() if p.is_file() and is_shard_name(p.name)}
    if manifest is not None:
        names |= {s.name for s in manifest.shards}
    if only is not None:
        names = {p.name for p in only}
    shards = [Shard(str(folder / n), n, folder / n) for n in sorted(names)]
    return ShardGroup(_label(folder, manifest), folder, shards, manifest, error, whole=only is None)


def _split_folders(root: Path) -> list[Path]:
    """Every folder under root (itself included) that holds shards or a manifest (not the manifest
    beside skeleton tables)."""
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if any(is_shard_name(f) for f in files) or (MANIFEST_NAME in files and not any(f.endswith(".parquet") for f in files)):
            found.append(Path(current))
    return found


def _from_paths(paths: list[Path]) -> list[ShardGroup]:
    groups: list[ShardGroup] = []
    files: dict[Path, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            groups += [folder_group(f) for f in _split_folders(path)]
        elif path.is_file() and is_shard_name(path.name):
            files.setdefault(path.parent, []).append(path)
    groups += [folder_group(folder, sorted(set(shards))) for folder, shards in sorted(files.items())]
    return groups


def resolve(target: str) -> list[ShardGroup]:
    """The shard groups PATH names; raises TargetError when it names none."""
    pieces = list(braceexpand.braceexpand(target)) if "{" in target else [target]
    urls = [p for p in pieces if is_url(p)]
    if urls:
        shards = [Shard(u, u.rstrip("/").rsplit("/", 1)[-1] or u) for u in urls]
        return [ShardGroup(target, None, shards)]
    paths: list[Path] = []
    for piece in pieces:
        path = local_path(piece)
        assert path is not None
        if _GLOB_CHARS & set(piece):
            paths += [Path(p) for p in sorted(glob.glob(piece, recursive=True))]
        elif path.exists():
            paths.append(path)
        elif "{" not in target:
            raise TargetError(f"{target}: no such file or folder")
    if not paths:
        raise TargetError(f"{target}: matches no file or folder")
    for path in paths:
        if path.is_file() and not is_shard_name(path.name):
            raise TargetError(f"{path}: not a shard (expected a name ending in {', '.join(SHARD_SUFFIXES)})")
    groups = _from_paths(paths)
    if not groups:
        raise TargetError(f"{target}: no shards and no {MANIFEST_NAME} found there")
    return groups


def wids_index(folder: Path) -> tuple[dict | None, str | None]:
    path = folder / WIDS_INDEX_NAME
    if not path.is_file():
        return None, None
    try:
        return json.loads(path.read_text()), None
    except (OSError, ValueError) as err:
        return None, f"{path}: unreadable: {err}"
