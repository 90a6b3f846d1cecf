"""`posefoundry serve` and `posefoundry deployments`: the project's Prefect deployments."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from cli.console import console


def _params(path: Path) -> dict:
    if not path.is_file():
        console.print(f"[red]{path}: no such params file[/red]")
        raise typer.Exit(2)
    return yaml.safe_load(path.read_text())


def deployments(
    params: Path = typer.Option(Path("params.yaml"), "--params", help="The pipeline's params file."),
    write: Path = typer.Option(None, "--write", help="Write prefect.yaml here (else print it)."),
) -> None:
    """prefect.yaml from params.yaml: a build deployment per dataset, a scheduled retrain per task."""
    import prefect

    from flows.deployments import prefect_yaml

    text = prefect_yaml(_params(params), prefect.__version__)
    if write is None:
        print(text, end="")
        return
    write.write_text(text)
    console.print(f"wrote {write}")


def serve(
    params: Path = typer.Option(Path("params.yaml"), "--params", help="The pipeline's params file."),
) -> None:
    """Serve every deployment from this one process (single machine: no work pool or worker)."""
    from prefect import serve as prefect_serve

    from flows.build import build_dataset
    from flows.deployments import BUILD_ENTRYPOINT, deployment_specs
    from flows.retrain import retrain

    flows = {BUILD_ENTRYPOINT: build_dataset}
    runnable = []
    for spec in deployment_specs(_params(params)):
        flow = flows.get(spec["entrypoint"], retrain)
        cron = spec["schedules"][0]["cron"] if spec["schedules"] else None
        runnable.append(flow.to_deployment(
            name=spec["name"], parameters=spec["parameters"], description=spec["description"],
            tags=spec["tags"], cron=cron,
        ))
    console.print(f"serving {len(runnable)} deployments: {', '.join(d.name for d in runnable)}")
    prefect_serve(*runnable)
