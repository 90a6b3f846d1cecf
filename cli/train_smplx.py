"""`posefoundry train smplx`: the SMPL-X stage of the DVC pipeline (block `smplx:` of params.yaml)."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from cli.console import console

FIGURES = (("pve", "PVE mm"), ("pa_pve", "PA-PVE mm"), ("mpjpe", "MPJPE mm"), ("pa_mpjpe", "PA-MPJPE mm"),
           ("kp2d", "2D px"), ("pck", "PCK"))


def smplx(
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Where the knobs live (block `smplx:`)."),
    out: Path = typer.Option(Path("data/models/smplx"), "--out", help="Model folder."),
    metrics: Path = typer.Option(Path("data/metrics/smplx"), "--metrics", help="DVCLive folder."),
    data: Path = typer.Option(None, "--data", help="COCO shard folder; default: smplx.shards of the params."),
) -> None:
    """Train the ViT + SMPL-X model on COCO person crops; write config.py + model.pth, the figures
    beside a mean-pose baseline, curves and a picture of meshes on val crops."""
    import dataclasses

    from cli.train import stage_params
    from schemas.errors import SchemaError
    from training.params import ParamsError
    from training.smplx.params import SmplxParams
    from training.smplx.train import train

    source = f"{params_file} smplx"
    try:
        params = SmplxParams.from_dict(stage_params(params_file, "smplx"), source)
        if data is not None:
            params = dataclasses.replace(params, shards=str(data))
        console.print(f"training the SMPL-X model on {params.shards} ({params.iters} iterations of "
                      f"{params.batch_size} persons, {params.image_size} px)")
        result = train(params, out, metrics, source)
    except (ParamsError, SchemaError, FileNotFoundError, typer.BadParameter) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    figures = result.metrics
    table = Table(title=f"SMPL-X on split {params.val_split!r} after {params.iters} iterations: "
                        f"{figures.get('persons', 0):.0f} persons, {figures.get('persons_smplx', 0):.0f} with NeuralAnnot "
                        "(baseline: the training persons' mean body)")
    table.add_column("", no_wrap=True)
    for _, label in FIGURES:
        table.add_column(label, justify="right")
    for label, values in (("model", figures), ("baseline", result.baseline)):
        row = [values.get(key, math.nan) for key, _ in FIGURES]
        table.add_row(label, *(f"{v:.3f}" if key == "pck" else f"{v:.1f}" for v, (key, _) in zip(row, FIGURES)))
    console.print(table)
    if result.skipped:
        console.print(f"[yellow]skipped persons: {result.skipped}[/yellow]")
    console.print(f"wrote {result.config} and {result.checkpoint}; metrics, curves and the mesh picture under {metrics}")
