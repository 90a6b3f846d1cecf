"""`posefoundry sample`: the bundled synthetic copy of every raw source."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from cli.console import console



def sample(
    out: Path = typer.Option(..., "--out", help="Folder to write DIR/<dataset>/ into."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes."),
    only: list[str] = typer.Option(None, "--only", help="Write only these datasets (repeatable)."),
    scale: int = typer.Option(1, "--scale", min=1, help="K times the items (new ids, same layout), for benchmarks."),
) -> None:
    """Write a small synthetic copy of each raw source in its real layout, plus stand-in body models."""
    from synthetic import DATASETS, write_sample

    chosen = tuple(only) if only else DATASETS
    unknown = sorted(set(chosen) - set(DATASETS))
    if unknown:
        console.print(f"[red]unknown dataset(s) {unknown}; known: {', '.join(DATASETS)}[/red]")
        raise typer.Exit(2)
    started = time.perf_counter()

    def progress(name: str, count: int) -> None:
        console.print(f"  {name}: {count} items -> {out / name}")

    console.print(f"writing the synthetic sample (seed {seed}) into {out}")
    try:
        written = write_sample(out, seed=seed, datasets=chosen, progress=progress, scale=scale)
    except ValueError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2)
    console.print(f"wrote {len(written)} folders under {out} in {time.perf_counter() - started:.1f} s")
