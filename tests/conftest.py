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
    from synthetic import write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(out, seed=0)
    return out


@pytest.fixture(scope="session")
def coco_raw(tmp_path_factory) -> Path:
    """Only the synthetic COCO tree: the cheapest real build input."""
    from synthetic import write_sample

    out = tmp_path_factory.mktemp("raw")
    write_sample(out, seed=0, datasets=("coco",))
    return out / "coco"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` on 127.0.0.1; yields the environment that points at it.

    Subprocesses (workers, Dask worker processes, the CLI) get this environment, so everything
    reports to one API instead of each starting its own ephemeral server."""
    import subprocess
    import time
    import urllib.request

    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PATH": os.pathsep.join([str(Path(os.sys.executable).parent), os.environ.get("PATH", "")]),
    }
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [str(Path(os.sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.5)
    yield env
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()
