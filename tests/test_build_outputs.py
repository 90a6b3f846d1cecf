"""Every build of the bundled sample writes the bytes it wrote before (tests/data/sample_outputs.sha256).

The file was recorded from the builds before the one-engine redesign; the redesign kept every shard
and table byte-identical. Intended format changes since (listed where they were made) regenerate
it: run this test, check the printed differences are the intended ones, and paste its new lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.build import run_build
from tasks.fingerprint import sha256_file

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "sample_outputs.sha256"
BUILDS = ("coco", "interhand26m", "dexycb", "rwf2000", "aihub_falldown")


def output_sums(folder: Path) -> dict[str, str]:
    """sha256 of every output file (the build's cache aside), by path relative to `folder`."""
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(folder).parts}


@pytest.mark.slow
def test_the_sample_builds_are_byte_identical_to_the_recorded_ones(prefect_harness, synthetic_sample, tmp_path):
    for name in BUILDS:
        overrides = [f"mano_model_dir={synthetic_sample / 'body_models'}"] if name == "dexycb" else []
        run_build(name, tmp_path / name, root=synthetic_sample / name, overrides=overrides, datasets_dir=ROOT / "datasets")
    got = output_sums(tmp_path)
    want = dict(reversed(line.split("  ", 1)) for line in GOLDEN.read_text().splitlines())
    changed = "\n".join(f"{got.get(name, '(absent)')}  {name}  (recorded {want.get(name, '(absent)')})"
                        for name in sorted(set(got) | set(want)) if got.get(name) != want.get(name))
    assert got == want, f"outputs differ from {GOLDEN.name}:\n{changed}"
