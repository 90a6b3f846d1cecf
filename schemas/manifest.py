"""`manifest.json` beside a split's shards: what was written, from what, and what was left out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from schemas.errors import Problem, raise_if
from schemas.shards import KINDS
from schemas.version import SCHEMA_VERSION

MANIFEST_NAME = "manifest.json"
WIDS_INDEX_NAME = "index.wids.json"


@dataclass
class ShardEntry:
    name: str
    samples: int
    bytes: int
    sha256: str


@dataclass
class Quarantined:
    item: str
    file: str
    reason: str


@dataclass
class Manifest:
    dataset: str
    split: str
    kind: str
    source_fingerprint: str
    params_hash: str
    shards: list[ShardEntry] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION

    @property
    def num_samples(self) -> int:
        return sum(s.samples for s in self.shards)

    def to_json(self) -> str:
        """The file's text (writers put it in place atomically: tasks.atomic.write_text)."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = MANIFEST_NAME) -> "Manifest":
        raise_if(source, manifest_problems(data, source))
        data = dict(data)
        data["shards"] = [ShardEntry(**s) for s in data["shards"]]
        data["quarantined"] = [Quarantined(**q) for q in data["quarantined"]]
        return cls(**data)

    @classmethod
    def read(cls, path: str | Path) -> "Manifest":
        return cls.from_dict(read_json(path), str(path))


def read_json(path: str | Path) -> Any:
    """A manifest file's data; a SchemaError naming the file when it is not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except ValueError as err:
        raise_if(str(path), [Problem(str(path), f"is not JSON: {err}")])


_FIELDS = {
    "schema_version": str, "dataset": str, "split": str, "kind": str,
    "source_fingerprint": str, "params_hash": str, "shards": list, "quarantined": list,
}
_SHARD_FIELDS = {"name": str, "samples": int, "bytes": int, "sha256": str}
_QUARANTINE_FIELDS = {"item": str, "file": str, "reason": str}


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def entry_problems(where: str, entry: Any, spec: dict[str, type | tuple[type, ...]]) -> list[Problem]:
    """An object with exactly the keys of `spec`, each of its type (a bool is no int)."""
    if not isinstance(entry, dict):
        return [Problem(where, "expected an object")]
    problems = [Problem(where, f"missing key {k!r}") for k in spec if k not in entry]
    problems += [
        Problem(f"{where} key {k!r}", f"is {type(entry[k]).__name__}, expected {_type_name(t)}")
        for k, t in spec.items() if k in entry and (not isinstance(entry[k], t) or isinstance(entry[k], bool))
    ]
    problems += [Problem(where, f"unexpected key {k!r}") for k in entry if k not in spec]
    return problems


def manifest_problems(data: Any, source: str = MANIFEST_NAME) -> list[Problem]:
    problems = entry_problems(source, data, _FIELDS)
    if problems:
        return problems
    major = str(data["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        problems.append(Problem(f"{source} key 'schema_version'", f"is {data['schema_version']}, this reader knows {SCHEMA_VERSION}"))
    if data["kind"] not in KINDS:
        problems.append(Problem(f"{source} key 'kind'", f"is {data['kind']!r}, expected one of {list(KINDS)}"))
    for i, shard in enumerate(data["shards"]):
        problems += entry_problems(f"{source} shards[{i}]", shard, _SHARD_FIELDS)
    for i, item in enumerate(data["quarantined"]):
        problems += entry_problems(f"{source} quarantined[{i}]", item, _QUARANTINE_FIELDS)
    return problems
