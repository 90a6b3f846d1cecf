"""A shard's samples: members grouped by webdataset's own rule (key = name up to the first dot).

A shard is a local path or a URL that webdataset's gopen opens (pipe:, http(s)); local shards are
walked with seeks, URLs streamed (see tarwalk). A damaged shard raises ShardReadError after its last
whole sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import unquote, urlparse


from tasks.inspect.tarwalk import Member, Select, ShardReadError, walk

__all__ = ["Member", "Sample", "Select", "ShardReadError", "extensions", "group", "is_url", "key_is",
           "local_path", "members", "open_shard", "samples", "split_name"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")


@dataclass
class Sample:
    """The members sharing one key; `members` maps extension -> bytes (None: present, not read)."""

    key: str
    shard: str
    offset: int
    members: dict[str, bytes | None] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def as_webdataset(self) -> dict[str, object]:
        """The dict webdataset yields before decoding (only the members that were read)."""
        read = {ext: data for ext, data in self.members.items() if data is not None}
        return {"__key__": self.key, "__url__": self.shard, **read}


def is_url(target: str) -> bool:
    """True for what webdataset's gopen opens other than a local file (pipe:, http(s), ...)."""
    return bool(_SCHEME.match(target)) and not target.startswith("file:")


def local_path(target: str) -> Path | None:
    if target.startswith("file:"):
        return Path(unquote(urlparse(target).path))
    return None if is_url(target) else Path(target)


# webdataset's `tariterators.base_plus_ext` rule (a test holds them equal); importing webdataset
# imports torch, seconds that commands reading a shard's members should not pay.
_KEY_EXT = re.compile(r"^((?:.*/|)[^.]+)[.]([^/]*)$")


def split_name(name: str) -> tuple[str | None, str | None]:
    """(key, extension) as webdataset splits a member name; (None, None) when it has no dot."""
    match = _KEY_EXT.match(name)
    if not match:
        return None, None
    return match.group(1), match.group(2).lower()


def extensions(wanted: set[str]) -> Select:
    return lambda name: split_name(name)[1] in wanted


def key_is(key: str) -> Select:
    return lambda name: split_name(name)[0] == key


def open_shard(target: str) -> IO[bytes]:
    path = local_path(target)
    try:
        if path is not None:
            return open(path, "rb")
        from webdataset.gopen import gopen  # URLs only: webdataset imports torch

        return gopen(target, "rb")
    except OSError as err:
        raise ShardReadError(target, None, f"cannot be opened: {err.strerror or err}") from None


def members(target: str, select: Select | None = None) -> Iterator[Member]:
    """Open a shard (a path or a URL webdataset opens) and walk it; the handle is closed after."""
    handle = open_shard(target)
    try:
        yield from walk(handle, target, select, seekable=local_path(target) is not None)
    finally:
        try:
            handle.close()
        except OSError:
            pass


def group(items: Iterator[Member], shard: str) -> Iterator[Sample]:
    """Consecutive members with one key make a sample, as webdataset's group_by_keys does."""
    current: Sample | None = None
    try:
        for member in items:
            key, ext = split_name(member.name)
            if key is None or ext is None:
                note = f"member {member.name!r} has no extension (webdataset skips it)"
                if current is not None:
                    current.problems.append(note)
                continue
            if current is None or current.key != key:
                if current is not None:
                    yield current
                current = Sample(key, shard, member.offset)
            if ext in current.sizes:
                current.problems.append(f"member {member.name!r} appears twice")
                continue
            current.members[ext] = member.data
            current.sizes[ext] = member.size
    except ShardReadError as err:
        # the sample before a damaged member of another key is whole; the one the damage is in is not
        if current is not None and err.member and split_name(err.member)[0] != current.key:
            yield current
        raise
    if current is not None:
        yield current


def samples(target: str, select: Select | None = None) -> Iterator[Sample]:
    """The samples of one shard; raises ShardReadError after the last whole sample when it is damaged."""
    yield from group(members(target, select), target)
