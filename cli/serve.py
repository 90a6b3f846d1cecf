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


def on_work_pools(names: list[str]) -> list[str]:
    """Those of the `flow/deployment` names that exist on the API with a work pool (`prefect deploy`)."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async def look() -> list[str]:
        found = []
        async with get_client() as client:
            for name in names:
                try:
                    deployment = await client.read_deployment_by_name(name)
                except ObjectNotFound:
                    continue
                if deployment.work_pool_name:
                    found.append(f"{name} (work pool {deployment.work_pool_name})")
        return found

    return asyncio.run(look())


def serve(
    params: Path = typer.Option(Path("params.yaml"), "--params", help="The pipeline's params file."),
) -> None:
    """Serve every deployment from this one process (single machine: no work pool or worker)."""
    from prefect import serve as prefect_serve

    from flows.build import build_dataset
    from flows.deployments import BUILD_ENTRYPOINT, deployment_specs
    from flows.retrain import retrain

    flows = {BUILD_ENTRYPOINT: build_dataset}
    specs = deployment_specs(_params(params))
    taken = on_work_pools([f"{flows.get(s['entrypoint'], retrain).name}/{s['name']}" for s in specs])
    if taken:
        console.print(f"[red]these deployments already run on a work pool: {', '.join(taken)}. Serving them "
                      "here would take them over (and pause them when serve stops). Keep the worker, or delete "
                      "them first (prefect deployment delete NAME).[/red]")
        raise typer.Exit(2)
    runnable = []
    for spec in specs:
        flow = flows.get(spec["entrypoint"], retrain)
        cron = spec["schedules"][0]["cron"] if spec["schedules"] else None
        runnable.append(flow.to_deployment(
            name=spec["name"], parameters=spec["parameters"], description=spec["description"],
            tags=spec["tags"], cron=cron,
        ))
    console.print(f"serving {len(runnable)} deployments: {', '.join(d.name for d in runnable)}")
    prefect_serve(*runnable)
