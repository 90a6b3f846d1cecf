"""`posefoundry train stgcn --task fight`: one training stage of the DVC pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from cli.console import console

app = typer.Typer(help="Train a model on the built datasets (the DVC training stages call these).", no_args_is_help=True)


def task_params(params_file: Path, block: str, task: str) -> dict[str, Any]:
    """`<block>.<task>` of params.yaml, or a message that names what is there."""
    try:
        data = yaml.safe_load(params_file.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise typer.BadParameter(f"{params_file}: cannot read: {err}") from err
    tasks = data.get(block)
    if not isinstance(tasks, dict) or task not in tasks:
        known = ", ".join(sorted(tasks)) if isinstance(tasks, dict) else "none"
        raise typer.BadParameter(f"{params_file} has no {block}.{task} block (tasks: {known})")
    return tasks[task]


@app.command("stgcn")
def stgcn(
    task: str = typer.Option(..., "--task", help="A task under `stgcn:` in params.yaml (fight, falldown)."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Where the knobs live."),
    out: Path = typer.Option(None, "--out", help="Model folder; default data/models/stgcn/<task>."),
    metrics: Path = typer.Option(None, "--metrics", help="DVCLive folder; default data/metrics/stgcn/<task>."),
) -> None:
    """Train STGCN++ on a skeleton-table folder; write config.py + model.pth and DVCLive metrics."""
    from schemas.errors import SchemaError
    from training.stgcn.params import ParamsError, StgcnParams
    from training.stgcn.train import train

    source = f"{params_file} stgcn.{task}"
    out = out or Path("data/models/stgcn") / task
    metrics = metrics or Path("data/metrics/stgcn") / task
    try:
        params = StgcnParams.from_dict(task_params(params_file, "stgcn", task), source)
        console.print(f"training STGCN++ for {task!r} on {params.data} ({params.epochs} epochs)")
        result = train(params, out, metrics, source)
    except (ParamsError, SchemaError, typer.BadParameter) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    report = result.report
    table = Table(title=f"STGCN++ {task}: split {params.val_split!r} after {params.epochs} epochs")
    for column in ("class", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="right")
    for i, name in enumerate(report.class_names):
        table.add_row(name, f"{report.precision[i]:.3f}", f"{report.recall[i]:.3f}", f"{report.f1[i]:.3f}", str(report.support[i]))
    console.print(table)
    console.print(f"top-1 {report.top1:.3f}, mean class accuracy {report.mean_class_accuracy:.3f} on {report.total} samples")
    console.print(f"wrote {result.config} and {result.checkpoint}; metrics and plots under {metrics}")
