"""`posefoundry retrain TASK`: the scheduled retraining flow, run once by hand."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.console import console


def retrain(
    task: str = typer.Argument(..., help="A task of params.yaml's retrain.tasks (e.g. fight, falldown)."),
    project: Path = typer.Option(Path("."), "--project", help="The project folder (holds dvc.yaml)."),
    params: str = typer.Option("params.yaml", "--params", help="Params file, relative to the project."),
    json_output: bool = typer.Option(False, "--json", help="Print the decision as JSON on stdout."),
) -> None:
    """Rebuild and retrain when the task's raw data changed, then promote the model or say why not."""
    from flows.retrain import retrain as retrain_flow

    result = retrain_flow(task=task, project_dir=str(project), params_file=params)
    if json_output:
        print(json.dumps(result, indent=2, sort_keys=True))
    elif not result["changed"]:
        console.print(result["reason"])
    else:
        verdict = "[green]promoted[/green]" if result["promoted"] else "[yellow]not promoted[/yellow]"
        console.print(f"{task}: {verdict}: {result['reason']}")
