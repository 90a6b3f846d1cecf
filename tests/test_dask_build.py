"""A build spread over a local Dask cluster of two worker processes writes the same bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def build(env: dict, raw: Path, out: Path, *runner: str) -> None:
    result = subprocess.run(
        ["posefoundry", "build", "coco", "--root", str(raw), "--out", str(out), *runner],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file, the item cache included (the lock aside: it names the process that held it)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() != ".cache/lock"}


@pytest.mark.slow
def test_dask_cluster_build_equals_single_process(prefect_server, coco_raw, tmp_path):
    build(prefect_server, coco_raw, tmp_path / "single", "--runner", "threads", "--workers", "1")
    build(prefect_server, coco_raw, tmp_path / "dask", "--runner", "dask", "--workers", "2")
    single, dask = tree(tmp_path / "single"), tree(tmp_path / "dask")
    assert any(name.endswith(".tar") for name in single)
    assert single.keys() == dask.keys()
    assert [name for name in single if single[name] != dask[name]] == []
