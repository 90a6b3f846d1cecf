"""Reading annotation files with errors that name the file and say what is wrong with it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator, TextIO

import orjson

from tasks.items import ItemError, MissingSplit
from tasks.rawfiles import raw_path

CHUNK = 1 << 20
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _annotation_file(root: Path, name: str) -> Path:
    path = raw_path(root, name)
    if not path.is_file():
        raise MissingSplit(name, "annotation file not found")
    return path


def parse(text: str | bytes) -> Any:
    """orjson where it can (several times faster than json); Python's json for what orjson refuses
    but real files hold (NaN, Infinity, integers past 64 bits), and for its error messages."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def read_json(root: Path, name: str) -> Any:
    path = _annotation_file(root, name)
    try:
        return parse(path.read_bytes())
    except ValueError as err:
        raise ItemError(name, f"does not parse as JSON: {err}") from None


def object_members(root: Path, name: str) -> Iterator[tuple[str, str]]:
    """The members of a file holding one JSON object, as (key, the value's JSON text as written),
    read in chunks: a big table keyed by id (NeuralAnnot's SMPL-X fits) is never parsed whole, and
    each value stays compact text until the item that needs it parses it."""
    path = _annotation_file(root, name)
    try:
        with open(path, encoding="utf-8") as handle:
            yield from _Members(handle, name)
    except UnicodeDecodeError as err:
        raise ItemError(name, f"is not UTF-8 text: {err}") from None


class _Members:
    """A chunked scan of `{"key": value, ...}` with the stdlib decoder doing each key and value."""

    def __init__(self, handle: TextIO, name: str) -> None:
        self.handle, self.name = handle, name
        self.text, self.pos, self.done, self.offset = "", 0, False, 0

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self._char("{", "an object keyed by id")
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                key, start = self._value()
                if not isinstance(key, str):
                    self._fail("an object key (a string)", self.offset + start)
                self._char(":", "':'")
                _, start = self._value()
                yield key, self.text[start:self.pos]
                if self._char(",}", "',' or '}'") == "}":
                    break
        if self._peek() != "":
            self._fail("the end of the file after the object")

    def _more(self) -> bool:
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.done = True
            return False
        self.offset += self.pos
        self.text, self.pos = self.text[self.pos:] + chunk, 0
        return True

    def _peek(self) -> str:
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text) or not self._more():
                return self.text[self.pos:self.pos + 1]

    def _char(self, allowed: str, what: str) -> str:
        char = self._peek()
        if not char or char not in allowed:
            self._fail(what)
        self.pos += 1
        return char

    def _value(self) -> tuple[Any, int]:
        """The next JSON value and where it starts in `text` (read on until it is whole); moves past it."""
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
                follows = _SPACE.match(self.text, end).end()
                if self.done or (follows < len(self.text) and self.text[follows] in ",:}"):  # else "-0." may be "-0.5"
                    start, self.pos = self.pos, end
                    return value, start
            except json.JSONDecodeError as err:
                if self.done:
                    raise ItemError(self.name, f"does not parse as JSON: {err.msg} at character {self.offset + err.pos}") from None
            self._more()

    def _fail(self, what: str, at: int | None = None) -> None:
        at = self.offset + self.pos if at is None else at
        raise ItemError(self.name, f"does not parse as a JSON object: expected {what} at character {at}")
