"""One console for the CLI's messages: stderr, so stdout stays clean for --json, and no hard wrapping
so file paths in errors stay whole."""

from rich.console import Console
from rich.markup import escape

console = Console(stderr=True, soft_wrap=True)


def print_checked(head: str, ok: bool, bad: str, findings: list, more: int = 0) -> None:
    """One checked thing (a split, a table folder): valid, or what is wrong with it, line by line."""
    state = "[green]valid[/green]" if ok else f"[red]{escape(bad)}[/red]"
    console.print(f"{escape(head)}: {state}")
    for finding in findings:
        console.print(f"  [red]{escape(str(finding))}[/red]")
    if more:
        console.print(f"  ... and {more} more (--limit)")
