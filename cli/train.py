"""`posefoundry train stgcn --task fight`: one training stage of the DVC pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from cli.console import console

app = typer.Typer(help="Train a model on the built datasets (the DVC training stages call these).", no_args_is_help=True)


def read_params(params_file: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(params_file.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise typer.BadParameter(f"{params_file}: cannot read: {err}") from err


def stage_params(params_file: Path, block: str) -> dict[str, Any]:
    """The `<block>` of params.yaml (one model's knobs), or a message that names what is there."""
    data = read_params(params_file)
    if not isinstance(data.get(block), dict):
        raise typer.BadParameter(f"{params_file} has no {block}: block (blocks: {', '.join(sorted(data))})")
    return data[block]


def task_params(params_file: Path, block: str, task: str) -> dict[str, Any]:
    """`<block>.<task>` of params.yaml, or a message that names what is there."""
    tasks = read_params(params_file).get(block)
    if not isinstance(tasks, dict) or task not in tasks:
        known = ", ".join(sorted(tasks)) if isinstance(tasks, dict) else "none"
        raise typer.BadParameter(f"{params_file} has no {block}.{task} block (tasks: {known})")
    return tasks[task]


@app.command("stgcn")
def stgcn(
    task: str = typer.Option(..., "--task", help="A task under `stgcn:` in params.yaml (fight, falldown)."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Where the knobs live."),
    data: Path = typer.Option(None, "--data", help="Skeleton-table folder; default: the task's `data`."),
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
        block = task_params(params_file, "stgcn", task)
        params = StgcnParams.from_dict({**block, **({"data": str(data)} if data else {})}, source)
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


@app.command("pose")
def pose(
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Where the knobs live (block `pose:`)."),
    data: Path = typer.Option(None, "--data", help="COCO shard folder; default: pose.data of params.yaml."),
    out: Path = typer.Option(Path("data/models/pose"), "--out", help="Model folder."),
    metrics: Path = typer.Option(Path("data/metrics/pose"), "--metrics", help="DVCLive folder."),
    launcher: str = typer.Option("none", "--launcher", help="MMEngine's launcher: none, or pytorch under torchrun "
                                 "(torchrun --nproc_per_node N -m cli.main train pose --launcher pytorch)."),
) -> None:
    """Train RTMPose on the COCO shards; write config.py + model.pth, COCO AP and a prediction picture."""
    from schemas.errors import SchemaError
    from training.pose.params import ParamsError, PoseParams
    from training.pose.train import train

    source = f"{params_file} pose"
    try:
        block = stage_params(params_file, "pose")
        params = PoseParams.from_dict({**block, **({"data": str(data)} if data else {})}, source)
        console.print(f"training {params.arch} on {params.data} ({params.epochs} epochs, input {params.input_size})")
        result = train(params, out, metrics, source, launcher)
    except (ParamsError, SchemaError, FileNotFoundError, typer.BadParameter) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    if result is None:
        return  # a secondary process of a distributed run
    figures = result.metrics
    table = Table(title=f"{params.arch} on split {params.val_split!r} after {result.steps} steps (GT boxes)")
    for column in ("", "AP", "AP .5", "AP .75", "AR"):
        table.add_column(column, justify="right")
    for name, prefix in (("model", "coco/"), ("mean-pose baseline", "baseline/coco/")):
        table.add_row(name, *(f"{figures[prefix + k]:.3f}" for k in ("AP", "AP .5", "AP .75", "AR")))
    console.print(table)
    skipped = {k: v for k, v in figures.items() if k.startswith("skipped/")}
    if skipped:
        console.print(f"[yellow]skipped samples: {skipped}[/yellow]")
    console.print(f"wrote {result.config} and {result.checkpoint}; metrics, curves and predictions.png under {metrics}")


from cli import train_hand  # noqa: E402  (its module imports this one lazily)

app.command("hand")(train_hand.hand)

from cli import train_smplx  # noqa: E402  (its module imports this one lazily)

app.command("smplx")(train_smplx.smplx)
