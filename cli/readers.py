"""`posefoundry readers`: every reader's options, from the typed models the specs are checked against."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from cli.console import console


def readers(
    name: str = typer.Argument(None, help="One reader (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List each reader's options: dotted name (as `--set` takes it), type, default, meaning."""
    from tasks.readers import READERS, reader_module
    from tasks.readers.options import describe

    chosen = [name] if name else list(READERS)
    unknown = [n for n in chosen if n not in READERS]
    if unknown:
        console.print(f"[red]unknown reader {unknown[0]!r}; known: {', '.join(READERS)}[/red]")
        raise typer.Exit(2)
    found = {n: describe(reader_module(n).Options) for n in chosen}
    if as_json:
        print(json.dumps({n: [dict(zip(("option", "type", "default", "meaning"), row)) for row in rows] for n, rows in found.items()}, indent=1))
        return
    for reader, rows in found.items():
        module = reader_module(reader)
        table = Table(title=f"{reader}: {module.OUTPUT} ({module.KIND})", title_justify="left")
        for column in ("option", "type", "default", "meaning"):
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
