"""`posefoundry server`: one local Prefect server for a command, gone when the command ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli.server import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
POSEFOUNDRY = [sys.executable, "-m", "cli.main"]


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def test_command_runs_against_the_server_and_the_server_stops_after_it():
    port = free_port("127.0.0.1")
    probe = ("import os, httpx; url = os.environ['PREFECT_API_URL']; "
             "print(url, httpx.get(url + '/health').status_code)")
    done = subprocess.run([*POSEFOUNDRY, "server", "--port", str(port), "--", sys.executable, "-c", probe],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"http://127.0.0.1:{port}/api 200" in done.stdout
    assert not answers(port)


def test_command_exit_code_is_passed_on():
    done = subprocess.run([*POSEFOUNDRY, "server", "--port", "0", "--", sys.executable, "-c", "raise SystemExit(3)"],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 3


def test_server_dies_with_a_killed_cli():
    port = free_port("127.0.0.1")
    cli = subprocess.Popen([*POSEFOUNDRY, "server", "--port", str(port)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 150
    while not answers(port):
        assert time.monotonic() < deadline and cli.poll() is None, "the server never answered"
        time.sleep(0.5)
    os.kill(cli.pid, signal.SIGKILL)
    cli.wait()
    deadline = time.monotonic() + 30
    while answers(port):
        assert time.monotonic() < deadline, "the server outlived the SIGKILLed command"
        time.sleep(0.5)


def test_a_sigkilled_build_takes_its_own_server_with_it(synthetic_sample, tmp_path):
    """`posefoundry build` with no server to report to starts one; killing the build (SIGKILL, no
    chance to clean up) must not leave that server running."""
    import psutil

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    build = subprocess.Popen([*POSEFOUNDRY, "build", "rwf2000", "--root", str(synthetic_sample / "rwf2000"),
                              "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    servers: list[psutil.Process] = []
    while time.monotonic() < deadline and not servers and build.poll() is None:
        servers = [p for p in psutil.Process(build.pid).children(recursive=True) if "server" in " ".join(p.cmdline())]
        time.sleep(0.2)
    assert servers, "the build started no server of its own"
    build.send_signal(signal.SIGKILL)
    build.wait()
    gone, alive = psutil.wait_procs(servers, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
