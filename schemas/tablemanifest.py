"""`manifest.json` beside a dataset's skeleton tables: each file's bytes, sha256 and row count.

Written by the table writer after the merge, deterministic (no times, no absolute paths: the same
tables give the same bytes); `tables verify` and `tables validate` check the files against it.
`rows` is the Parquet row count; null for files that are not tables (the MMAction2 pickle).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from schemas.errors import Problem, raise_if
from schemas.manifest import entry_problems, read_json
from schemas.version import SCHEMA_VERSION

TABLE_MANIFEST_NAME = "manifest.json"
TABLES_KIND = "skeleton_tables"
# what a manifest may list: the three tables and the MMAction2 export
TABLE_FILES = ("clips.parquet", "frames.parquet", "samples.parquet", "mmaction.pkl")


@dataclass
class TableFile:
    name: str
    bytes: int
    sha256: str
    rows: int | None = None


@dataclass
class TableManifest:
    dataset: str
    files: list[TableFile] = field(default_factory=list)
    kind: str = TABLES_KIND
    schema_version: str = SCHEMA_VERSION

    def entry(self, name: str) -> TableFile | None:
        return next((f for f in self.files if f.name == name), None)

    def to_json(self) -> str:
        """The file's text: keys and files sorted, so equal tables give equal bytes."""
        data = asdict(self)
        data["files"] = sorted(data["files"], key=lambda f: f["name"])
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Any, source: str = TABLE_MANIFEST_NAME) -> "TableManifest":
        raise_if(source, table_manifest_problems(data, source))
        return cls(data["dataset"], [TableFile(**f) for f in data["files"]], data["kind"], data["schema_version"])

    @classmethod
    def read(cls, path: str | Path) -> "TableManifest":
        return cls.from_dict(read_json(path), str(path))


_FIELDS = {"schema_version": str, "dataset": str, "kind": str, "files": list}
_FILE_FIELDS = {"name": str, "bytes": int, "sha256": str, "rows": (int, type(None))}


def table_manifest_problems(data: Any, source: str = TABLE_MANIFEST_NAME) -> list[Problem]:
    problems = entry_problems(source, data, _FIELDS)
    if problems:
        return problems
    if data["kind"] != TABLES_KIND:
        problems.append(Problem(f"{source} key 'kind'", f"is {data['kind']!r}, expected {TABLES_KIND!r}"))
    if str(data["schema_version"]).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        problems.append(Problem(f"{source} key 'schema_version'", f"is {data['schema_version']}, this reader knows {SCHEMA_VERSION}"))
    names = []
    for i, entry in enumerate(data["files"]):
        where = f"{source} files[{i}]"
        found = entry_problems(where, entry, _FILE_FIELDS)
        problems += found
        if found:
            continue
        names.append(entry["name"])
        if entry["name"] not in TABLE_FILES:
            problems.append(Problem(f"{where} key 'name'", f"is {entry['name']!r}, expected one of {list(TABLE_FILES)}"))
        if entry["bytes"] < 0 or (entry["rows"] is not None and entry["rows"] < 0):
            problems.append(Problem(where, "bytes and rows must be >= 0"))
        if len(entry["sha256"]) != 64 or set(entry["sha256"]) - set("0123456789abcdef"):
            problems.append(Problem(f"{where} key 'sha256'", "expected 64 lowercase hex digits"))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(Problem(f"{source} key 'files'", f"lists {repeated} more than once"))
    return problems
