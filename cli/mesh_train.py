"""What `train hand` and `train smplx` share: their options, reading the stage's params block and
training with the mistakes a user can fix printed in red (exit 2), and the table that sets the
model's figures beside its mean-pose baseline."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, TypeVar

import typer
from rich.table import Table

from cli.console import console

P = TypeVar("P")

LABELS = {"mpjpe": "MPJPE mm", "pa_mpjpe": "PA-MPJPE mm", "mpvpe": "MPVPE mm", "pa_mpvpe": "PA-MPVPE mm",
          "pve": "PVE mm", "pa_pve": "PA-PVE mm", "kp2d": "2D px", "pck": "PCK", "auc": "AUC"}
SHARES = ("pck", "auc")  # figures in [0, 1], shown to three decimals; the rest are mm or px


def params_option(block: str) -> Any:
    return typer.Option(Path("params.yaml"), "--params", help=f"Where the knobs live (block `{block}:`).")


def out_option(stage: str) -> Any:
    return typer.Option(Path(f"data/models/{stage}"), "--out", help="Model folder.")


def metrics_option(stage: str) -> Any:
    return typer.Option(Path(f"data/metrics/{stage}"), "--metrics", help="DVCLive folder.")


def train_stage(params_file: Path, block: str, read: Callable[[Any, str], P], describe: Callable[[P], str],
                train: Callable[[P, str], Any]) -> tuple[P, Any]:
    """`block` of `params_file` through `read` (checked), `describe`d, then `train`ed; a bad block,
    a missing file or unusable data prints in red and exits 2: nothing changes without a fix."""
    from cli.train import stage_params
    from schemas.errors import SchemaError
    from training.params import ParamsError

    source = f"{params_file} {block}"
    try:
        params = read(stage_params(params_file, block), source)
        console.print(describe(params))
        return params, train(params, source)
    except (ParamsError, SchemaError, FileNotFoundError, typer.BadParameter) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)


def figure_table(title: str, figures: tuple[str, ...], leading: list[str],
                 rows: list[tuple[list[str], dict[str, float], str]]) -> Table:
    """The `leading` columns, then one per figure; a row per (leading cells, figures, key prefix)."""
    table = Table(title=title)
    for column in leading:
        table.add_column(column, no_wrap=True)
    for name in figures:
        table.add_column(LABELS[name], justify="right")
    for cells, values, prefix in rows:
        table.add_row(*cells, *(format(values.get(prefix + name, math.nan), ".3f" if name in SHARES else ".1f")
                                for name in figures))
    return table


def show_result(table: Table, result: Any, items: str, metrics: Path) -> None:
    """The figures, the `items` skipped as bad input, and where the model and its metrics went."""
    console.print(table)
    if result.skipped:
        console.print(f"[yellow]skipped {items}: {result.skipped}[/yellow]")
    console.print(f"wrote {result.config} and {result.checkpoint}; "
                  f"metrics, curves and the mesh picture under {metrics}")
