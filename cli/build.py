"""`posefoundry build`: run a dataset's Prefect build flow (the DVC stages call this too).

Every usage error (spec, options, runner, workers, output folder, a build already running there)
is found before any server starts: exit 2, one line, nothing written. Without a PREFECT_API_URL
the command starts its own server, which dies with it (even on SIGKILL).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import typer
from rich.table import Table

from cli.console import console


class UsageError(ValueError):
    """A bad argument: the CLI prints it and exits 2."""


def check_out(out: Path) -> None:
    """The output folder can be created and written (probed without leaving anything behind)."""
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is a file, not a folder")
    probe_in = existing if existing is not None else Path.cwd()
    if not os.access(probe_in, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {probe_in} is not writable")
    try:
        tempfile.TemporaryFile(dir=probe_in).close()
    except OSError as err:
        raise UsageError(f"--out {out}: cannot write in {probe_in} ({err.strerror or err})") from None


def check_runner(runner: str, workers: int | None) -> None:
    from flows.runners import RUNNERS

    if runner not in RUNNERS:
        raise UsageError(f"--runner {runner!r}: expected one of {', '.join(RUNNERS)}")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers}: expected 1 or more")


@contextmanager
def prefect_api() -> Iterator[None]:
    """The API the flow reports to: the one in PREFECT_API_URL, else a server of our own."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from cli.server import free_port, start_server, stop_server

    port = free_port("127.0.0.1")
    with console.status("starting a Prefect server for this build"):
        process = start_server("127.0.0.1", port, ui=False)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from prefect.logging.handlers import APILogWorker

    try:
        with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
            try:
                yield
            finally:
                APILogWorker.drain_all(timeout=10)  # the run's last log lines reach the server before it stops
    finally:
        stop_server(process)


def _print_report(name: str, report, out: Path) -> None:
    table = Table(title=f"{name}: build report")
    for column in ("items", "written", "unchanged", "failed"):
        table.add_column(column, justify="right")
    table.add_row(str(report.items), str(report.written), str(report.skipped), str(report.failed))
    console.print(table)
    for warning in report.warnings:
        console.print(f"  [yellow]warning[/yellow] {warning}")
    for failure in report.failures[:20]:
        console.print(f"  [yellow]failed[/yellow] {failure.file}: {failure.reason}")
    if len(report.failures) > 20:
        console.print(f"  ... and {len(report.failures) - 20} more (see the manifest / clips table)")
    console.print(f"wrote {len(report.outputs)} file(s) under {out}")


def build(
    dataset: str = typer.Argument(..., help="A spec name in datasets/ (or a path to a spec YAML)."),
    root: Path = typer.Option(None, "--root", help="Raw root; defaults to the spec's."),
    out: Path = typer.Option(None, "--out", help="Output folder; defaults to data/<shards|skeletons>/<name>."),
    set_: list[str] = typer.Option(None, "--set", help="Override a spec option: KEY=VALUE, dotted keys."),
    datasets_dir: Path = typer.Option(None, "--datasets-dir", help="Where the specs live; default the project's datasets/."),
    runner: str = typer.Option("threads", "--runner", help="threads | processes | dask"),
    workers: int = typer.Option(None, "--workers", help="Parallel workers (default: the runner's)."),
    address: str = typer.Option(None, "--dask-address", help="Address of an existing Dask scheduler."),
) -> None:
    """Build one dataset into WebDataset shards or skeleton tables."""
    from flows.report import BuildFailed
    from tasks.lock import OutputLocked, check_unlocked
    from tasks.spec import SpecError, load_spec

    try:
        spec = load_spec(dataset, datasets_dir, root=root, overrides=set_)
        spec.require_root()
        check_runner(runner, workers)
        out = out or Path("data") / spec.output / spec.name
        check_out(out)
        check_unlocked(out)
    except (SpecError, UsageError, OutputLocked) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    from flows.build import run_build

    try:
        with prefect_api():
            report = run_build(dataset, out, root=spec.root, overrides=set_, datasets_dir=datasets_dir,
                               runner=runner, workers=workers, address=address or None)
    except OutputLocked as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    except BuildFailed as failed:
        _print_report(spec.name, failed.report, out)
        for line in failed.lines:
            console.print(f"[red]{spec.name}/{line}[/red]")
        raise typer.Exit(1)
    _print_report(spec.name, report, out)
