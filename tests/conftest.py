"""Shared fixtures: the real sample files, one synthetic sample per session, one Prefect harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.environment import configure

ROOT = Path(__file__).resolve().parents[1]
configure(ROOT)

SAMPLES = ROOT.parent / "shared" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The real sample files; CI sets POSEFOUNDRY_REQUIRE_SAMPLES so their absence fails there."""
    if not SAMPLES.is_dir():
        message = f"the real sample files are not at {SAMPLES} (they sit beside the project's checkout)"
        if os.environ.get("POSEFOUNDRY_REQUIRE_SAMPLES"):
            pytest.fail(message + "; CI requires them", pytrace=False)
        pytest.skip(message)
    return SAMPLES


@pytest.fixture(scope="session")
def prefect_harness():
    """A throwaway Prefect API for the whole session (starting one costs ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def synthetic_sample(tmp_path_factory) -> Path:
    """`posefoundry sample` output, written once per session (seed 0)."""
    from tasks.synthetic import write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(out, seed=0)
    return out
