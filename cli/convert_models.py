"""`posefoundry convert-models MANO_RIGHT.pkl MANO_LEFT.pkl SMPLX_NEUTRAL.pkl --out DIR`."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.console import console


def convert_models(
    sources: list[Path] = typer.Argument(..., help="Licensed MANO/SMPL-X .pkl files, or folders holding them."),
    out: Path = typer.Option(..., "--out", help="Folder for the converted .npz files."),
) -> None:
    """Turn the licensed body-model pickles (chumpy inside) into plain .npz files that smplx loads;
    MANO_LEFT gets the known shapedirs fix. Point params.yaml's `mano_dir`/`mano_files` at the result."""
    from training.mesh.convert import convert_model

    files = [f for s in sources for f in (sorted(s.glob("*.pkl")) if s.is_dir() else [s])]
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        console.print(f"[red]no body-model pickle at {', '.join(missing) or ', '.join(map(str, sources))}[/red]")
        raise typer.Exit(2)
    failed = 0
    for source in files:
        try:
            target = convert_model(source, out)
        except (ValueError, OSError, EOFError) as err:
            console.print(f"[red]{source}: {err}[/red]")
            failed += 1
            continue
        console.print(f"{source} -> {target}")
    if failed:
        raise typer.Exit(1)
