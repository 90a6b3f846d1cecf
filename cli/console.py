"""One console for the CLI's messages: stderr, so stdout stays clean for --json, and no hard wrapping
so file paths in errors stay whole."""

from rich.console import Console

console = Console(stderr=True, soft_wrap=True)
