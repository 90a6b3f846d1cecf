"""`posefoundry retrain TASK`: the scheduled retraining flow, run once by hand."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cli.console import console


def retrain(
    task: str = typer.Argument(..., help="A task of params.yaml's retrain.tasks (fight, falldown, pose, hand, ...)."),
    project: Path = typer.Option(Path("."), "--project", help="The project folder (holds dvc.yaml)."),
    params: str = typer.Option("params.yaml", "--params", help="Params file, relative to the project."),
    force: bool = typer.Option(False, "--force", help="Retrain and gate even if nothing is out of date."),
    json_output: bool = typer.Option(False, "--json", help="Print the decision as one JSON object on stdout."),
) -> None:
    """Retrain when DVC finds the task's training stage out of date, then promote the model or say why not."""
    from prefect.states import State

    from flows.retrain import retrain as retrain_flow

    result = retrain_flow(task=task, project_dir=str(project), params_file=params, force=force)
    if isinstance(result, State):
        result = result.result()
    if json_output:
        print(json.dumps(result, indent=2, sort_keys=True))
        return
    if not result["trained"]:
        console.print(result["reason"])
        return
    verdict = "[green]promoted[/green]" if result["promoted"] else "[yellow]rejected[/yellow]"
    console.print(f"{task}: {verdict}: {result['reason']}")
    if result.get("candidate"):
        console.print(f"the rejected candidate is kept at {result['candidate']}")
