"""`posefoundry build`: run a dataset's Prefect build flow (the DVC stages call this too)."""

from __future__ import annotations

from pathlib import Path

import typer
from cli.console import console
from rich.table import Table



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
    from flows.build import run_build
    from tasks.spec import SpecError, load_spec

    try:
        spec = load_spec(dataset, datasets_dir, root=root, overrides=set_)
        spec.require_root()
    except SpecError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    out = out or Path("data") / spec.output / spec.name
    report = run_build(dataset, out, root=spec.root, overrides=set_, datasets_dir=datasets_dir,
                       runner=runner, workers=workers, address=address)
    table = Table(title=f"{spec.name}: build report")
    for column in ("items", "written", "unchanged", "failed"):
        table.add_column(column, justify="right")
    table.add_row(str(report.items), str(report.written), str(report.skipped), str(report.failed))
    console.print(table)
    for failure in report.failures[:20]:
        console.print(f"  [yellow]failed[/yellow] {failure.file}: {failure.reason}")
    if len(report.failures) > 20:
        console.print(f"  ... and {len(report.failures) - 20} more (see the manifest / clips table)")
    console.print(f"wrote {len(report.outputs)} file(s) under {out}")
    if report.failure_share > spec.failure_threshold:
        console.print(
            f"[red]{report.failed} of {report.items} items failed ({report.failure_share:.0%}), "
            f"above the spec's failure_threshold {spec.failure_threshold:.0%}[/red]"
        )
        raise typer.Exit(1)
