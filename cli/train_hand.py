"""`posefoundry train hand`: the hand-mesh stage of the DVC pipeline (block `hand:` of params.yaml)."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from cli.console import console

FIGURES = (("mpjpe", "MPJPE mm"), ("pa_mpjpe", "PA-MPJPE mm"), ("mpvpe", "MPVPE mm"), ("pa_mpvpe", "PA-MPVPE mm"),
           ("pck", "PCK"), ("auc", "AUC"))


def hand(
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Where the knobs live (block `hand:`)."),
    out: Path = typer.Option(Path("data/models/hand"), "--out", help="Model folder."),
    metrics: Path = typer.Option(Path("data/metrics/hand"), "--metrics", help="DVCLive folder."),
) -> None:
    """Train the ViT + MANO hand-mesh model on the hand-clip shards; write config.py + model.pth,
    the figures beside a mean-pose baseline, curves and a picture of meshes on val crops."""
    from cli.train import stage_params
    from schemas.errors import SchemaError
    from training.hand.params import HandParams
    from training.hand.train import train
    from training.params import ParamsError

    source = f"{params_file} hand"
    try:
        params = HandParams.from_dict(stage_params(params_file, "hand"), source)
        console.print(f"training the hand-mesh model on {', '.join(params.shards.values())} "
                      f"({params.iters} iterations of {params.batch_size}, T={params.frames}, {params.image_size} px)")
        result = train(params, out, metrics, source)
    except (ParamsError, SchemaError, FileNotFoundError, typer.BadParameter) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    table = Table(title=f"hand mesh on split {params.val_split!r} after {params.iters} iterations "
                        "(baseline: the training clips' mean pose)")
    table.add_column("clips from", no_wrap=True)
    table.add_column("", no_wrap=True)
    for _, label in FIGURES:
        table.add_column(label, justify="right")
    for source_name, prefix in [("all", "")] + [(name, f"{name}/") for name in params.shards]:
        for label, figures in (("model", result.metrics), ("baseline", result.baseline)):
            values = [figures.get(prefix + key, math.nan) for key, _ in FIGURES]
            table.add_row(source_name if label == "model" else "", label,
                          *(f"{v:.3f}" if key in ("pck", "auc") else f"{v:.1f}" for v, (key, _) in zip(values, FIGURES)))
    console.print(table)
    if result.skipped:
        console.print(f"[yellow]skipped hand clips: {result.skipped}[/yellow]")
    console.print(f"wrote {result.config} and {result.checkpoint}; metrics, curves and the mesh picture under {metrics}")
