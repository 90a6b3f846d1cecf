"""`posefoundry server`: one local Prefect server with the project's settings.

Alone it serves the API and UI until Ctrl-C (the README's deployment recipe). With a command after
`--` it starts the server, runs the command with PREFECT_API_URL pointing at it, and stops it: every
build of a `dvc repro` then reports to one server instead of starting a temporary one each
(`make pipeline` runs `posefoundry server --port 0 -- dvc repro`). The server runs in its own
process group and is told to die with this process, so no server outlives the command.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import typer

from cli.console import console

PR_SET_PDEATHSIG = 1
START_TIMEOUT_S = 120.0


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM when the parent dies, SIGKILL included."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_server(host: str, port: int, ui: bool) -> subprocess.Popen:
    """A `prefect server start` process that answers health checks (or a clear error)."""
    import httpx

    prefect = Path(sys.executable).with_name("prefect")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": str(ui).lower()}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen([str(prefect), "server", "start", "--host", host, "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {process.returncode}: "
                               f"{(process.stderr.read() or b'').decode()[-2000:]}")
        try:
            if httpx.get(f"http://{host}:{port}/api/health", timeout=1.0).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"prefect server did not answer on {host}:{port} within {START_TIMEOUT_S:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(4200, "--port", help="Port; 0 picks a free one."),
) -> None:
    """Start a Prefect server (home in the project, analytics off); with `-- CMD ...`, run CMD against it."""
    command = list(ctx.args)
    port = port or free_port(host)
    api_url = f"http://{host}:{port}/api"
    started = time.monotonic()
    with console.status(f"starting a Prefect server on {host}:{port}"):
        try:
            process = start_server(host, port, ui=not command)
        except RuntimeError as err:
            console.print(f"[red]{err}[/red]")
            raise typer.Exit(1)
    console.print(f"Prefect server ready in {time.monotonic() - started:.1f} s: {api_url}")
    try:
        if not command:
            console.print(f"UI on http://{host}:{port}; export PREFECT_API_URL={api_url}; Ctrl-C stops it")
            process.wait()
            return
        code = subprocess.call(command, env={**os.environ, "PREFECT_API_URL": api_url})
    except KeyboardInterrupt:
        code = 130
    finally:
        stop_server(process)
    raise typer.Exit(code)
