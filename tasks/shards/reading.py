"""The project's one tar reader: shards walked member by member and grouped into samples. The
inspection commands, bench/ and webdataset pipelines (`shard_pipeline`) all read shards through it.

A shard is a local path or a URL that webdataset's gopen opens (pipe:, http(s)). A seekable plain
file (what shards are) is walked header by header with seeks, so a member nobody asked for is never
read; anything else (streams, pax or GNU headers, compression) goes through tarfile. tarfile treats
a truncated or corrupt header as a quiet end of the archive, so a cut-off download would read as a
shorter shard; here every way a walk ends is checked, and a damaged shard raises ShardReadError
(naming the shard and the member) after its last whole sample.

Members are grouped into samples by webdataset's own rule (key = name up to the first dot).
Nothing here imports webdataset (it imports torch, seconds that commands reading a shard's members
should not pay) except for URLs and `shard_pipeline`, which hands the samples to webdataset's stages.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator
from urllib.parse import unquote, urlparse

Select = Callable[[str], bool]
BLOCK = tarfile.BLOCKSIZE


@dataclass(frozen=True)
class Member:
    """One regular member of a tar: its name, header offset, size and bytes (None: not read)."""

    name: str
    offset: int
    size: int
    data: bytes | None


class ShardReadError(Exception):
    """A shard that cannot be read to its end: which shard, near which member, and why."""

    def __init__(self, shard: str, member: str | None, reason: str) -> None:
        self.shard, self.member, self.reason = shard, member, reason
        where = f"{shard} member {member!r}" if member else shard
        super().__init__(f"{where}: {reason}")


class _Watched(tarfile.TarInfo):
    """Remembers why the last header could not be read (tarfile ends the walk there silently)."""

    @classmethod
    def fromtarfile(cls, tar: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(tar)
        except tarfile.HeaderError as err:
            tar.posefoundry_end = err  # type: ignore[attr-defined]
            raise


def _position(tar: tarfile.TarFile) -> int:
    stream = tar.fileobj
    return stream.pos if hasattr(stream, "pos") else stream.tell()  # type: ignore[union-attr]


def _end_problem(tar: tarfile.TarFile, last: tarfile.TarInfo | None) -> tuple[str | None, str] | None:
    """(member, reason) when the walk stopped anywhere but at the end-of-archive marker."""
    err = getattr(tar, "posefoundry_end", None)
    if err is None or isinstance(err, tarfile.EOFHeaderError):
        return None
    member = last.name if last else None
    after = "after this member" if member else "at its start"
    if isinstance(err, tarfile.EmptyHeaderError):
        if last is not None and _position(tar) < tar.offset:
            return member, f"truncated: the file ends inside this member's data ({last.size} bytes expected)"
        return member, f"truncated: the file ends {after}, without the end-of-archive marker"
    if isinstance(err, tarfile.TruncatedHeaderError):
        return member, f"truncated: the file ends inside the header that follows (byte {tar.offset})"
    return member, f"corrupt tar header at byte {tar.offset} ({after}): {err}"


def _command_failure(handle: IO[bytes]) -> str | None:
    """For a pipe: URL, the exit status of its command when that is why reading stopped."""
    process = getattr(handle, "proc", None)
    if process is None:
        return None
    try:
        status = process.wait(timeout=2)  # its output ended: it has exited or is about to
    except subprocess.TimeoutExpired:
        return None
    return f"its command exited with status {status}" if status not in (0, -13, 141) else None


class _NotPlain(Exception):
    """A header the plain-ustar walk leaves to tarfile (pax, GNU long names, compression...)."""

    def __init__(self, offset: int, last: str | None) -> None:
        self.offset, self.last = offset, last


_ZERO_BLOCK = bytes(BLOCK)
_SKIPPED_TYPES = {b"1", b"2", b"3", b"4", b"5", b"6"}  # links, devices, folders, fifos: no data members
_REGULAR_TYPES = {b"0", b"\0", b"7"}


def _octal(field: bytes) -> int:
    text = field.split(b"\0", 1)[0].strip()
    return int(text, 8) if text else 0


def _plain_walk(handle: IO[bytes], shard: str, select: Select | None) -> Iterator[Member]:
    """Local uncompressed ustar (what shards are), header by header with seeks and a few times
    faster than tarfile; anything else raises _NotPlain at the header where tarfile must take over."""
    end = os.fstat(handle.fileno()).st_size
    offset = 0
    last: Member | None = None
    while True:
        handle.seek(offset)
        block = handle.read(BLOCK)
        name = last.name if last else None
        after = "after this member" if last else "at its start"
        if last is not None and offset > end and last.offset + BLOCK + last.size > end:
            raise ShardReadError(shard, name, f"truncated: the file ends inside this member's data ({last.size} bytes expected)")
        if offset == 0 and len(block) < BLOCK:
            raise _NotPlain(0, None)
        if not block:
            raise ShardReadError(shard, name, f"truncated: the file ends {after}, without the end-of-archive marker")
        if len(block) < BLOCK:
            raise ShardReadError(shard, name, f"truncated: the file ends inside the header that follows (byte {offset})")
        if block == _ZERO_BLOCK:
            return
        try:
            stored = _octal(block[148:156])
            kind = block[156:157]
            size = _octal(block[124:136])
        except ValueError:
            stored, kind, size = -1, b"", 0
        if stored != sum(block) - sum(block[148:156]) + 8 * 32:
            if offset == 0:
                raise _NotPlain(0, None)
            raise ShardReadError(shard, name, f"corrupt tar header at byte {offset} ({after}): bad checksum")
        if kind not in _REGULAR_TYPES | _SKIPPED_TYPES or block[124] & 0x80:
            raise _NotPlain(offset, name)
        text = block[:100].split(b"\0", 1)[0]
        if block[257:262] == b"ustar" and block[345] != 0:
            text = block[345:500].split(b"\0", 1)[0] + b"/" + text
        member = text.decode("utf-8", "surrogateescape")
        data_offset = offset + BLOCK
        offset = data_offset + -(-size // BLOCK) * BLOCK
        if kind in _SKIPPED_TYPES:
            continue
        data = None
        if select is None or select(member):
            data = handle.read(size)
            if len(data) < size:
                raise ShardReadError(shard, member, f"truncated: the file ends inside this member's data ({size} bytes expected)")
        last = Member(member, data_offset - BLOCK, size, data)
        yield last


def _tarfile_walk(handle: IO[bytes], shard: str, select: Select | None, seekable: bool, last_name: str | None = None) -> Iterator[Member]:
    """Any tar tarfile reads (pax, GNU, gzip...), streamed or from where `handle` stands."""
    try:
        tar = tarfile.open(fileobj=handle, mode="r:*" if seekable else "r|*", tarinfo=_Watched)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        if last_name is not None:
            raise ShardReadError(shard, last_name, f"unreadable header after this member: {err}") from None
        reason = "is empty" if "empty file" in str(err) else "is not a tar archive (no valid header at byte 0)"
        raise ShardReadError(shard, None, _command_failure(handle) or reason) from None
    last: tarfile.TarInfo | None = None
    members = iter(tar)
    while True:
        try:
            info = next(members)
        except StopIteration:
            break
        except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
            member = last.name if last else last_name
            if "unexpected end of data" in str(err) and last is not None:
                raise ShardReadError(shard, member, f"truncated: the file ends inside this member's data ({last.size} bytes expected)") from None
            reason = _command_failure(handle) or f"unreadable after this member: {err}"
            raise ShardReadError(shard, member, reason) from None
        last = info
        tar.members = []  # a stream of many members must not pile up in memory
        if not info.isreg():
            continue
        data = None
        if select is None or select(info.name):
            try:
                data = tar.extractfile(info).read()  # type: ignore[union-attr]
            except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
                reason = "truncated: the file ends inside this member's data" if "unexpected end" in str(err) else f"unreadable: {err}"
                raise ShardReadError(shard, info.name, f"{reason} ({info.size} bytes expected)") from None
        yield Member(info.name, info.offset, info.size, data)
    problem = _end_problem(tar, last)
    if problem:
        member, reason = problem
        failure = _command_failure(handle) if reason.startswith("truncated") else None
        raise ShardReadError(shard, member, f"{reason}; {failure}" if failure else reason)


def walk(handle: IO[bytes], shard: str, select: Select | None = None, seekable: bool = True) -> Iterator[Member]:
    """Every regular member of the tar in `handle`, with its data when `select(name)` (or always).

    A seekable plain file is walked header by header, seeking past unwanted data; from the first
    header that is not plain ustar (or for a stream), tarfile takes over."""
    if not seekable or not hasattr(handle, "fileno"):
        yield from _tarfile_walk(handle, shard, select, seekable)
        return
    try:
        yield from _plain_walk(handle, shard, select)
    except _NotPlain as stop:
        handle.seek(stop.offset)
        yield from _tarfile_walk(handle, shard, select, True, stop.last)


# ----------------------------------------------------------------------------- shards and samples

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


# ----------------------------------------------------------------------------- webdataset pipelines


def _files(sources: Iterable[dict[str, Any]], handler: Callable[[Exception], bool]) -> Iterator[dict[str, Any]]:
    """webdataset's tar stage: each source's members as {fname, data, __url__}, read by `members`."""
    for source in sources:
        url = source["url"]
        try:
            for member in members(url):
                yield {"fname": member.name, "data": member.data, "__url__": url}
        except ShardReadError as err:
            if handler(err):
                continue
            break


def shard_pipeline(urls: str | list[str], *stages: Any, handler: Callable[[Exception], bool] | None = None) -> Any:
    """A webdataset DataPipeline: the samples of `urls` in order (dicts of member bytes, as
    webdataset's own tar stage gives them, local shards walked with seeks), then `stages`."""
    import webdataset as wds
    from webdataset.handlers import reraise_exception
    from webdataset.tariterators import group_by_keys

    handler = handler or reraise_exception
    return wds.DataPipeline(wds.SimpleShardList(urls), lambda sources: group_by_keys(_files(sources, handler), handler=handler), *stages)
