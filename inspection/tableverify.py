"""`tables verify`: each table file's bytes, sha256 and row count against the folder's manifest.json.

`tables validate` runs the same check when a manifest is there (tables written before the writer
wrote manifests have none; `verify` calls that a problem, `validate` does not). Table files on
disk that the manifest does not list are problems too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq

from inspection.verify import FileCheck, Verified, digest_problems, hash_file
from schemas import SchemaError
from schemas.tablemanifest import TABLE_FILES, TABLE_MANIFEST_NAME, TableFile, TableManifest


@dataclass
class TablesVerification(Verified):
    folder: str
    dataset: str | None = None
    files: list[FileCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _check_file(path: Path, entry: TableFile, progress: Callable[[int], None] | None) -> FileCheck:
    check = FileCheck(entry.name, str(path), {"bytes": entry.bytes, "sha256": entry.sha256, "rows": entry.rows}, {})
    if not path.is_file():
        check.problems.append(f"{path}: listed in the manifest but missing")
        return check
    size, sha = hash_file(path, progress)
    check.found = {"bytes": size, "sha256": sha, "rows": None}
    check.problems += digest_problems(path, (size, sha), (entry.bytes, entry.sha256))
    if entry.rows is not None and not check.problems:  # other bytes: their rows would say no more
        try:
            check.found["rows"] = pq.read_metadata(path).num_rows
        except (pa.ArrowException, OSError) as err:
            check.problems.append(f"{path}: unreadable: {err}")
        else:
            if check.found["rows"] != entry.rows:
                check.problems.append(f"{path}: {check.found['rows']} rows, the manifest says {entry.rows}")
    return check


def verify_tables(folder: Path, progress: Callable[[int], None] | None = None, required: bool = True) -> TablesVerification:
    """Every file the manifest lists, and the table files it does not; without a manifest, a
    problem when `required` (else nothing to check)."""
    result = TablesVerification(str(folder))
    path = Path(folder) / TABLE_MANIFEST_NAME
    if not path.is_file():
        if required:
            result.problems.append(f"{path}: missing: no manifest to verify against")
        return result
    try:
        manifest = TableManifest.read(path)
    except SchemaError as err:
        result.problems.append(str(err))
        return result
    except OSError as err:
        result.problems.append(f"{path}: unreadable: {err}")
        return result
    result.dataset = manifest.dataset
    for entry in manifest.files:
        check = _check_file(Path(folder) / entry.name, entry, progress)
        result.files.append(check)
        result.problems += check.problems
    result.problems += [f"{Path(folder) / name}: on disk but not in the manifest"
                        for name in TABLE_FILES if manifest.entry(name) is None and (Path(folder) / name).is_file()]
    return result


def bytes_to_verify(folders: list[Path]) -> int:
    return sum((f / name).stat().st_size for f in folders for name in TABLE_FILES if (f / name).is_file())
